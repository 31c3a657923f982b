"""`aipulse show market`: each index's daily moves over a week, its best and worst day, and each board's top movers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.quotes import QuotesConfig
from core.json_output import json_text
from core.tables import render_table
from monitor.market_calendar import LOOKBACK_DAYS, latest_complete_week, monday_of, previous_trading_day, trading_days
from monitor.show_quotes import quotes_config, zoned_time
from spiders.market_hours import MARKETS, is_trading_day, market_of
from storage.models import CrawlRun, Quote
from storage.queries import latest

__all__ = [
    "BOARDS_SOURCE",
    "CLOSES_SOURCE",
    "TOP_N",
    "BoardMovers",
    "IndexWeek",
    "MarketWeek",
    "add_parser",
    "board_members",
    "board_movers",
    "board_movers_text",
    "cmd_show_market",
    "daily_closes",
    "holidays_by_market",
    "index_week",
    "latest_complete_week",
    "market_json",
    "market_report",
    "market_week",
    "monday_of",
    "previous_trading_day",
    "trading_days",
]

#: the daily closes behind the index table (one closed-day quote per trading day)
CLOSES_SOURCE = "eastmoney_klines"
#: the source whose runs record which symbols belong to which board (crawl_runs.details["boards"])
BOARDS_SOURCE = "eastmoney_boards"
TOP_N = 5
DASH = "—"
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
#: how many recent eastmoney_boards runs are searched for a board's member list
_BOARD_RUNS = 50


def add_parser(show_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `show market [--week DATE]`; the handler is the `show` default (args, config, session) -> int."""
    parser = show_subparsers.add_parser(
        "market",
        help="each configured index's daily %% change over a week, its best and worst day, and each configured "
        "board's top 5 gainers and losers",
    )
    parser.add_argument(
        "--week",
        type=_week_arg,
        metavar="YYYY-MM-DD",
        help="any day of the week to show (its Monday to Friday); default: the latest complete week in the store "
        "(board movers always use the latest quotes)",
    )
    parser.add_argument("--json", action="store_true", help="print the week as JSON (times in UTC, ISO 8601)")
    parser.set_defaults(show=cmd_show_market)


def _week_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-07-15") from None


# --- reads -----------------------------------------------------------------------------------------


def _local_day(row: Any) -> date:
    return row.quote_time.astimezone(MARKETS[market_of(row.symbol)].zone).date()  # type: ignore[no-any-return]


def daily_closes(session: Session, symbols: Sequence[str], first: date, last: date) -> dict[str, dict[date, Any]]:
    """The stored daily closes (eastmoney_klines rows) of `symbols`, by local trading day, `first`..`last`."""
    since = datetime.combine(first - timedelta(days=1), time(), UTC)
    until = datetime.combine(last + timedelta(days=2), time(), UTC)
    query = (
        select(Quote)
        .where(Quote.source == CLOSES_SOURCE, Quote.symbol.in_(list(symbols)))
        .where(Quote.quote_time >= since, Quote.quote_time < until)
        .order_by(Quote.quote_time, Quote.id)
    )
    found: dict[str, dict[date, Any]] = {symbol: {} for symbol in symbols}
    for row in session.scalars(query):
        day = _local_day(row)
        if first <= day <= last:
            found[row.symbol][day] = row  # the newest row of a day wins
    return found


def _newest_close_day(session: Session, symbols: Sequence[str]) -> date | None:
    newest = session.scalar(
        select(func.max(Quote.quote_time)).where(Quote.source == CLOSES_SOURCE, Quote.symbol.in_(list(symbols)))
    )
    if newest is None:
        return None
    # quote_time is a kline's close in the exchange's zone; every configured index is an A-share index.
    return newest.astimezone(MARKETS["CN"].zone).date()


def board_members(session: Session, board: str) -> tuple[list[str], CrawlRun | None]:
    """The members of `board` per the newest succeeded eastmoney_boards run that listed it (and that run)."""
    query = (
        select(CrawlRun)
        .where(CrawlRun.source == BOARDS_SOURCE, CrawlRun.status == "succeeded")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(_BOARD_RUNS)
    )
    for run in session.scalars(query):
        members = ((run.details or {}).get("boards") or {}).get(board)
        if isinstance(members, list) and members:
            return [str(symbol) for symbol in members], run
    return [], None


# --- the index table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexWeek:
    """One index over one week: % change per trading day (None: no stored close), the week's change, best/worst."""

    symbol: str
    name: str
    daily_pct: dict[date, Decimal | None]
    week_pct: Decimal | None
    best: tuple[date, Decimal] | None
    worst: tuple[date, Decimal] | None


def _pct(price: Decimal | None, base: Decimal | None) -> Decimal | None:
    if price is None or base is None or base <= 0:
        return None
    return ((price / base - 1) * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)


