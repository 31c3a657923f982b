"""Trading sessions at fixed times: open, lunch break, close, weekend, holidays, DST, next close and next open."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.symbols import parse_symbol
from spiders.market_hours import (
    is_open,
    is_trading_day,
    market_of,
    next_close_after,
    next_open_at,
    quote_status,
    sessions_on,
)

SH = ZoneInfo("Asia/Shanghai")
HK = ZoneInfo("Asia/Hong_Kong")
NY = ZoneInfo("America/New_York")
# 2026 SSE closures around May Day (stocks.md §9: May 1-5, incl. the weekend).
MAY_DAY = frozenset({date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5)})


@pytest.mark.parametrize(
    ("market", "at", "expected"),
    [
        ("CN", datetime(2026, 4, 24, 9, 29, 59, tzinfo=SH), False),  # Friday, before the open (call auction)
        ("CN", datetime(2026, 4, 24, 9, 30, tzinfo=SH), True),
        ("CN", datetime(2026, 4, 24, 11, 29, 59, tzinfo=SH), True),
        ("CN", datetime(2026, 4, 24, 11, 30, tzinfo=SH), False),  # lunch break
        ("CN", datetime(2026, 4, 24, 12, 15, tzinfo=SH), False),
        ("CN", datetime(2026, 4, 24, 13, 0, tzinfo=SH), True),
        ("CN", datetime(2026, 4, 24, 14, 58, tzinfo=SH), True),  # closing call auction still counts
        ("CN", datetime(2026, 4, 24, 15, 0, tzinfo=SH), False),
        ("CN", datetime(2026, 4, 24, 2, 0, tzinfo=UTC), True),  # 10:00 in Shanghai
        ("CN", datetime(2026, 4, 25, 10, 0, tzinfo=SH), False),  # Saturday
        ("CN", datetime(2026, 4, 26, 10, 0, tzinfo=SH), False),  # Sunday
        ("HK", datetime(2026, 8, 7, 11, 45, tzinfo=HK), True),  # HK trades through the A-share lunch
        ("HK", datetime(2026, 8, 7, 12, 0, tzinfo=HK), False),
        ("HK", datetime(2026, 8, 7, 15, 59, tzinfo=HK), True),
        ("HK", datetime(2026, 8, 7, 16, 8, 23, tzinfo=HK), False),  # the Tencent capture's time: after the close
        ("US", datetime(2026, 7, 15, 13, 30, tzinfo=UTC), True),  # 09:30 EDT (summer)
        ("US", datetime(2026, 1, 14, 14, 29, tzinfo=UTC), False),  # 09:29 EST (winter)
        ("US", datetime(2026, 1, 14, 14, 30, tzinfo=UTC), True),
        ("US", datetime(2026, 1, 14, 21, 0, tzinfo=UTC), False),  # 16:00 EST
        ("US", datetime(2026, 1, 14, 12, 0, tzinfo=NY), True),  # no lunch break
    ],
)
def test_is_open_at_fixed_times(market: str, at: datetime, expected: bool) -> None:
    assert is_open(market, at) is expected


def test_an_exchange_holiday_is_closed_without_being_listed() -> None:
    at = datetime(2026, 5, 1, 10, 0, tzinfo=SH)  # a Friday: May Day, from the XSHG calendar
    assert is_open("CN", at) is False
    assert is_open("CN", at, MAY_DAY) is False
    assert is_trading_day("CN", date(2026, 5, 6), MAY_DAY) is True
    assert sessions_on("CN", date(2026, 5, 4)) == []


def test_a_configured_holiday_closes_a_day_the_calendar_trades() -> None:
    extra = frozenset({date(2026, 4, 24)})
    assert is_trading_day("CN", date(2026, 4, 24)) is True
    assert is_trading_day("CN", date(2026, 4, 24), extra) is False


def test_a_weekend_make_up_workday_is_never_a_trading_day() -> None:
    assert is_trading_day("CN", date(2026, 2, 14)) is False  # a Saturday, even if offices work
    assert sessions_on("CN", date(2026, 4, 24)) == [
        (datetime(2026, 4, 24, 9, 30, tzinfo=SH), datetime(2026, 4, 24, 11, 30, tzinfo=SH)),
        (datetime(2026, 4, 24, 13, 0, tzinfo=SH), datetime(2026, 4, 24, 15, 0, tzinfo=SH)),
    ]


@pytest.mark.parametrize(
    ("market", "at", "holidays", "expected"),
    [
        ("CN", datetime(2026, 4, 24, 10, 0, tzinfo=SH), (), datetime(2026, 4, 24, 15, 0, tzinfo=SH)),
        ("CN", datetime(2026, 4, 24, 12, 0, tzinfo=SH), (), datetime(2026, 4, 24, 15, 0, tzinfo=SH)),  # lunch
        ("CN", datetime(2026, 4, 24, 15, 0, tzinfo=SH), (), datetime(2026, 4, 27, 15, 0, tzinfo=SH)),  # -> Monday
        ("CN", datetime(2026, 4, 25, 8, 0, tzinfo=SH), (), datetime(2026, 4, 27, 15, 0, tzinfo=SH)),  # weekend
        ("CN", datetime(2026, 4, 30, 16, 0, tzinfo=SH), MAY_DAY, datetime(2026, 5, 6, 15, 0, tzinfo=SH)),
        ("HK", datetime(2026, 8, 7, 16, 8, tzinfo=HK), (), datetime(2026, 8, 10, 16, 0, tzinfo=HK)),
        ("US", datetime(2026, 7, 15, 12, 0, tzinfo=UTC), (), datetime(2026, 7, 15, 16, 0, tzinfo=NY)),
    ],
)
def test_next_close_after(market: str, at: datetime, holidays: tuple[date, ...], expected: datetime) -> None:
    found = next_close_after(market, at, frozenset(holidays))
    assert found == expected
    assert found.tzinfo is not None


def test_next_open_is_now_while_open_else_the_next_session_start() -> None:
    open_now = datetime(2026, 4, 24, 10, 0, tzinfo=SH)
    assert next_open_at("CN", open_now) == open_now
    assert next_open_at("CN", datetime(2026, 4, 24, 12, 0, tzinfo=SH)) == datetime(2026, 4, 24, 13, 0, tzinfo=SH)
    assert next_open_at("CN", datetime(2026, 4, 30, 15, 30, tzinfo=SH), MAY_DAY) == datetime(
        2026, 5, 6, 9, 30, tzinfo=SH
    )


def test_a_year_of_holidays_is_an_error_not_an_endless_search() -> None:
    every_day = frozenset(date.fromordinal(date(2026, 1, 1).toordinal() + n) for n in range(366))
    with pytest.raises(ValueError, match="no trading day"):
        next_close_after("CN", datetime(2026, 1, 1, tzinfo=SH), every_day)


@pytest.mark.parametrize(("symbol", "market"), [("002230.SZ", "CN"), ("000300.SH", "CN"), ("830799.BJ", "CN"),
                                                ("932000.CSI", "CN"), ("0700.HK", "HK"), ("NVDA", "US")])  # fmt: skip
def test_market_of_a_symbol(symbol: str, market: str) -> None:
    assert market_of(symbol) == market
    assert market_of(parse_symbol(symbol)) == market


def test_naive_times_and_unknown_markets_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open("CN", datetime(2026, 4, 24, 10, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="unknown market"):
        is_open("JP", datetime(2026, 4, 24, 10, 0, tzinfo=UTC))


def test_quote_status_halted_trading_or_closed() -> None:
    symbol = parse_symbol("002230.SZ")
    quoted = datetime(2026, 4, 24, 10, 21, tzinfo=SH)
    assert quote_status(symbol, False, quoted, quoted) == "halted"
    assert quote_status(symbol, True, quoted, quoted) == "trading"
    assert quote_status(symbol, True, quoted, datetime(2026, 4, 24, 15, 30, tzinfo=SH)) == "closed"
    # A holiday weekday in session hours: the source still serves the last day's quote.
    assert quote_status(symbol, True, quoted, datetime(2026, 5, 1, 10, 0, tzinfo=SH)) == "closed"
