"""Sections 4 and 5 of the weekly report: the market review (indices, boards) and the watch list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.config import AppConfig
from monitor.report.build_runs import WeekRuns
from monitor.report.model import MarketMove, MarketSection, NoData, ReportWeek, WatchLine, WatchSection
from monitor.report.week import TICK
from monitor.show_market import (
    BOARDS_SOURCE,
    CLOSES_SOURCE,
    board_members,
    board_movers,
    daily_closes,
    holidays_by_market,
    index_week,
    trading_days,
)
from monitor.show_quotes import pe_ratio, quotes_config
from spiders.market_hours import market_of
from storage.queries import latest

__all__ = ["market_section", "watch_section"]


def market_section(session: Session, config: AppConfig, week: ReportWeek, runs: WeekRuns) -> MarketSection:
    """Each configured index's daily moves, the week's largest rise and fall, each board's top movers."""
    section = quotes_config(config)
    holidays = holidays_by_market(section)
    days = trading_days(week.monday, holidays)
    if not section.indices and not section.boards:
        return MarketSection(days, [], None, None, [], [], NoData("not_configured", "[quotes] indices, boards"))
    closes = daily_closes(session, section.indices, week.monday - timedelta(days=20), week.monday + timedelta(4))
    weeks = [index_week(s, closes[s], days, holidays[market_of(s)]) for s in section.indices]
    weeks = [w for w in weeks if any(p is not None for p in w.daily_pct.values())]
    rises = [MarketMove(w.symbol, w.name, *w.best) for w in weeks if w.best is not None and w.best[1] > 0]
    falls = [MarketMove(w.symbol, w.name, *w.worst) for w in weeks if w.worst is not None and w.worst[1] < 0]
    boards, missing = [], []
    for board in section.boards:
        members, _ = board_members(session, board)
        if not members:
            missing.append(board)
            continue
        rows = latest(session, "quotes", at=week.end - TICK, symbol=members)
        rows = [r for r in rows if r.quote_time >= week.start]  # movers of this week only
        boards.append(board_movers(board, members, rows))
    empty = None
    if not weeks and not any(b.gainers or b.losers for b in boards):
        empty = runs.why_empty([CLOSES_SOURCE, BOARDS_SOURCE])
    return MarketSection(
        days=days,
        indices=weeks,
        largest_rise=max(rises, key=lambda m: m.pct, default=None),
        largest_fall=min(falls, key=lambda m: m.pct, default=None),
        boards=boards,
        boards_missing=missing,
        empty=empty,
    )


def watch_section(session: Session, config: AppConfig, week: ReportWeek, runs: WeekRuns) -> WatchSection:
    """The watch list at the week's end: price, EPS and PE = price / EPS per year, the day's change, rating."""
    section = quotes_config(config)
    years = sorted({year for entry in section.watch for year in entry.eps})
    if not section.watch:
        return WatchSection(years, [], NoData("not_configured", "[[quotes.watch]]"))
    rows = {r.symbol: r for r in latest(session, "quotes", at=week.end - TICK, symbol=section.symbols())}
    lines: list[WatchLine] = []
    for entry in section.watch:
        row = rows.get(entry.symbol)
        # A halted share has no price that day: PE is taken on its last close, as the analysts' report does.
        price = None if row is None else (row.price if row.price is not None else row.prev_close)
        eps = {year: entry.eps.get(year) for year in years}
        lines.append(
            WatchLine(
                symbol=entry.symbol,
                name=entry.name or (row.name if row is not None else entry.symbol),
                price=price,
                quote_time=row.quote_time if row is not None else None,
                stale=row is None or row.quote_time < week.start,
                change_pct=row.change_pct if row is not None else None,
                halted=row is not None and row.status == "halted",
                eps=eps,
                pe={year: pe_ratio(price, value) for year, value in eps.items()},
                rating=entry.rating,
            )
        )
    empty = None if rows else runs.why_empty(runs.of_kind("quotes"))
    return WatchSection(years, lines, empty)
