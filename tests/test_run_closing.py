"""Every run ends in a recorded terminal state, also when the database fails at its start or end (issue 16.1)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Route, case_reply
from monitor.scheduler import build_scheduler
from storage.db import session_factory
from storage.models import CrawlRun
from storage.runs import start_run
from tests.crawl_support import AZURE_PATH, azure_config, azure_routes, migrated, runs

pytestmark = pytest.mark.slow


def _url(tmp_path: Path) -> str:
    # a short busy timeout, so a locked database fails in half a second instead of 30
    return f"sqlite:///{tmp_path}/store.db?timeout=0.5"


def _lock(tmp_path: Path) -> sqlite3.Connection:
    """Another process's long write transaction: readers go on (WAL), every writer is refused."""
    holder = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def _wait_for_pid(runner: CrawlRunner) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with runner.sessions() as session:
            if any(r.pid for r in session.query(CrawlRun).filter(CrawlRun.status == "running")):
                return
        time.sleep(0.05)
    raise AssertionError("the crawl never recorded its pid")


def test_a_database_locked_as_the_crawl_ends_leaves_no_run_running(tmp_path: Path) -> None:
    url = _url(tmp_path)
    engine = migrated(url)
    slow = Route(AZURE_PATH, [case_reply("azure_gpu", "gpu_two_pages_page1", delay_s=3)])
    with ReplayServer([slow, *azure_routes()[1:]]) as server:
        runner = CrawlRunner(azure_config(tmp_path, url, server.url), engine)
        results: list[CrawlResult] = []
        crawl = threading.Thread(target=lambda: results.append(runner.run("azure_gpu")))
        crawl.start()
        _wait_for_pid(runner)
        holder = _lock(tmp_path)  # the database goes away while the page is still being served
        crawl.join(90)
    [result] = results
    assert result.status == "failed" and len(runner.closes) == 1, result
    [run] = runs(engine)
    assert run.status == "running"  # nothing could be written yet
    holder.execute("ROLLBACK")
    holder.close()
    runner.housekeeping()
    [run] = runs(engine)
    assert run.status == "failed" and run.finished_at is not None, run.error
    assert run.error and ("locked" in run.error or "database" in run.error), run.error
    assert len(runner.closes) == 0


def test_a_run_whose_start_cannot_be_recorded_is_inserted_failed_when_the_database_returns(tmp_path: Path) -> None:
    url = _url(tmp_path)
    engine = migrated(url)
    runner = CrawlRunner(azure_config(tmp_path, url, "http://127.0.0.1:9"), engine)
    holder = _lock(tmp_path)
    result = runner.run("azure_gpu")
    assert (result.status, result.run_id) == ("failed", None)
    assert "cannot record the run" in (result.error or "")
    holder.execute("ROLLBACK")
    holder.close()
    runner.housekeeping()
    [run] = runs(engine)
    assert (run.source, run.status) == ("azure_gpu", "failed")
    assert "cannot record the run" in (run.error or "")


def test_a_crawl_process_that_cannot_start_is_a_failed_run_not_a_running_one(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = migrated(sqlite_url)
    runner = CrawlRunner(azure_config(tmp_path, sqlite_url, "http://127.0.0.1:9"), engine)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))  # Popen raises, as on EMFILE
    result = runner.run("azure_gpu")
    assert result.status == "failed"
    [run] = runs(engine)
    assert (run.status, run.pid) == ("failed", None)
    assert "cannot start the crawl process" in (run.error or ""), run.error


def test_housekeeping_reaps_a_run_left_running_by_a_dead_process_while_the_daemon_runs(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with session_factory(engine).begin() as session:
        start_run(session, "azure_gpu", "schedule", datetime.now(UTC), gone.pid)
    runner = CrawlRunner(azure_config(tmp_path, sqlite_url, "http://127.0.0.1:9"), engine)
    runner.housekeeping()
    [run] = runs(engine)
    assert run.status == "aborted"


def test_the_daemon_schedules_housekeeping(tmp_path: Path, sqlite_url: str) -> None:
    runner = CrawlRunner(azure_config(tmp_path, sqlite_url, "http://127.0.0.1:9"), migrated(sqlite_url))
    scheduler = build_scheduler(runner.config, runner)
    assert "housekeeping" in {job.id for job in scheduler.get_jobs()}
