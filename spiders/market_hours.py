"""Trading sessions of the A-share, Hong Kong and US markets: is a market open, when does it next close.

Which days trade comes from `exchange_calendars` (XSHG, XHKG, XNYS: holidays and early closes, kept up to date
by its maintainers); `[quotes] holidays` add closures on top. Past a calendar's last session (it is published
about a year ahead) only weekends and the configured holidays are closures, and a warning says so once.
The session times themselves (continuous trading, lunch breaks) are ours: see MARKETS.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from core.symbols import Symbol, parse_symbol

__all__ = [
    "MARKETS",
    "Market",
    "is_open",
    "is_trading_day",
    "market_of",
    "next_close_after",
    "next_open_at",
    "poll_due",
    "quote_status",
    "sessions_on",
]

logger = logging.getLogger(__name__)

#: how far ahead a search for the next session looks; the longest closure (Spring Festival) is ~9 days
_SEARCH_DAYS = 40
#: the exchange_calendars calendar of each market (SZSE trades on the SSE's days)
CALENDARS = {"CN": "XSHG", "HK": "XHKG", "US": "XNYS"}


@dataclass(frozen=True)
class Market:
    """A market's time zone and its continuous trading sessions (start inclusive, end exclusive, local time)."""

    name: str
    zone: ZoneInfo
    sessions: tuple[tuple[time, time], ...]


# Continuous trading only (stocks.md §9): the A-share closing call auction 14:57-15:00 counts as open,
# the HK closing auction to ~16:10 does not. US half days are not modelled; pass them as holidays if needed.
MARKETS: dict[str, Market] = {
    "CN": Market("CN", ZoneInfo("Asia/Shanghai"), ((time(9, 30), time(11, 30)), (time(13, 0), time(15, 0)))),
    "HK": Market("HK", ZoneInfo("Asia/Hong_Kong"), ((time(9, 30), time(12, 0)), (time(13, 0), time(16, 0)))),
    "US": Market("US", ZoneInfo("America/New_York"), ((time(9, 30), time(16, 0)),)),
}


def _market(name: str) -> Market:
    try:
        return MARKETS[name]
    except KeyError:
        raise ValueError(f"unknown market {name!r} (known: {', '.join(MARKETS)})") from None


def _aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("the time must be timezone-aware")


def market_of(symbol: Symbol | str) -> str:
    """CN, HK or US for a canonical symbol (`002230.SZ` -> CN, `0700.HK` -> HK, `NVDA` -> US)."""
    return (symbol if isinstance(symbol, Symbol) else parse_symbol(symbol)).market


@dataclass(frozen=True)
class _Calendar:
    closures: frozenset[date]
    early_closes: Mapping[date, datetime]
    first: date
    last: date


@cache
def _calendar(market: str) -> _Calendar:
    """The exchange calendar's closed weekdays and early closes (pandas loads here, once, ~1 s)."""
    # exchange_calendars 4.13 on pandas 3.1 warns about pandas' own deprecations it calls: not ours to fix.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import exchange_calendars

        calendar = exchange_calendars.get_calendar(CALENDARS[market])
        sessions = {stamp.date() for stamp in calendar.sessions}
        first, last = calendar.first_session.date(), calendar.last_session.date()
        early = {stamp.date(): calendar.session_close(stamp).to_pydatetime() for stamp in calendar.early_closes}
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    closures = frozenset(d for d in days if d.weekday() < 5 and d not in sessions)
    return _Calendar(closures, early, first, last)


@cache
def _warn_past_calendar(market: str, last: date) -> None:
    logger.warning(
        "the %s calendar (%s) ends %s: later days count weekends and [quotes] holidays only as closures "
        "(upgrade exchange_calendars)", market, CALENDARS[market], last,
    )  # fmt: skip


def is_trading_day(market: str, day: date, holidays: Collection[date] = frozenset(), *, calendar: bool = True) -> bool:
    """Monday to Friday, not an exchange holiday (exchange_calendars) and not one of `holidays`.

    Weekend make-up workdays (调休) are never trading days in China. `calendar=False` skips the exchange
    calendar (where the caller has better evidence, e.g. a quote's own date).
    """
    _market(market)
    if day.weekday() >= 5 or day in holidays:
        return False
    if not calendar:
        return True
    known = _calendar(market)
    if day > known.last:
        _warn_past_calendar(market, known.last)
        return True
    return day not in known.closures


