"""What every config section model shares: strict frozen models, durations as text, zone and cron checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict

from core.cron import crontab_trigger
from core.durations import parse_duration

__all__ = ["Duration", "Strict", "check_cron", "check_timezone"]


class Strict(BaseModel):
    """A config model: unknown keys are errors (a typo fails at start), values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("write durations as text like '30s', '15m', '1h30m' or '2d'")
    return parse_duration(value)


#: a duration written as text ("30s", "15m", "1h30m", "2d") in aipulse.toml
Duration = Annotated[timedelta, BeforeValidator(_duration)]


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
