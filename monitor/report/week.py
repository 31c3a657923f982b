"""Which week a report covers: Monday 00:00 to the next Monday 00:00 in the report's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.report.model import ReportWeek

__all__ = ["TICK", "ReportError", "parse_week", "report_week"]

#: the smallest step of a datetime: `week.end - TICK` is the last instant of the week
TICK = timedelta(microseconds=1)


class ReportError(ValueError):
    """A report cannot be made as asked (unknown week, unknown language …); the message says why."""


def parse_week(text: str) -> date:
    """`2024-07-15` (any day of the week) as a date; ReportError otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"week {text!r} is not a date like 2024-07-15 (any day of the week)") from None


def report_week(day: date | None, zone: ZoneInfo, now: datetime) -> ReportWeek:
    """The week containing `day`; None: the last complete week before `now`. A week not yet begun is an error."""
    today = now.astimezone(zone).date()
    if day is None:
        day = today - timedelta(days=7)
    monday = day - timedelta(days=day.weekday())
    if monday > today:
        raise ReportError(f"the week of {monday} has not begun yet (today is {today} in {zone.key})")
    start = datetime.combine(monday, time(), zone)
    end = datetime.combine(monday + timedelta(days=7), time(), zone)
    return ReportWeek(monday=monday, zone=zone, start=start, end=end, partial=now < end)
