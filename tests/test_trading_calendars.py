"""Trading days from exchange_calendars at fixed dates: Chinese New Year, Golden Week, HK holidays, Thanksgiving."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from spiders import market_hours
from spiders.market_hours import is_open, is_trading_day, sessions_on

NY = ZoneInfo("America/New_York")
HK = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize(
    ("market", "day", "trades"),
    [
        ("CN", date(2026, 2, 13), True),  # the Friday before the Spring Festival closure
        ("CN", date(2026, 2, 16), False),  # 春节 closure (Monday to the next Monday)
        ("CN", date(2026, 2, 20), False),
        ("CN", date(2026, 2, 24), True),
        ("CN", date(2026, 10, 1), False),  # National Day Golden Week
        ("CN", date(2026, 10, 7), False),
        ("CN", date(2026, 10, 8), True),
        ("HK", date(2026, 2, 17), False),  # Lunar New Year
        ("HK", date(2026, 7, 1), False),  # HKSAR Establishment Day
        ("HK", date(2026, 12, 25), False),
        ("HK", date(2026, 7, 2), True),
        ("US", date(2026, 11, 26), False),  # Thanksgiving
        ("US", date(2026, 11, 27), True),  # the day after: an early close
        ("US", date(2026, 7, 3), False),  # Independence Day observed (the 4th is a Saturday)
    ],
)
def test_trading_days_at_fixed_dates(market: str, day: date, trades: bool) -> None:
    assert is_trading_day(market, day) is trades


def test_the_day_after_thanksgiving_closes_at_one() -> None:
    [(start, end)] = sessions_on("US", date(2026, 11, 27))
    assert (start, end) == (datetime(2026, 11, 27, 9, 30, tzinfo=NY), datetime(2026, 11, 27, 13, 0, tzinfo=NY))
    assert is_open("US", datetime(2026, 11, 27, 13, 30, tzinfo=NY)) is False


def test_hong_kong_christmas_eve_has_the_morning_only() -> None:
    assert sessions_on("HK", date(2026, 12, 24)) == [
        (datetime(2026, 12, 24, 9, 30, tzinfo=HK), datetime(2026, 12, 24, 12, 0, tzinfo=HK))
    ]


def test_past_the_calendar_only_weekends_and_configured_holidays_close(caplog: pytest.LogCaptureFixture) -> None:
    market_hours._warn_past_calendar.cache_clear()
    far = date(2031, 3, 4)  # a Tuesday beyond any published calendar
    with caplog.at_level("WARNING", logger="spiders.market_hours"):
        assert is_trading_day("CN", far) is True
        assert is_trading_day("CN", far + timedelta(days=1)) is True
    assert is_trading_day("CN", far, frozenset({far})) is False
    assert caplog.text.count("the CN calendar (XSHG) ends") == 1


def test_calendar_false_skips_the_exchange_calendar() -> None:
    assert is_trading_day("CN", date(2026, 10, 1), calendar=False) is True
