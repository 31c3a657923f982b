"""Every `show` command has `--json`, and every time in it (and in the other `--json` outputs) is written one way:
UTC, ISO 8601, `2026-11-26T08:00:00Z`."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.json_output import TIME_PATTERN, json_text
from monitor.cli import build_parser
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from tests.report_store import store_two_weeks
from tests.test_report_build import CONFIG

#: anything that looks like a time of day after a date, whatever the separator or zone
LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
#: extra arguments so each command reaches the stored (November 2026) data
REACH_THE_STORE = {"funding": ["--since", "100000d"]}


def _show_commands() -> dict[str, argparse.ArgumentParser]:
    show = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction) and "show" in a.choices
    ).choices["show"]
    return dict(next(a for a in show._actions if isinstance(a, argparse._SubParsersAction)).choices)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    engine = create_db_engine(sqlite_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        store_two_weeks(session)
        session.commit()
        yield session
    engine.dispose()


@pytest.mark.parametrize("what", sorted(_show_commands()))
def test_every_show_command_prints_json_with_utc_iso_times(
    what: str, session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["show", what, "--json", *REACH_THE_STORE.get(what, [])])
    assert args.show(args, CONFIG, session) == 0
    data = json.loads(capsys.readouterr().out)
    assert data, f"show {what} --json printed nothing"
    times = [s for s in _strings(data) if LOOKS_LIKE_A_TIME.search(s)]
    assert all(TIME_PATTERN.fullmatch(t) for t in times), f"show {what}: {times[:5]}"
    if what != "traffic":  # traffic has periods (dates) only
        assert times, f"show {what} --json has a time to check"


def test_the_json_form_rewrites_every_time_to_utc_iso() -> None:
    shanghai = timezone(timedelta(hours=8))
    data = {
        "aware": datetime(2026, 11, 26, 15, 0, 30, 123456, tzinfo=shanghai),
        "text": "2026-11-26 07:00:30.5+00:00",
        datetime(2026, 11, 26, tzinfo=UTC): [Decimal("1.10"), {datetime(2026, 1, 1, 8, tzinfo=shanghai)}],
        "day": datetime(2026, 11, 26, tzinfo=UTC).date(),
        "words": "not 2026 a time",
    }
    assert json.loads(json_text(data)) == {
        "aware": "2026-11-26T07:00:30Z",
        "text": "2026-11-26T07:00:30Z",
        "2026-11-26T00:00:00Z": ["1.10", ["2026-01-01T00:00:00Z"]],
        "day": "2026-11-26",
        "words": "not 2026 a time",
    }
