"""A month SimilarWeb releases again with other numbers: one period, a second revision (parser + storage)."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from spiders.items import TrafficSnapshot
from spiders.parsers.contract import Request
from spiders.parsers.similarweb_traffic import parse
from storage.db import session_factory
from storage.models import TrafficSnapshot as StoredSnapshot
from storage.queries import latest
from storage.types import canonical_decimal
from storage.writes import WriteStats, write_traffic_snapshots
from tests.crawl_support import migrated
from tests.fixture_cases import load_case

SOURCE = "similarweb_traffic"
URL = "https://data.similarweb.com/api/v1/data?domain=wrtn.ai"


@pytest.fixture
def sessions(db_url: str) -> sessionmaker[Session]:
    return session_factory(migrated(db_url))


def release(case: str) -> list[TrafficSnapshot]:
    """The snapshots of one recorded release, through the parser."""
    recorded = load_case(SOURCE, case)
    items = parse(recorded.response_text.encode(), url=recorded.url, fetched_at=recorded.fetched_at, request=Request())
    return [item for item in items.items if isinstance(item, TrafficSnapshot)]


def _release(data: object, fetched_at: datetime) -> list[TrafficSnapshot]:
    """The snapshots of a release built in the test, through the parser."""
    items = parse(json.dumps(data).encode(), url=URL, fetched_at=fetched_at, request=Request()).items
    return [item for item in items if isinstance(item, TrafficSnapshot)]


def store(sessions: sessionmaker[Session], snapshots: list[TrafficSnapshot]) -> WriteStats:
    with sessions.begin() as session:
        return write_traffic_snapshots(session, [asdict(s) for s in snapshots])


def periods(sessions: sessionmaker[Session]) -> list[tuple[date, int, int | None]]:
    with sessions() as session:
        rows = session.scalars(select(StoredSnapshot).order_by(StoredSnapshot.period_start, StoredSnapshot.revision))
        return [(r.period_start, r.revision, r.visits) for r in rows]


def test_two_releases_of_the_same_month_are_one_period_with_two_revisions(sessions: sessionmaker[Session]) -> None:
    first = store(sessions, release("wrtn_ai_2024_09"))
    second = store(sessions, release("wrtn_ai_2024_09_revised"))
    assert (first.stored, first.unchanged) == (3, 0)
    assert (second.stored, second.unchanged) == (1, 2)  # only September changed
    assert periods(sessions) == [
        (date(2024, 7, 1), 1, 2921594),
        (date(2024, 8, 1), 1, 2511112),
        (date(2024, 9, 1), 1, 3254665),
        (date(2024, 9, 1), 2, 3301802),
    ]
    with sessions() as session:
        (newest,) = latest(session, "traffic", source=SOURCE, domain="wrtn.ai", granularity="month")
        assert (newest.period_start, newest.revision, newest.visits) == (date(2024, 9, 1), 2, 3301802)
        assert newest.avg_visit_duration_s == Decimal("331.80412")
        assert newest.observed_at == datetime(2024, 10, 25, tzinfo=UTC)


def test_the_same_release_fetched_again_adds_no_revision(sessions: sessionmaker[Session]) -> None:
    store(sessions, release("wrtn_ai_2024_09"))
    again = store(sessions, release("wrtn_ai_2024_09"))
    assert (again.stored, again.unchanged) == (0, 3)
    assert [revision for _, revision, _ in periods(sessions)] == [1, 1, 1]


def _next_month_release() -> dict[str, Any]:
    """wrtn.ai as it would read a month later: October is the data month, September is history."""
    data: dict[str, Any] = copy.deepcopy(load_case(SOURCE, "wrtn_ai_2024_09").response_json())
    data["Engagments"].update({"Month": "10", "Visits": "3400000", "TimeOnSite": "330.1"})
    data["EstimatedMonthlyVisits"] = {"2024-08-01": 2511112, "2024-09-01": 3254665, "2024-10-01": 3400000}
    data["SnapshotDate"] = "2024-10-01T00:00:00+00:00"
    return data


def test_a_month_seen_again_as_history_keeps_its_numbers_in_the_latest_revision(
    sessions: sessionmaker[Session],
) -> None:
    store(sessions, release("wrtn_ai_2024_09"))
    later = _release(_next_month_release(), datetime(2024, 11, 12, tzinfo=UTC))
    store(sessions, later)
    september = [row for row in periods(sessions) if row[0] == date(2024, 9, 1)]
    assert [visits for _, _, visits in september] == [3254665] * len(september)
    with sessions() as session:
        rows = session.scalars(select(StoredSnapshot).where(StoredSnapshot.period_start == date(2024, 9, 1)))
        # stored to 10 decimal places (storage.types.canonical_decimal)
        assert any(r.avg_visit_duration_s == canonical_decimal("324.233034230767") for r in rows)


def test_a_month_seen_again_as_history_with_the_same_visits_is_not_a_revision(
    sessions: sessionmaker[Session],
) -> None:
    store(sessions, release("wrtn_ai_2024_09"))
    later = _release(_next_month_release(), datetime(2024, 11, 12, tzinfo=UTC))
    stats = store(sessions, later)
    assert (stats.stored, stats.unchanged) == (1, 2)  # only October is new
    assert [(p.isoformat(), rev) for p, rev, _ in periods(sessions)] == [
        ("2024-07-01", 1), ("2024-08-01", 1), ("2024-09-01", 1), ("2024-10-01", 1),
    ]  # fmt: skip
