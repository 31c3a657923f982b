"""`poll_due` at fixed times: sessions, lunch breaks, weekends, holidays and the snapshot window after the close."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.symbols import SymbolError
from spiders.market_hours import poll_due

SH = ZoneInfo("Asia/Shanghai")
HK = ZoneInfo("Asia/Hong_Kong")
NY = ZoneInfo("America/New_York")
WATCH = ["002230.SZ", "603918.SH", "000300.SH"]
# 2026 SSE closures around May Day (stocks.md §9); 2026-07-03 is the observed US Independence Day.
HOLIDAYS = {"CN": {date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5)}, "US": {date(2026, 7, 3)}}


@pytest.mark.parametrize(
    ("symbols", "at", "due"),
    [
        (WATCH, datetime(2026, 4, 24, 9, 29, tzinfo=SH), False),  # Friday, before the open
        (WATCH, datetime(2026, 4, 24, 9, 30, tzinfo=SH), True),
        (WATCH, datetime(2026, 4, 24, 11, 29, tzinfo=SH), True),
        (WATCH, datetime(2026, 4, 24, 11, 40, tzinfo=SH), False),  # lunch break: no snapshot after the morning
        (WATCH, datetime(2026, 4, 24, 12, 30, tzinfo=SH), False),
        (WATCH, datetime(2026, 4, 24, 13, 0, tzinfo=SH), True),
        (WATCH, datetime(2026, 4, 24, 15, 0, tzinfo=SH), True),  # the close itself starts the snapshot window
        (WATCH, datetime(2026, 4, 24, 15, 10, tzinfo=SH), True),  # one snapshot after the close
        (WATCH, datetime(2026, 4, 24, 7, 10, tzinfo=UTC), True),  # the same moment in UTC
        (WATCH, datetime(2026, 4, 24, 15, 20, tzinfo=SH), False),  # the window is half-open: 20 min
        (WATCH, datetime(2026, 4, 24, 20, 0, tzinfo=SH), False),
        (WATCH, datetime(2026, 4, 25, 10, 0, tzinfo=SH), False),  # Saturday
        (WATCH, datetime(2026, 4, 25, 15, 10, tzinfo=SH), False),  # no snapshot after a Saturday "close"
        (WATCH, datetime(2026, 5, 4, 10, 0, tzinfo=SH), False),  # Monday, a May Day holiday
        (WATCH, datetime(2026, 5, 4, 15, 10, tzinfo=SH), False),
        (WATCH, datetime(2026, 5, 6, 10, 0, tzinfo=SH), True),  # trading again
        (["0700.HK"], datetime(2026, 8, 7, 12, 30, tzinfo=HK), False),  # HK lunch
        (["0700.HK"], datetime(2026, 8, 7, 16, 8, 23, tzinfo=HK), True),  # HK closing auction, after the bell
        (["NVDA"], datetime(2026, 7, 15, 13, 30, tzinfo=UTC), True),  # 09:30 EDT
        (["NVDA"], datetime(2026, 7, 15, 20, 10, tzinfo=UTC), True),  # 16:10 EDT, after the close
        (["NVDA"], datetime(2026, 7, 15, 20, 20, tzinfo=UTC), False),
        (["NVDA"], datetime(2026, 1, 14, 14, 29, tzinfo=UTC), False),  # 09:29 EST
        (["NVDA"], datetime(2026, 7, 3, 11, 0, tzinfo=NY), False),  # US holiday
        ([*WATCH, "NVDA"], datetime(2026, 7, 15, 14, 0, tzinfo=UTC), True),  # 22:00 in Shanghai, US open
        ([*WATCH, "NVDA"], datetime(2026, 7, 15, 6, 0, tzinfo=UTC), True),  # 14:00 in Shanghai, US closed
        ([], datetime(2026, 4, 24, 10, 0, tzinfo=SH), False),
    ],
)
def test_poll_due_at_fixed_times(symbols: list[str], at: datetime, due: bool) -> None:
    assert poll_due(symbols, at, HOLIDAYS) is due


def test_a_holiday_counts_only_for_its_own_market() -> None:
    at = datetime(2026, 5, 4, 10, 0, tzinfo=HK)  # Monday: Shanghai closed for May Day, Hong Kong open
    assert poll_due(["002230.SZ"], at, HOLIDAYS) is False
    assert poll_due(["002230.SZ", "0700.HK"], at, HOLIDAYS) is True
    assert poll_due(["002230.SZ"], at, {}) is False  # the exchange calendar knows May Day


def test_after_close_sets_the_snapshot_window() -> None:
    at = datetime(2026, 4, 24, 15, 30, tzinfo=SH)
    assert poll_due(WATCH, at, {}) is False
    assert poll_due(WATCH, at, {}, after_close=timedelta(minutes=45)) is True
    assert poll_due(WATCH, at, {}, after_close=timedelta(0)) is False


def test_a_long_window_reaches_back_to_the_previous_local_day() -> None:
    # 01:00 Shanghai on Saturday is 10 h after Friday's close.
    at = datetime(2026, 4, 25, 1, 0, tzinfo=SH)
    assert poll_due(WATCH, at, {}, after_close=timedelta(hours=11)) is True
    assert poll_due(WATCH, at, {}, after_close=timedelta(hours=9)) is False


def test_a_naive_time_or_a_bad_symbol_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        poll_due(WATCH, datetime(2026, 4, 24, 10, 0), {})  # noqa: DTZ001 - the point of the test
    with pytest.raises(SymbolError):
        poll_due(["603918.SS"], datetime(2026, 4, 24, 10, 0, tzinfo=SH), {})
