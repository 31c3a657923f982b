"""The trading calendar of `show market` and the report: Mondays, trading days, the latest complete week."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

from spiders.market_hours import is_trading_day

__all__ = ["LOOKBACK_DAYS", "latest_complete_week", "monday_of", "previous_trading_day", "trading_days"]

#: how far back a previous trading day is looked for: the Spring Festival closure is ~9 days with weekends
LOOKBACK_DAYS = 20
#: how many weeks back a default week is looked for (a whole-week closure is skipped)
_WEEKS_BACK = 8


def monday_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def previous_trading_day(market: str, day: date, holidays: Collection[date]) -> date:
    """The last trading day of `market` strictly before `day` (weekends and `holidays` skipped)."""
    for back in range(1, LOOKBACK_DAYS + 1):
        candidate = day - timedelta(days=back)
        if is_trading_day(market, candidate, holidays):
            return candidate
    raise ValueError(f"{market} has no trading day in the {LOOKBACK_DAYS} days before {day}")


def trading_days(monday: date, holidays_by_market: Mapping[str, Collection[date]]) -> list[date]:
    """The weekdays of the week that are trading days in at least one of the markets."""
    days = [monday + timedelta(days=i) for i in range(5)]
    return [d for d in days if any(is_trading_day(m, d, h) for m, h in holidays_by_market.items())]


def latest_complete_week(newest: date, holidays_by_market: Mapping[str, Collection[date]]) -> date | None:
    """The Monday of the newest week whose every trading day is on or before `newest` (the newest stored close).

    A week that is still running is skipped, and so is a week without any trading day (a whole-week closure).
    """
    monday = monday_of(newest)
    for _ in range(_WEEKS_BACK):
        days = trading_days(monday, holidays_by_market)
        if days and days[-1] <= newest:
            return monday
        monday -= timedelta(days=7)
    return None
