"""One definition of a source's health: failing, stale, never, disabled or ok, from its runs, schedule and now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.health import STALE_AFTER_INTERVALS, Run, source_health
from storage.models import CrawlRun

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAILY = timedelta(days=1)


def _run(status: str, hours_ago: float, error: str | None = None, took: timedelta = timedelta(minutes=5)) -> Run:
    started = NOW - timedelta(hours=hours_ago)
    return Run(status, started, None if status == "running" else started + took, error)


# (case, runs newest first, schedule interval, enabled, state, failures in a row)
CASES = [
    ("no runs at all", [], DAILY, True, "never", 0),
    ("only a run still going", [_run("running", 1)], DAILY, True, "never", 0),
    ("only a cancelled run", [_run("cancelled", 1)], DAILY, True, "never", 0),
    ("disabled wins over failures", [_run("failed", 1)], DAILY, False, "disabled", 1),
    ("disabled and never ran", [], DAILY, False, "disabled", 0),
    ("last run succeeded", [_run("succeeded", 1), _run("failed", 25)], DAILY, True, "ok", 0),
    ("one failure after a success", [_run("failed", 1), _run("succeeded", 25)], DAILY, True, "failing", 1),
    ("blocked and aborted count as failures", [_run("blocked", 1), _run("aborted", 2), _run("succeeded", 3)],
     DAILY, True, "failing", 2),
    ("cancelled runs are skipped, not failures", [_run("cancelled", 1), _run("succeeded", 2)], DAILY, True, "ok", 0),
    ("a cancelled run does not break a failure streak", [_run("failed", 1), _run("cancelled", 2), _run("failed", 3)],
     DAILY, True, "failing", 2),
    ("a running crawl does not hide the last failure", [_run("running", 0), _run("failed", 1)],
     DAILY, True, "failing", 1),
    ("never succeeded", [_run("failed", 1), _run("failed", 2)], DAILY, True, "failing", 2),
    ("success just within three intervals", [_run("succeeded", 71)], DAILY, True, "ok", 0),
    ("success older than three intervals", [_run("succeeded", 73)], DAILY, True, "stale", 0),
    ("failing outranks stale", [_run("failed", 1), _run("succeeded", 200)], DAILY, True, "failing", 1),
    ("no schedule is never stale", [_run("succeeded", 24 * 365)], None, True, "ok", 0),
    ("a run after now is not seen", [_run("failed", -1), _run("succeeded", 1)], DAILY, True, "ok", 0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("runs", "schedule", "enabled", "state", "failures"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_health_state_and_failures_in_a_row(
    runs: list[Run], schedule: timedelta | None, enabled: bool, state: str, failures: int
) -> None:
    health = source_health(runs, schedule, NOW, enabled=enabled)
    assert (health.state, health.failures_in_row) == (state, failures)


def test_staleness_is_measured_from_the_end_of_the_last_success() -> None:
    # Started just over three intervals ago but finished within them: the data is not stale yet.
    started = NOW - STALE_AFTER_INTERVALS * DAILY - HOUR
    run = Run("succeeded", started, started + 2 * HOUR)
    health = source_health([run], DAILY, NOW)
    assert (health.state, health.last_success_at) == ("ok", started + 2 * HOUR)
    assert health.age(NOW) == STALE_AFTER_INTERVALS * DAILY - HOUR


def test_last_run_is_the_newest_that_counts_with_its_error() -> None:
    failed = _run("failed", 2, error="HTTP 503")
    health = source_health([_run("running", 0), _run("cancelled", 1), failed, _run("succeeded", 3)], DAILY, NOW)
    assert health.last_run == failed
    assert health.last_success_at == NOW - 3 * HOUR + timedelta(minutes=5)


def test_without_a_success_freshness_counts_from_the_oldest_run() -> None:
    health = source_health([_run("failed", 1), _run("failed", 30)], DAILY, NOW)
    assert (health.last_success_at, health.age(NOW)) == (None, timedelta(hours=30))
    assert source_health([], DAILY, NOW).age(NOW) is None


def test_crawl_run_rows_are_accepted_as_they_are() -> None:
    row = CrawlRun(source="azure_gpu", trigger="schedule", status="failed", started_at=NOW - HOUR, error="boom")
    health = source_health([row], DAILY, NOW)
    assert (health.state, health.last_run) == ("failing", row)