def sessions_on(
    market: str, day: date, holidays: Collection[date] = frozenset(), *, calendar: bool = True
) -> list[tuple[datetime, datetime]]:
    """The sessions of `day` (a local date of the market) as aware (start, end) pairs; none on a closed day.

    On an early-close day (Christmas Eve, the day after Thanksgiving) the sessions end at the exchange's close.
    """
    spec = _market(market)
    if not is_trading_day(market, day, holidays, calendar=calendar):
        return []
    sessions = [
        (datetime.combine(day, start, spec.zone), datetime.combine(day, end, spec.zone)) for start, end in spec.sessions
    ]
    early = _calendar(market).early_closes.get(day) if calendar else None
    if early is not None:
        close = early.astimezone(UTC).astimezone(spec.zone)
        sessions = [(start, min(end, close)) for start, end in sessions if start < close]
    return sessions


def is_open(market: str, at: datetime, holidays: Collection[date] = frozenset(), *, calendar: bool = True) -> bool:
    """True while `at` falls inside a continuous session (lunch breaks, weekends and holidays are closed)."""
    _aware(at)
    local = at.astimezone(_market(market).zone)
    return any(start <= local < end for start, end in sessions_on(market, local.date(), holidays, calendar=calendar))


def next_close_after(market: str, at: datetime, holidays: Collection[date] = frozenset()) -> datetime:
    """The first end of a trading day (its last session's end) strictly after `at`, in the market's zone."""
    _aware(at)
    local = at.astimezone(_market(market).zone)
    for offset in range(_SEARCH_DAYS):
        sessions = sessions_on(market, local.date() + timedelta(days=offset), holidays)
        if sessions and sessions[-1][1] > local:
            return sessions[-1][1]
    raise ValueError(f"{market} has no trading day within {_SEARCH_DAYS} days of {at.isoformat()}")


def next_open_at(market: str, at: datetime, holidays: Collection[date] = frozenset()) -> datetime:
    """`at` itself while the market is open, else the start of the next session, in the market's zone."""
    _aware(at)
    local = at.astimezone(_market(market).zone)
    for offset in range(_SEARCH_DAYS):
        for start, end in sessions_on(market, local.date() + timedelta(days=offset), holidays):
            if start <= local < end:
                return local
            if start > local:
                return start
    raise ValueError(f"{market} has no trading day within {_SEARCH_DAYS} days of {at.isoformat()}")


def quote_status(symbol: Symbol, has_price: bool, quote_time: datetime, fetched_at: datetime) -> str:
    """`halted` without a price; `trading` when fetched in a session with a quote of that day; else `closed`.

    Sources keep serving the last quote after the close and on holidays, so a quote from an earlier day
    fetched during what would be session hours means the market is closed today.
    """
    if not has_price:
        return "halted"
    zone = _market(symbol.market).zone
    same_day = quote_time.astimezone(zone).date() == fetched_at.astimezone(zone).date()
    # The quote's own date tells a holiday apart (no quote of today): parsers never need the calendar (pandas).
    return "trading" if same_day and is_open(symbol.market, fetched_at, calendar=False) else "closed"


def poll_due(
    symbols: Iterable[str],
    at: datetime,
    holidays_by_market: Mapping[str, Collection[date]],
    after_close: timedelta = timedelta(minutes=20),
) -> bool:
    """True when a quote poll is worth making at `at` for any of `symbols`.

    That is while one of their markets is in a continuous session, or within `after_close` after that market's
    close on a trading day: the end-of-day snapshot (stocks.md §9 suggests one after ~15:05 for A-shares; HK's
    closing auction runs to ~16:10). Lunch breaks, weekends and `holidays_by_market` (CN, HK, US -> local dates)
    are not due.
    """
    _aware(at)
    for market in sorted({market_of(symbol) for symbol in symbols}):
        holidays = holidays_by_market.get(market, frozenset())
        if is_open(market, at, holidays):
            return True
        zone = _market(market).zone
        # The close that may be just behind `at` can sit on the previous local day when the window is long.
        for day in {at.astimezone(zone).date(), (at - after_close).astimezone(zone).date()}:
            sessions = sessions_on(market, day, holidays)
            if sessions and sessions[-1][1] <= at < sessions[-1][1] + after_close:
                return True
    return False
