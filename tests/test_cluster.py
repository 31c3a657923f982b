"""A real cluster on a real PostgreSQL: 2 schedulers and 3 workers against the replay server, sources every 4–5 s.

One scenario shares one cluster run (about 70 s): every (source, slot) runs exactly once, one source's runs
never overlap, the runs are spread over the workers; a scheduler killed with SIGKILL changes nothing; a worker
killed mid-crawl has its run closed and the slot run again by another worker; the stored rows equal those of a
single-process run of the same fixtures.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, select

from core.config import load_config
from monitor.cluster_queue import conninfo
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, fixture_routes
from storage.cluster import live_workers
from storage.db import session_factory
from storage.models import ClusterSlot, CrawlRun
from tests.conftest import PostgresCluster
from tests.crawl_support import AZURE_PATH, FIXTURES, count_offers, migrated, runs, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LAMBDA_PATH = "/service/gpu-cloud"
VASTAI_PATH = "/api/v0/bundles/"
SCHEDULERS = ("scheduler-1", "scheduler-2")
#: how long the cluster runs before the schedulers stop
RUN_FOR_S = 65


def routes() -> list[Route]:
    """Azure's two recorded pages, the first held back 2 s (so a worker can be killed mid-crawl); Lambda's page."""
    azure = fixture_routes({"azure_gpu": ["gpu_two_pages_page1", "gpu_two_pages_page2"]})
    slow_first = case_reply("azure_gpu", "gpu_two_pages_page1", delay_s=2.0)
    azure[0].replies = [slow_first]
    page = FIXTURES / "lambda_gpu" / "pricing_table_20241103" / "response.html"
    lambda_page = Reply.file(page, content_type="text/html; charset=utf-8")
    return [*azure, Route(LAMBDA_PATH, [lambda_page]), *fixture_routes({"vastai_gpu": ["marketplace_mixed"]})]


def sources(server_url: str) -> dict[str, dict[str, Any]]:
    return {
        "azure_gpu": {"every": "5s", "endpoint": server_url + AZURE_PATH},
        "lambda_gpu": {"every": "4s", "endpoint": server_url + LAMBDA_PATH},
        "vastai_gpu": {"every": "5s", "endpoint": server_url + VASTAI_PATH},
    }


def start(config: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), *args],
            cwd=config.parent, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out after {timeout_s}s waiting for {what}")


def alive(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return len(live_workers(session, datetime.now(UTC)))


def open_jobs(url: str) -> int:
    with psycopg.connect(conninfo(url)) as connection:
        row = connection.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
        return int(row.fetchone()[0])  # type: ignore[index]


def kill_mid_crawl(server: ReplayServer, in_flight: Callable[[], CrawlRun | None]) -> tuple[CrawlRun, datetime]:
    """SIGKILL the worker of the azure crawl in flight while the server holds its first page back.

    A first-page request the server got after the last look (`since`) is answered 2 s after it came, so not before
    `since + 2 s`: killed by `since + 1.5 s`, the crawl is mid-crawl whatever the load. ("running" alone is not
    enough: a worker killed after its crawl closed the run has its job retried on a slot that has its outcome.)
    """
    deadline = time.monotonic() + 90
    asked, since = first_pages(server), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now_asked = first_pages(server)
        if now_asked > asked:
            victim = in_flight()
            if victim is not None and victim.worker_pid is not None and time.monotonic() - since < 1.5:
                os.kill(victim.worker_pid, signal.SIGKILL)
                return victim, datetime.now(UTC)
        asked, since = now_asked, time.monotonic()
    pytest.fail("no azure crawl of a worker seen waiting for its first page within 90 s")


def first_pages(server: ReplayServer) -> int:
    return sum(seen.path == AZURE_PATH and "$skip" not in seen.query for seen in server.requests)


@dataclass
class ClusterRun:
    engine: Engine
    url: str
    workers: list[int]
    killed_scheduler_at: datetime
    killed_worker: int
    killed_worker_at: datetime
    killed_run: int
    single_process_offers: int
    logs: dict[str, str]


@pytest.fixture(scope="module")
def cluster_run(postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterRun]:
    tmp = tmp_path_factory.mktemp("cluster")
    url = postgres.new_database()
    engine = migrated(url)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with ReplayServer(routes()) as server:
        config = write_config(tmp, url, sources(server.url), daemon={"misfire_grace": "2m", "shutdown_grace": "5s"})
        try:
            for name in SCHEDULERS:
                procs[name] = start(config, tmp / f"{name}.log", "run", "--role", "scheduler")
            for name in ("worker-1", "worker-2", "worker-3"):
                procs[name] = start(config, tmp / f"{name}.log", "worker", "--concurrency", "1")
            # the clock starts once all five beat (starting a Python process takes long on a busy machine)
            wait_for(lambda: alive(engine) == 5, 300, "2 schedulers and 3 workers to start")
            began = time.monotonic()
            wait_for(lambda: any(r.status == "succeeded" for r in runs(engine)), 120, "a first successful run")
            time.sleep(max(0.0, 20 - (time.monotonic() - began)))
            # kill the scheduler that has been winning the slots, so the other one must take over
            deferred = {n: (tmp / f"{n}.log").read_text(errors="replace").count("Deferred") for n in SCHEDULERS}
            active, standby = sorted(SCHEDULERS, key=lambda n: -deferred[n])
            procs[active].send_signal(signal.SIGKILL)
            killed_scheduler_at = datetime.now(UTC)
            workers = {procs[f"worker-{n}"].pid: f"worker-{n}" for n in (1, 2, 3)}

            def azure_in_flight() -> CrawlRun | None:
                running = [r for r in runs(engine) if r.source == "azure_gpu" and r.status == "running"]
                return running[0] if running and running[0].worker_pid in workers else None

            victim, killed_worker_at = kill_mid_crawl(server, azure_in_flight)
            assert victim.worker_pid is not None
            time.sleep(max(0.0, RUN_FOR_S - (time.monotonic() - began)))
            procs[standby].send_signal(signal.SIGTERM)
            procs[standby].wait(30)
            wait_for(lambda: open_jobs(url) == 0, 180, "the queue to drain")
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                proc.wait(30)
        except BaseException:
            for name in procs:
                print(f"--- {name}\n" + (tmp / f"{name}.log").read_text(errors="replace")[-4000:])
            raise
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
        single_url = f"sqlite:///{tmp / 'single.db'}"
        single = migrated(single_url)
        (tmp / "single").mkdir()
        single_config = load_config(write_config(tmp / "single", single_url, sources(server.url)))
        for source in ("azure_gpu", "lambda_gpu", "vastai_gpu"):
            CrawlRunner(single_config, single).run(source)
    logs = {name: (tmp / f"{name}.log").read_text(errors="replace") for name in procs}
    yield ClusterRun(engine, url, list(workers), killed_scheduler_at, victim.worker_pid, killed_worker_at, victim.id,
                     count_offers(single), logs)  # fmt: skip


def slots(engine: Engine) -> list[ClusterSlot]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(ClusterSlot)))


def test_every_slot_ran_exactly_once(cluster_run: ClusterRun) -> None:
    succeeded = Counter((r.source, r.scheduled_for) for r in runs(cluster_run.engine) if r.status == "succeeded")
    queued = {(s.source, s.slot_at) for s in slots(cluster_run.engine)}

    assert len(queued) >= 30, "65 s of three sources every 4–5 s"
    every = runs(cluster_run.engine)
    other = [(r.source, r.scheduled_for, r.status, r.error) for r in every if r.status != "succeeded"]
    assert set(succeeded) == queued, f"every queued slot succeeded, no run outside a slot; not succeeded: {other}"
    assert set(succeeded.values()) == {1}, [slot for slot, n in succeeded.items() if n > 1]


def test_slots_kept_coming_after_one_scheduler_was_killed(cluster_run: ClusterRun) -> None:
    after = [s for s in slots(cluster_run.engine) if s.slot_at > cluster_run.killed_scheduler_at]

    assert {s.source for s in after} == {"azure_gpu", "lambda_gpu", "vastai_gpu"}
    assert len(after) >= 15


def test_runs_of_one_source_never_overlap(cluster_run: ClusterRun) -> None:
    by_source: dict[str, list[CrawlRun]] = defaultdict(list)
    for run in runs(cluster_run.engine):
        by_source[run.source].append(run)
    for source, source_runs in by_source.items():
        ordered = sorted(source_runs, key=lambda r: r.started_at)
        for before, after in itertools.pairwise(ordered):
            assert before.finished_at is not None
            assert after.started_at >= before.finished_at, f"{source}: run {after.id} began before {before.id} ended"


def test_runs_are_spread_over_all_workers(cluster_run: ClusterRun) -> None:
    started = Counter(r.worker_pid for r in runs(cluster_run.engine))
    succeeded = Counter(r.worker_pid for r in runs(cluster_run.engine) if r.status == "succeeded")
    survivors = set(cluster_run.workers) - {cluster_run.killed_worker}

    assert set(started) == set(cluster_run.workers), started
    assert set(succeeded) >= survivors, succeeded
    assert max(succeeded.values()) <= 0.75 * sum(succeeded.values()), succeeded


def test_the_killed_workers_run_was_closed_and_its_slot_run_again_elsewhere(cluster_run: ClusterRun) -> None:
    every = runs(cluster_run.engine)
    [killed] = [r for r in every if r.id == cluster_run.killed_run]
    slot = (killed.source, killed.scheduled_for)
    again = [r for r in every if (r.source, r.scheduled_for) == slot and r.id != killed.id]

    timeline = f"run {killed.id} {killed.started_at} to {killed.finished_at}, killed {cluster_run.killed_worker_at}"
    assert killed.status == "aborted", f"{killed.error} ({timeline})"
    assert [(r.status, r.worker_pid != cluster_run.killed_worker) for r in again] == [("succeeded", True)]
    assert all(r.status != "running" for r in every)


def test_the_store_holds_what_a_single_process_stores(cluster_run: ClusterRun) -> None:
    assert count_offers(cluster_run.engine) == cluster_run.single_process_offers


def test_the_workers_runs_take_their_warm_spares(cluster_run: ClusterRun) -> None:
    workers = [log for name, log in cluster_run.logs.items() if name.startswith("worker-")]
    started = sum(log.count(" started (") for log in workers)
    cold = sum(log.count(": cold start") for log in workers)
    assert 0 <= cold < started, "every run of the workers started cold"