def index_week(symbol: str, closes: Mapping[date, Any], days: Sequence[date], holidays: Collection[date]) -> IndexWeek:
    """An index's week from its daily closes: each day vs the previous trading day's close.

    When the previous trading day's close is not stored, the day's own previous close (close - change of its
    k-line) is the base. Days in `days` that are not trading days of the index's market are left out.
    """
    market = market_of(symbol)
    own_days = [d for d in days if is_trading_day(market, d, holidays)]
    daily: dict[date, Decimal | None] = {}
    for day in own_days:
        row = closes.get(day)
        if row is None:
            daily[day] = None
            continue
        before = closes.get(previous_trading_day(market, day, holidays))
        base = before.price if before is not None and before.price is not None else row.prev_close
        daily[day] = _pct(row.price, base)
    week_pct = None
    if own_days and closes.get(own_days[-1]) is not None:
        first = closes.get(own_days[0])
        before = closes.get(previous_trading_day(market, own_days[0], holidays))
        base = before.price if before is not None and before.price is not None else None
        if base is None and first is not None:
            base = first.prev_close
        week_pct = _pct(closes[own_days[-1]].price, base)
    moves = [(day, pct) for day, pct in daily.items() if pct is not None]
    best = max(moves, key=lambda m: (m[1], -m[0].toordinal())) if moves else None
    worst = min(moves, key=lambda m: (m[1], m[0].toordinal())) if moves else None
    names = [row.name for row in closes.values() if row.name]
    return IndexWeek(symbol, names[-1] if names else symbol, daily, week_pct, best, worst)


def _signed(pct: Decimal | None) -> str:
    if pct is None:
        return DASH
    return f"{pct}%" if pct == 0 else f"{pct:+}%"


def _price(price: Decimal | None) -> str:
    # Stored decimals lose trailing zeros (23.5); a quote table reads better in cents.
    if price is None:
        return DASH
    exponent = price.as_tuple().exponent
    return str(price.quantize(_CENT) if isinstance(exponent, int) and exponent > -2 else price)


def _day_label(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day:%m-%d}"


def _index_table(weeks: Sequence[IndexWeek], days: Sequence[date]) -> str:
    headers = ["index", "name", *(_day_label(d) for d in days), "week", "best day", "worst day"]
    rows: list[list[object]] = []
    for week in weeks:
        cells = [_signed(week.daily_pct[d]) if d in week.daily_pct else "closed" for d in days]
        best = DASH if week.best is None else f"{_signed(week.best[1])} {_WEEKDAYS[week.best[0].weekday()]}"
        worst = DASH if week.worst is None else f"{_signed(week.worst[1])} {_WEEKDAYS[week.worst[0].weekday()]}"
        rows.append([week.symbol, week.name, *cells, _signed(week.week_pct), best, worst])
    return render_table(headers, rows, right=tuple(range(2, len(headers))))


# --- the board movers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardMovers:
    """A board's members with a usable latest quote, best first and worst first (halted members left out)."""

    board: str
    members: int
    quoted: int
    gainers: list[Any]
    losers: list[Any]
    as_of: datetime | None


def board_movers(board: str, members: Sequence[str], rows: Sequence[Any], top: int = TOP_N) -> BoardMovers:
    """The top `top` risers and fallers among `rows` (latest quotes) of `members`, by change_pct.

    A halted member or one without a change is left out; a member that did not move is neither.
    """
    wanted = set(members)
    usable = [r for r in rows if r.symbol in wanted and r.status != "halted" and r.change_pct is not None]
    gainers = sorted((r for r in usable if r.change_pct > 0), key=lambda r: (-r.change_pct, r.symbol))[:top]
    losers = sorted((r for r in usable if r.change_pct < 0), key=lambda r: (r.change_pct, r.symbol))[:top]
    as_of = max((r.quote_time for r in usable), default=None)
    return BoardMovers(board, len(wanted), len(usable), gainers, losers, as_of)


def _movers_table(rows: Sequence[Any]) -> str:
    lines = [
        [i, r.symbol, r.name, _price(r.price), _signed(Decimal(r.change_pct).quantize(_CENT, rounding=ROUND_HALF_UP))]
        for i, r in enumerate(rows, 1)
    ]
    return render_table(["#", "code", "name", "price", "change"], lines, right=(0, 3, 4))


def _movers_text(movers: BoardMovers) -> str:
    when = ""
    if movers.as_of is not None:
        when = f", latest quote {zoned_time(movers.as_of, MARKETS['CN'].zone)}"
    parts = [f"{movers.board}: {movers.quoted} of {movers.members} members quoted with a day change{when}"]
    for title, rows in ((f"top {TOP_N} gainers", movers.gainers), (f"top {TOP_N} losers", movers.losers)):
        parts += ["", f"{movers.board} {title}", _movers_table(rows) if rows else "(none)"]
    return "\n".join(parts)


# --- the command -----------------------------------------------------------------------------------


