"""Crontab expressions as APScheduler triggers, with crontab's day-of-week numbers (0 or 7 = Sunday, 1 = Monday).

APScheduler 3's `CronTrigger.from_crontab` passes the fifth field through unchanged, and APScheduler numbers days
from Monday = 0: `1-5` would silently mean Tuesday to Saturday. Every cron in aipulse goes through here instead.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

__all__ = ["crontab_trigger", "day_of_week_field"]

#: crontab day numbers (0 and 7 are Sunday) as APScheduler names
_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_PART = re.compile(r"(\*|\d+(?:-\d+)?)(?:/(\d+))?")


def day_of_week_field(field: str) -> str:
    """Crontab's day-of-week field in APScheduler's terms; names (`mon-fri`) pass through unchanged."""
    if re.search(r"[a-zA-Z]", field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        match = _PART.fullmatch(part)
        if match is None:
            raise ValueError(f"day of week {part!r} is not a crontab day (0-7, a range like 1-5, a step like */2)")
        span, step = match.group(1), int(match.group(2) or 1)
        first, last = (0, 7) if span == "*" else (int(span.split("-")[0]), int(span.split("-")[-1]))
        if not (0 <= first <= last <= 7) or step < 1:
            raise ValueError(f"day of week {part!r} is out of range (0-7, 0 and 7 = Sunday)")
        days.update(day % 7 for day in range(first, last + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(_NAMES[day] for day in sorted(days))


def crontab_trigger(expression: str, timezone: str | tzinfo | None = None) -> CronTrigger:
    """A trigger for a five-field crontab expression (minute hour day month day-of-week); ValueError if invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} has {len(fields)} fields; a crontab has 5 (minute hour day month weekday)")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week_field(weekday), timezone=timezone
    )
