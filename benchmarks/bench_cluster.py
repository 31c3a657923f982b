"""Prints what the cluster's queue costs: deferring a slot, and jobs/s through 1, 2 and 4 worker processes.

Phase 1 defers N (source, slot) jobs as a scheduler does (the `cluster_slots` insert and the procrastinate
defer in one transaction): the scheduling overhead per job. Phase 2 queues N fast no-op jobs (each its own
lock, so workers can run them side by side) and drains them with 1, 2 and 4 worker processes (procrastinate
workers, concurrency 1, the worker settings `aipulse worker` uses): jobs/s from the first start to the last
end, and the queue's cost per job (busy worker-seconds / jobs). Phase 3 queues `--crawls` real crawl jobs
(Lambda's recorded page on a local replay server, each job its own lock) and drains them with 1, 2 and 4
`aipulse worker` processes; its reference, measured in the same run, is the same crawls one after the other
through `CrawlRunner` in one process (the single daemon's path): runs/s, the ratio, and the cluster's cost per
crawl beyond the single process's. In the cluster one source's jobs never run side by side (its lock); the
benchmark gives every job its own lock to measure the queue, not the lock.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.cluster_queue import CRAWL_TASK, conninfo, ensure_queue_schema, make_app  # noqa: E402

NOOP_QUEUE = "bench"


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(conninfo(url), autocommit=True)


def defer_slots(url: str, count: int) -> float:
    """Seconds per job of ClusterScheduler.defer over `count` slots of one source."""
    from core.config import load_config
    from monitor.cluster_scheduler import ClusterScheduler
    from storage.db import create_db_engine, session_factory
    from tests.crawl_support import write_config

    tmp = Path(f"/tmp/bench-cluster-{time.time_ns()}")
    tmp.mkdir()
    config = load_config(write_config(tmp, url, {"azure_gpu": {"every": "1s"}}))
    scheduler = ClusterScheduler(config, session_factory(create_db_engine(url)), url)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for n in range(count):
        assert scheduler.defer("azure_gpu", start + timedelta(seconds=n)) is not None
    elapsed = time.perf_counter() - began
    with _connect(url) as connection:  # those jobs are not for the no-op workers
        connection.execute("DELETE FROM procrastinate_jobs WHERE task_name = %s", (CRAWL_TASK,))
    return elapsed / count


def queue_noops(url: str, count: int) -> None:
    app = make_app(url)
    with _connect(url) as connection:
        for n in range(count):
            app.configure_task("bench.noop", queue=NOOP_QUEUE, lock=f"noop-{n}", connection=connection).defer(n=n)


def drain(url: str, workers: int, jobs: int | None = None) -> tuple[float, float]:
    """Jobs/s and busy worker-seconds per job, `workers` processes draining `jobs` no-op jobs."""
    jobs = jobs or ARGS.jobs
    with _connect(url) as connection:
        connection.execute("DELETE FROM procrastinate_jobs WHERE queue_name = %s", (NOOP_QUEUE,))
    queue_noops(url, jobs)
    processes = [subprocess.Popen([sys.executable, __file__, "--serve-noop", url]) for _ in range(workers)]
    for process in processes:
        process.wait()
    with _connect(url) as connection:
        row = connection.execute(
            "SELECT min(e.at) FILTER (WHERE e.type = 'started'), max(e.at) FILTER (WHERE e.type = 'succeeded'),"
            " count(*) FILTER (WHERE e.type = 'succeeded') FROM procrastinate_events e"
            " JOIN procrastinate_jobs j ON j.id = e.job_id WHERE j.queue_name = %s",
            (NOOP_QUEUE,),
        ).fetchone()
    first, last, done = row
    assert done == jobs, f"{done} of {jobs} jobs succeeded"
    seconds = (last - first).total_seconds()
    return done / seconds, seconds * workers / done


def serve_noop(url: str) -> None:
    """One worker process: takes no-op jobs until the queue is empty."""
    app = make_app(url)
    app.task(name="bench.noop")(lambda n: n)
    app.run_worker(
        queues=[NOOP_QUEUE], concurrency=1, wait=False, install_signal_handlers=False,
        fetch_job_polling_interval=1.0, update_heartbeat_interval=2.0, stalled_worker_timeout=10.0,
    )  # fmt: skip


LAMBDA_PATH = "/service/gpu-cloud"
#: worker count -> when its crawl phase queued its jobs (to find its runs in crawl_runs)
PHASE_STARTS: dict[int, datetime] = {}


def gaps_and_durations(url: str, since: datetime) -> tuple[float, float]:
    """Mean seconds a worker sat between two runs, and mean run duration, of the runs started since `since`."""
    with _connect(url) as connection:
        rows = connection.execute(
            "SELECT worker_pid, started_at, finished_at FROM crawl_runs WHERE started_at >= %s"
            " ORDER BY worker_pid, started_at",
            (since,),
        ).fetchall()
    gaps = [b[1] - a[2] for a, b in itertools.pairwise(rows) if a[0] == b[0]]
    durations = [r[2] - r[1] for r in rows]
    mean = lambda values: sum(v.total_seconds() for v in values) / max(1, len(values))  # noqa: E731
    return mean(gaps), mean(durations)


def crawl_config(url: str, server_url: str) -> Path:
    from tests.crawl_support import write_config

    tmp = Path(f"/tmp/bench-cluster-crawls-{time.time_ns()}")
    tmp.mkdir()
    return write_config(tmp, url, {"lambda_gpu": {"every": "1h", "endpoint": server_url + LAMBDA_PATH}})


def single_process_crawls(config_path: Path, count: int) -> float:
    """Seconds for `count` crawls one after the other through CrawlRunner in this process (the reference)."""
    from core.config import load_config
    from monitor.crawling import CrawlRunner
    from storage.db import create_db_engine

    config = load_config(config_path)
    runner = CrawlRunner(config, create_db_engine(config.database_url()))
    began = time.perf_counter()
    for _ in range(count):
        assert runner.run("lambda_gpu", "manual").status == "succeeded"
    return time.perf_counter() - began


def cluster_crawls(url: str, config_path: Path, count: int, workers: int) -> float:
    """Seconds from queueing `count` crawl jobs to the last one's end, drained by `workers` `aipulse worker`s."""
    from core.config import load_config
    from monitor.cluster_queue import fingerprint

    print_ = fingerprint(load_config(config_path))
    app = make_app(url)
    command = [sys.executable, "-m", "monitor", "--config", str(config_path), "worker", "--concurrency", "1"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        time.sleep(3)  # the workers start (imports, first heartbeat) before the clock does
        began = time.perf_counter()
        with _connect(url) as connection:
            slot = datetime.now(UTC)
            PHASE_STARTS[workers] = slot
            for n in range(count):
                app.configure_task(CRAWL_TASK, lock=f"bench-crawl-{n}", queue="aipulse", connection=connection).defer(
                    source="lambda_gpu", slot=(slot + timedelta(microseconds=n)).isoformat(), fingerprint=print_
                )
            while True:
                row = connection.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s AND status IN ('todo', 'doing')",
                    (CRAWL_TASK,),
                ).fetchone()
                if row[0] == 0:
                    break
                time.sleep(0.1)
        return time.perf_counter() - began
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)