def holidays_by_market(section: QuotesConfig) -> dict[str, frozenset[date]]:
    """The configured holidays of every market the indices trade in (CN when there are none)."""
    markets = {market_of(symbol) for symbol in section.indices} or {"CN"}
    return {market: section.holidays_for(market) for market in sorted(markets)}


@dataclass(frozen=True)
class MarketWeek:
    """What `show market` shows: the index week (None when no complete week is stored) and the board movers."""

    monday: date | None
    days: list[date]
    indices: list[IndexWeek]
    boards: list[BoardMovers]
    warnings: list[str]


def market_week(session: Session, section: QuotesConfig, week: date | None) -> MarketWeek:
    """The index week and the board movers; `week` is any day of the week (None: the latest complete)."""
    warnings: list[str] = []
    holidays = holidays_by_market(section)
    monday: date | None = None
    days: list[date] = []
    weeks: list[IndexWeek] = []
    if section.indices:
        monday = monday_of(week) if week is not None else None
        if monday is None:
            newest = _newest_close_day(session, section.indices)
            monday = None if newest is None else latest_complete_week(newest, holidays)
        if monday is None:
            warnings.append(f"no complete week of daily closes stored for the indices: run {CLOSES_SOURCE}")
        else:
            days = trading_days(monday, holidays)
            closes = daily_closes(
                session, section.indices, monday - timedelta(days=LOOKBACK_DAYS), monday + timedelta(4)
            )
            weeks = [index_week(s, closes[s], days, holidays[market_of(s)]) for s in section.indices]
            empty = [w.symbol for w in weeks if all(p is None for p in w.daily_pct.values())]
            if days and empty:
                warnings.append(f"no daily close stored that week for {', '.join(empty)}")
    boards: list[BoardMovers] = []
    for board in section.boards:
        members, _ = board_members(session, board)
        if not members:
            warnings.append(f"no member list for {board} yet: run {BOARDS_SOURCE}")
            continue
        boards.append(board_movers(board, members, latest(session, "quotes", symbol=list(members))))
    return MarketWeek(monday, days, weeks, boards, warnings)


def market_report(session: Session, section: QuotesConfig, week: date | None) -> tuple[str, list[str]]:
    """The report's text and the warnings for stderr; `week` is any day of the week (None: the latest complete)."""
    data = market_week(session, section, week)
    blocks: list[str] = []
    if data.monday is not None:
        monday, days = data.monday, data.days
        closed = [_day_label(monday + timedelta(days=i)) for i in range(5) if monday + timedelta(days=i) not in days]
        title = f"Index moves, week of {monday} (Mon) to {monday + timedelta(days=4)} (Fri)"
        title += f", closed {', '.join(closed)}" if closed else ""
        title += "; % vs the previous trading day's close"
        blocks.append(title + "\n" + (_index_table(data.indices, days) if days else "(no trading day this week)"))
    blocks += [_movers_text(movers) for movers in data.boards]
    return "\n\n".join(blocks), data.warnings


def market_json(data: MarketWeek) -> dict[str, Any]:
    """`show market --json`: the index week and each board's movers (quote times in UTC)."""

    def mover(row: Any) -> dict[str, Any]:
        return {"symbol": row.symbol, "name": row.name, "price": row.price, "change_pct": row.change_pct,
                "quote_time": row.quote_time}  # fmt: skip

    return {
        "week_monday": data.monday,
        "trading_days": data.days,
        "indices": data.indices,
        "boards": [
            {
                "board": b.board,
                "members": b.members,
                "quoted": b.quoted,
                "as_of": b.as_of,
                "gainers": [mover(r) for r in b.gainers],
                "losers": [mover(r) for r in b.losers],
            }
            for b in data.boards
        ],
        "warnings": data.warnings,
    }


def board_movers_text(session: Session, board: str, members: Sequence[str]) -> str:
    """The gainers and losers tables of one board from the latest stored quotes of its members."""
    return _movers_text(board_movers(board, members, latest(session, "quotes", symbol=list(members))))


def cmd_show_market(args: argparse.Namespace, config: AppConfig, session: Session) -> int:
    """Print the index week and the board movers; 1 when nothing is configured or nothing is stored yet."""
    section = quotes_config(config)
    if not section.indices and not section.boards:
        sys.stderr.write('nothing to show: add indices = ["000300.SH", …] and boards = ["BK0800"] to [quotes]\n')
        return 1
    if getattr(args, "json", False):
        data = market_week(session, section, getattr(args, "week", None))
        sys.stdout.write(json_text(market_json(data)) + "\n")
        for warning in data.warnings:
            sys.stderr.write(warning + "\n")
        return 0 if data.monday is not None or data.boards else 1
    text, warnings = market_report(session, section, getattr(args, "week", None))
    if text:
        sys.stdout.write(text + "\n")
    for warning in warnings:
        sys.stderr.write(warning + "\n")
    return 0 if text else 1
