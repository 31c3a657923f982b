"""A job retried after its worker died runs its slot again only when the slot has no outcome yet.

A worker SIGKILLed after its crawl closed the run (`succeeded`) but before the job was marked done leaves a job
`doing` under a worker that no longer beats. Its slot ran: the worker that retries the job must not run it twice.
A slot whose run was aborted (the crawl died with its worker) does run again. Each case: the dead worker's footprint
in the database, then a real `aipulse worker` process that reaps and retries the job.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from procrastinate import sql
from sqlalchemy import Engine

from core.config import load_config
from monitor.cluster_queue import conninfo, ensure_queue_schema
from monitor.cluster_scheduler import ClusterScheduler
from monitor.replay import ReplayServer
from storage.db import session_factory
from storage.models import CrawlRun
from storage.runs import finish_run, start_run
from tests.conftest import PostgresCluster
from tests.crawl_support import AZURE_PATH, azure_routes, migrated, runs, write_config
from tests.test_cluster import open_jobs, start, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

#: the slot the dead worker took (a minute ago: it is due)
SLOT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
DEAD_WORKER = ("dead-host", 4242, "")


@dataclass
class Retried:
    runs: list[CrawlRun]
    log: str


def take_and_die(url: str, job_id: int) -> None:
    """What a worker SIGKILLed in the middle of a job leaves: the job `doing` under a worker that stopped beating."""
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        row = connection.execute(sql.queries["register_worker"]).fetchone()
        assert row is not None
        worker_id = row[0]
        taken = connection.execute(sql.queries["fetch_job"], {"queues": None, "worker_id": worker_id}).fetchone()
        assert taken is not None and taken[0] == job_id
        connection.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' WHERE id = %s", (worker_id,)
        )


def dead_workers_run(engine: Engine, status: str) -> None:
    """The dead worker's run of SLOT, closed with `status` (by its crawl, or by a reaper)."""
    with session_factory(engine).begin() as session:
        run = start_run(session, "azure_gpu", "schedule", SLOT, 4243, scheduled_for=SLOT, worker=DEAD_WORKER)
        finish_run(session, run.id, status=status, finished_at=SLOT + timedelta(seconds=3))


def retried(postgres: PostgresCluster, tmp_path: Path, dead_run_status: str) -> Iterator[Retried]:
    url = postgres.new_database()
    engine = migrated(url)
    ensure_queue_schema(url)
    with ReplayServer(azure_routes()) as server:
        section = {"every": "1h", "endpoint": server.url + AZURE_PATH}
        config = write_config(tmp_path, url, {"azure_gpu": section}, daemon={"misfire_grace": "1h"})
        scheduler = ClusterScheduler(load_config(config), session_factory(engine), url)
        job_id = scheduler.defer("azure_gpu", SLOT)
        assert job_id is not None
        take_and_die(url, job_id)
        dead_workers_run(engine, dead_run_status)
        worker = start(config, tmp_path / "worker.log", "worker", "--concurrency", "1")
        try:
            wait_for(lambda: open_jobs(url) == 0, 120, "the retried job to end")
            wait_for(lambda: all(r.status != "running" for r in runs(engine)), 60, "its run (if any) to close")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    yield Retried(runs(engine), (tmp_path / "worker.log").read_text(errors="replace"))


@pytest.fixture
def after_success(postgres: PostgresCluster, tmp_path: Path) -> Iterator[Retried]:
    yield from retried(postgres, tmp_path, "succeeded")


@pytest.fixture
def after_abort(postgres: PostgresCluster, tmp_path: Path) -> Iterator[Retried]:
    yield from retried(postgres, tmp_path, "aborted")


def test_a_retried_job_whose_slot_succeeded_does_not_run_it_again(after_success: Retried) -> None:
    assert [(r.status, r.worker_host) for r in after_success.runs] == [("succeeded", "dead-host")], after_success.log
    assert "queued again the job(s) of worker(s) that stopped beating" in after_success.log
    assert "ran already" in after_success.log


def test_a_retried_job_whose_run_was_aborted_runs_its_slot_again(after_abort: Retried) -> None:
    statuses = [(r.status, r.worker_host == "dead-host", r.scheduled_for) for r in after_abort.runs]

    assert statuses == [("aborted", True, SLOT), ("succeeded", False, SLOT)], after_abort.log
