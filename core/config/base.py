"""What every config section model shares: strict frozen models, durations as text, zone and cron checks."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.cron import crontab_trigger
from core.strict import Duration, Strict

__all__ = ["Duration", "Strict", "check_cron", "check_timezone"]


def check_timezone(value: str) -> str:
    """Field validator: `value` must be an IANA time-zone name."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Shanghai' or 'UTC')") from None
    return value


def check_cron(value: str | None) -> str | None:
    """Field validator: `value` (when given) must be a five-field crontab expression."""
    if value is not None:
        try:
            crontab_trigger(value)
        except ValueError as exc:
            raise ValueError(f"cron {value!r} is not a crontab expression: {exc}") from None
    return value
