"""Orphaned runs in a cluster: reaped only by their own host, or after their worker missed its heartbeats."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.crawling import CrawlRunner
from storage.cluster import WorkerIdentity, beat
from storage.db import session_factory
from storage.runs import start_run
from tests.crawl_support import azure_config, migrated, runs

EVERY = timedelta(seconds=2)


@pytest.fixture
def engine(sqlite_url: str) -> Engine:
    return migrated(sqlite_url)


@pytest.fixture
def runner(tmp_path: Path, sqlite_url: str, engine: Engine) -> CrawlRunner:
    return CrawlRunner(azure_config(tmp_path, sqlite_url, "http://127.0.0.1:9"), engine)


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """Another process of this host standing for a second worker."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def running_of(engine: Engine, worker: WorkerIdentity, *, heartbeat_at: datetime | None = None) -> None:
    with session_factory(engine).begin() as session:
        start_run(session, "azure_gpu", "schedule", datetime.now(UTC), None,
                  worker=(worker.host, worker.pid, worker.tags_text))  # fmt: skip
        if heartbeat_at is not None:
            beat(session, worker, role="worker", fingerprint="f", now=heartbeat_at, every=EVERY)


def test_a_run_of_another_host_whose_worker_beats_is_left_alone(engine: Engine, runner: CrawlRunner) -> None:
    running_of(engine, WorkerIdentity("far-away", 4242, ("cn",)), heartbeat_at=datetime.now(UTC))

    assert runner.close_orphans() == []
    assert [r.status for r in runs(engine)] == ["running"]


def test_a_run_of_another_host_whose_worker_missed_its_heartbeats_is_aborted(
    engine: Engine, runner: CrawlRunner
) -> None:
    running_of(engine, WorkerIdentity("far-away", 4242), heartbeat_at=datetime.now(UTC) - 6 * EVERY)

    [closed] = runner.close_orphans()

    [run] = runs(engine)
    assert (run.id, run.status) == (closed, "aborted")


def test_a_run_of_another_live_worker_process_on_this_host_is_left_to_it(
    engine: Engine, runner: CrawlRunner, other_process: subprocess.Popen[bytes]
) -> None:
    # no crawl pid recorded yet: the other worker is between starting the run and spawning its crawl
    running_of(engine, WorkerIdentity(runner.worker.host, other_process.pid))

    assert runner.close_orphans() == []
    other_process.kill()
    other_process.wait()
    assert len(runner.close_orphans()) == 1
    assert [r.status for r in runs(engine)] == ["aborted"]


def test_a_run_records_its_worker_and_slot(tmp_path: Path, engine: Engine, sqlite_url: str) -> None:
    who = WorkerIdentity("crawler-7", 99, ("browser", "cn"))
    slot = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    runner = CrawlRunner(azure_config(tmp_path, sqlite_url, "http://127.0.0.1:9"), engine, worker=who)

    runner.run("azure_gpu", "schedule", scheduled_for=slot)

    [run] = runs(engine)
    recorded = (run.worker_host, run.worker_pid, run.worker_tags, run.scheduled_for)
    assert recorded == ("crawler-7", 99, "browser,cn", slot)
