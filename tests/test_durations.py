"""Human durations: what parse_duration accepts and refuses, and format_duration's round trip."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("500ms", timedelta(milliseconds=500)),
        ("1w", timedelta(weeks=1)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_parse_duration_reads_human_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "5", "1x", "0s", "0h0m", "h", "-5m", "5 minutes", "1h30"])
def test_parse_duration_refuses_what_is_not_a_positive_duration(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(seconds=2), "2s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(hours=6), "6h"),
        (timedelta(days=2), "2d"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(milliseconds=500), "500ms"),
    ],
)
def test_format_duration_gives_the_shortest_form_that_parses_back(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("text", ["1500ms", "1.5s", "1m0.5s"])
def test_format_duration_keeps_a_sub_second_remainder(text: str) -> None:
    value = parse_duration(text)
    assert parse_duration(format_duration(value)) == value
