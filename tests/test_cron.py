"""Crontab expressions mean what crontab means: 1-5 is Monday to Friday, 0 and 7 are Sunday."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.cron import crontab_trigger, day_of_week_field

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("field", "expected"),
    [("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"), ("1", "mon"), ("*", "*"), ("0-7", "*"),
     ("*/2", "sun,tue,thu,sat"), ("1,3,5", "mon,wed,fri"), ("6-7", "sun,sat"), ("mon-fri", "mon-fri")],
)  # fmt: skip
def test_day_of_week_numbers_are_crontab_numbers(field: str, expected: str) -> None:
    assert day_of_week_field(field) == expected


@pytest.mark.parametrize("field", ["8", "5-2", "1-/2", "1-5/0"])
def test_a_day_of_week_out_of_range_is_an_error(field: str) -> None:
    with pytest.raises(ValueError, match="day of week"):
        day_of_week_field(field)


def test_monday_at_eight_fires_on_monday() -> None:
    trigger = crontab_trigger("0 8 * * 1", timezone="Asia/Shanghai")
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 0, 0, tzinfo=SH))
    assert fire == datetime(2026, 11, 23, 8, 0, tzinfo=SH)


def test_weekdays_include_monday_and_exclude_saturday() -> None:
    trigger = crontab_trigger("20 15 * * 1-5", timezone="Asia/Shanghai")
    friday = trigger.get_next_fire_time(None, datetime(2026, 11, 27, 16, 0, tzinfo=SH))
    assert friday == datetime(2026, 11, 30, 15, 20, tzinfo=SH)  # Friday evening -> Monday, not Saturday


def test_an_expression_without_five_fields_is_an_error() -> None:
    with pytest.raises(ValueError, match="has 6 fields"):
        crontab_trigger("0 0 8 * * 1")