def crawl_phase(url: str) -> None:
    from monitor.replay import ReplayServer, Reply, Route
    from storage.db import create_db_engine
    from storage.models import CrawlRun

    page = ROOT / "spiders" / "fixtures" / "lambda_gpu" / "pricing_table_20241103" / "response.html"
    reply = Reply.file(page, content_type="text/html; charset=utf-8")
    with ReplayServer([Route(LAMBDA_PATH, [reply])]) as server:
        config_path = crawl_config(url, server.url)
        count = ARGS.crawls
        since = datetime.now(UTC)
        single = single_process_crawls(config_path, count)
        single_gap, single_duration = gaps_and_durations(url, since)
        print(f"crawls: {count} through one process (CrawlRunner, the reference): {count / single:.2f} runs/s, "
              f"{single / count:.2f} s per crawl (a run lasts {single_duration:.2f} s, {single_gap * 1000:.0f} ms "
              "between two)")  # fmt: skip
        for workers in ARGS.workers:
            seconds = cluster_crawls(url, config_path, count, workers)
            line = f"{workers} worker(s): {count} crawls, {count / seconds:.2f} runs/s"
            line += f", {single / seconds:.2f}x the single process"
            if workers == 1:  # one at a time, as the reference: what the queue adds to each crawl
                line += f"; {(seconds - single) / count * 1000:+.0f} ms per crawl"
            gap, duration = gaps_and_durations(url, PHASE_STARTS[workers])
            line += f" (a run lasts {duration:.2f} s, a worker waits {gap * 1000:.0f} ms between two: the queue's"
            line += f" share {(gap - single_gap) * 1000:+.0f} ms)"
            print(line)
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    with Session(create_db_engine(url)) as session:
        failed = session.scalar(select(func.count()).select_from(CrawlRun).where(CrawlRun.status != "succeeded"))
    assert failed == 0, f"{failed} crawl(s) did not succeed"


def main() -> None:
    cluster = None
    url = ARGS.url
    if url is None:
        from tests.conftest import PostgresCluster

        cluster = PostgresCluster()
        url = cluster.new_database()
    try:
        from storage.db import create_db_engine
        from storage.migrate import upgrade

        upgrade(create_db_engine(url))
        ensure_queue_schema(url)
        per_defer = defer_slots(url, ARGS.jobs)
        print(f"scheduling: {ARGS.jobs} slots deferred, {per_defer * 1000:.1f} ms per job (insert + defer, one tx)")
        drain(url, 1, jobs=min(200, ARGS.jobs))  # warm-up, not reported: the first drain of a new database is slow
        for workers in ARGS.workers:
            rate, cost = drain(url, workers)
            print(f"{workers} worker(s): {ARGS.jobs} no-op jobs, {rate:.0f} jobs/s, {cost * 1000:.1f} ms per job")
        if ARGS.crawls:
            crawl_phase(url)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The cluster queue's overhead per job and throughput per worker.")
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per phase (default 1000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts (default 1 2 4)")
    parser.add_argument("--crawls", type=int, default=40, help="real crawl jobs per worker count (default 40, 0: none)")
    parser.add_argument("--url", help="a PostgreSQL URL to use (default: a throwaway cluster, as the tests start)")
    parser.add_argument("--serve-noop", metavar="URL", help=argparse.SUPPRESS)
    ARGS = parser.parse_args()
    if ARGS.serve_noop:
        serve_noop(ARGS.serve_noop)
    else:
        main()
