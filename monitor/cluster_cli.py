"""The cluster's commands: `aipulse run` on PostgreSQL (roles), `aipulse worker`, `aipulse cluster`."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.config import AppConfig, check_secrets
from core.tables import render_table
from monitor.cli_common import CliError, load_checked_config, open_database, print_json, setup_logging
from monitor.cluster_queue import ensure_queue_schema, fingerprint, is_cluster_database
from monitor.cluster_scheduler import ClusterScheduler, Lease
from monitor.cluster_summary import cluster_summary
from monitor.cluster_worker import HEARTBEAT_EVERY, ClusterWorkerProcess
from monitor.scheduler import add_shared_jobs
from monitor.status_server import start_answering
from storage.cluster import WorkerIdentity, beat, sign_off
from storage.db import masked, session_factory
from storage.models import CrawlRun

__all__ = ["cluster_summary", "parse_tags", "require_cluster", "run_cluster", "source_placement"]

logger = logging.getLogger("aipulse")
_PERIODIC_LEASE = 0x61697071


def parse_tags(text: str | None) -> list[str]:
    """`--tags cn,browser` as a list; a bad tag is a clear error."""
    tags = [t.strip() for t in (text or "").split(",") if t.strip()]
    for tag in tags:
        if not tag.replace("-", "").replace("_", "").isalnum() or tag.lower() != tag:
            raise CliError(f"--tags: {tag!r} is not a tag (lower-case letters, digits, '-' and '_')")
    return tags


def require_cluster(config: AppConfig, command: str) -> str:
    """The database URL when it is PostgreSQL; a CliError (exit 2) naming the SQLite store otherwise."""
    url = config.database_url()
    if not is_cluster_database(url):
        raise CliError(
            f"`aipulse {command}` needs PostgreSQL: {masked(url)} is SQLite, which one process uses at a time "
            "(run `aipulse run` alone; see README, More than one machine)"
        )
    ensure_queue_schema(url)
    return url


class _SchedulerRole:
    """The scheduler half: slots deferred in a thread, shared jobs (alerts, report) under one cluster lease."""

    def __init__(self, config: AppConfig, engine: Engine, url: str, *, beats: bool) -> None:
        self.config, self.url, self.beats = config, url, beats
        self.sessions = session_factory(engine)
        self.identity = WorkerIdentity.this_process()
        self.scheduler = ClusterScheduler(config, self.sessions, url)
        self.lease = Lease(url, _PERIODIC_LEASE)
        self.stop = threading.Event()
        self.periodic = BackgroundScheduler(
            executors={name: ThreadPoolExecutor(1) for name in ("default", "alerts", "report")},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        add_shared_jobs(self.periodic, config, self.sessions, datetime.now(UTC), only_if=self.lease.held)
        if beats:  # with a worker in the process, the worker's heartbeat speaks for both
            self.periodic.add_job(self._beat, IntervalTrigger(seconds=HEARTBEAT_EVERY.total_seconds()), id="heartbeat")
        self.thread = threading.Thread(target=self.scheduler.run, args=(self.stop,), name="slots", daemon=True)

    def _beat(self) -> None:
        try:
            with self.sessions.begin() as session:
                beat(session, self.identity, role="scheduler", fingerprint=fingerprint(self.config),
                     now=datetime.now(UTC), every=HEARTBEAT_EVERY)  # fmt: skip
        except Exception as exc:  # the database away: the next beat tries again
            logger.warning("scheduler heartbeat failed: %s", str(exc).splitlines()[0])

    def start(self) -> None:
        if self.beats:
            self._beat()
        self.periodic.start()
        self.thread.start()
        logger.info("scheduler: %d source(s), config fingerprint %s", len(self.scheduler.config.sources),
                    self.scheduler.fingerprint)  # fmt: skip

    def shutdown(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.periodic.shutdown(wait=False)
        self.lease.release()
        if self.beats:
            try:
                with self.sessions.begin() as session:
                    sign_off(session, self.identity)
            except Exception:
                pass


def run_cluster(config: AppConfig, engine: Engine, *, role: str, tags: list[str], concurrency: int | None) -> int:
    """`aipulse run [--role scheduler]` and `aipulse worker` on PostgreSQL until SIGTERM or SIGINT."""
    if concurrency is not None and not 1 <= concurrency <= 64:
        raise CliError(f"--concurrency must be between 1 and 64, got {concurrency}")
    url = require_cluster(config, "worker" if role == "worker" else "run")
    scheduling = _SchedulerRole(config, engine, url, beats=role == "scheduler") if role != "worker" else None
    worker = (
        ClusterWorkerProcess(config, engine, url, tags, concurrency or config.daemon.max_concurrent_crawls)
        if role in ("all", "worker")
        else None
    )
    if worker is not None and scheduling is not None:
        worker.role = "daemon"  # `aipulse run`: scheduler and worker in one process
    status = None
    if scheduling is not None:
        scheduling.start()
        status = start_answering(config, engine)  # one answer per host and config: the scheduler's, not each worker's
    try:
        if worker is not None:
            return worker.run()
        stopped = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            logger.info("received %s: stopping", signal.Signals(signum).name)
            stopped.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        while not stopped.wait(1.0):
            pass
        return 0
    finally:
        if status is not None:
            status.stop()
        if scheduling is not None:
            scheduling.shutdown()
        logger.info("stopped")


def cmd_worker(args: argparse.Namespace) -> int:
    """`aipulse worker`: take crawl jobs from the PostgreSQL queue (its tags decide which)."""
    config = load_checked_config(args)
    require_cluster(config, "worker")
    check_secrets(config)
    setup_logging(args.log_level or config.daemon.log_level)
    engine = open_database(config, migrate=True)
    return run_cluster(config, engine, role="worker", tags=parse_tags(args.tags), concurrency=args.concurrency)


def cmd_cluster(args: argparse.Namespace) -> int:
    """`aipulse cluster`: the workers alive and the jobs queued or running."""
    config = load_checked_config(args)
    require_cluster(config, "cluster")
    engine = open_database(config, migrate=False)
    summary = cluster_summary(config, engine)
    if args.json:
        print_json(summary)
        return 0
    rows = [(w["host"], w["pid"], w["role"], w["tags"] or "—", w["fingerprint"], w["heartbeat_at"][:19])
            for w in summary["workers"]]  # fmt: skip
    print(render_table(("host", "pid", "role", "tags", "config", "heartbeat"), rows))
    if summary["dead_workers"]:
        print(f"{summary['dead_workers']} worker row(s) without a recent heartbeat")
    print()
    rows = [(j["id"], j["source"], j["slot"][:19], j["queue"], j["status"], j["attempts"]) for j in summary["jobs"]]
    print(render_table(("job", "source", "slot", "queue", "status", "attempts"), rows, right=(0, 5)))
    return 0


def source_placement(session: Session, config: AppConfig, sources: list[str]) -> dict[str, dict[str, str | None]]:
    """Per source: the worker (`host:pid`) of its last run and the tags it needs (`aipulse sources` on PostgreSQL)."""
    last_ids = select(func.max(CrawlRun.id)).group_by(CrawlRun.source)
    last = {r.source: r for r in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(last_ids)))}
    placement: dict[str, dict[str, str | None]] = {}
    for source in sources:
        run, section = last.get(source), config.sources.get(source)
        worker = f"{run.worker_host}:{run.worker_pid}" if run is not None and run.worker_host else None
        placement[source] = {"worker": worker, "tags": (",".join(sorted(section.tags)) or None) if section else None}
    return placement
