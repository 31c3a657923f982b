"""`aipulse worker`: takes crawl jobs from the PostgreSQL queue and runs each exactly as the daemon does.

A job is `CrawlRunner.run` (child process, timeouts, crawl_runs, then the run's alert evaluation). A job's lock
is its source, so a source never runs twice at once across the cluster. Every worker beats a heartbeat; the
jobs of a worker that stopped beating (SIGKILL, lost host) have their run closed as aborted and go back to the
queue for another worker, one reaper at a time.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import psycopg
from procrastinate import sql
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.worker import Worker
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from alerts.service import after_run
from core.config import AppConfig
from monitor.cluster_queue import CRAWL_TASK, conninfo, fingerprint, make_app, queue_for, queues_covered
from monitor.crawling import CrawlRunner
from storage.cluster import HEARTBEATS_MISSED, WorkerIdentity, abort_runs, beat, sign_off
from storage.models import CrawlRun
from storage.runs import finish_run, start_run

__all__ = ["HEARTBEAT_EVERY", "ClusterWorkerProcess"]

logger = logging.getLogger(__name__)

#: how often a worker says it is alive; after HEARTBEATS_MISSED missed beats its jobs are retried elsewhere
HEARTBEAT_EVERY = timedelta(seconds=2)
#: kept outcomes written and local orphans reaped every this many beats (the first beat included)
HOUSEKEEPING_EVERY_BEATS = 15
_REAPER_LOCK = 0x61697076
#: a slot whose runs all ended so (or are still running: the reaper aborts them before a retry) has no outcome yet
SLOT_NOT_RUN = ("running", "aborted", "cancelled")


class ClusterWorkerProcess:
    """One worker: its tags decide its queues, `concurrency` how many crawls it runs at once."""

    def __init__(self, config: AppConfig, engine: Engine, url: str, tags: Sequence[str], concurrency: int) -> None:
        self.config, self.url, self.concurrency = config, url, concurrency
        self.identity = WorkerIdentity.this_process(tags)
        self.queues = queues_covered(self.identity.tags)
        self.fingerprint = fingerprint(config)
        self.runner = CrawlRunner(config, engine, worker=self.identity)
        self.runner.defer_fallback = self.defer_fallback
        self.app = make_app(url)
        self.app.task(name=CRAWL_TASK, retry=False)(self.crawl)
        self.stopping = threading.Event()
        self._worker: Worker | None = None
        self.role = "worker"
        self._beats = 0

    def crawl(
        self, source: str, slot: str, fingerprint: str, trigger: str = "schedule", args: dict[str, str] | None = None
    ) -> str:
        """The job: one scheduled run of `source` for `slot` (or a `fallback` run), refused from another config."""
        scheduled_for = datetime.fromisoformat(slot)
        if fingerprint != self.fingerprint or source not in self.config.sources:
            error = (
                f"refused: the job was queued from a config with fingerprint {fingerprint}, this worker "
                f"({self.identity.host}:{self.identity.pid}) runs {self.fingerprint} ({self.config.path}); "
                "start every scheduler and worker with the same configuration"
            )
            logger.error("%s: slot %s: %s", source, slot, error)
            self._record_failed(source, scheduled_for, error)
            return "refused"
        if trigger == "fallback":
            return self.runner.run(source, "fallback", args or {}).status
        earlier = self._outcome_of(source, scheduled_for)
        if earlier is not None:
            logger.warning("%s: slot %s ran already (run %s %s): its job was retried after its worker died; "
                           "not run again", source, slot, earlier.id, earlier.status)  # fmt: skip
            return "ran already"
        return self.runner.run(source, "schedule", scheduled_for=scheduled_for).status

    def _outcome_of(self, source: str, slot: datetime) -> CrawlRun | None:
        """The run that gave (source, slot) its outcome, if one did: a worker killed after its crawl closed the run
        but before the job was marked done has the job retried, and the slot must not run twice."""
        with self.runner.sessions() as session:
            query = select(CrawlRun).where(
                CrawlRun.source == source,
                CrawlRun.scheduled_for == slot,
                CrawlRun.status.not_in(SLOT_NOT_RUN),
            )
            return session.scalars(query.order_by(CrawlRun.id).limit(1)).first()

    def defer_fallback(self, source: str, fallback: str, args: dict[str, str]) -> bool:
        """Queue `fallback` as its own job when its tags differ from `source`'s (a worker with them takes it)."""
        wanted = queue_for(self.config.sources[fallback].tags)
        if wanted == queue_for(self.config.sources[source].tags):
            return False  # the same placement: this worker runs it, as a single process would
        now = datetime.now(UTC).isoformat()
        payload: dict[str, Any] = dict(args)
        try:
            with psycopg.connect(conninfo(self.url)) as connection, connection.transaction():
                job_id = self.app.configure_task(
                    CRAWL_TASK, lock=fallback, queueing_lock=f"{fallback}@fallback", queue=wanted, connection=connection
                ).defer(source=fallback, slot=now, fingerprint=self.fingerprint, trigger="fallback", args=payload)
        except AlreadyEnqueued:
            logger.info("%s: fallback %s is queued already", source, fallback)
            return True
        logger.info("%s: fallback %s queued as job %s on %s", source, fallback, job_id, wanted)
        return True

    def _record_failed(self, source: str, scheduled_for: datetime, error: str) -> None:
        now = datetime.now(UTC)
        who = (self.identity.host, self.identity.pid, self.identity.tags_text)
        with self.runner.sessions.begin() as session:
            run = start_run(session, source, "schedule", now, None, scheduled_for=scheduled_for, worker=who)
            finish_run(session, run.id, status="failed", finished_at=now, error=error)
            run_id = run.id
        after_run(self.runner.sessions, self.config.alerts, run_id, now=now)

    # --- heartbeat, reaping ---------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Say this worker is alive, retry the jobs of dead workers, write kept outcomes, reap local orphans."""
        now = datetime.now(UTC)
        try:
            with self.runner.sessions.begin() as session:
                beat(session, self.identity, role=self.role, fingerprint=self.fingerprint, now=now,
                     every=HEARTBEAT_EVERY)  # fmt: skip
            self.retry_stalled_jobs()
        except (SQLAlchemyError, psycopg.Error) as exc:
            logger.warning("worker heartbeat failed: %s", str(exc).splitlines()[0])
        self._beats += 1
        if self._beats % HOUSEKEEPING_EVERY_BEATS == 1:
            self.runner.housekeeping()

    def retry_stalled_jobs(self) -> list[int]:
        """Close the runs of jobs whose worker stopped beating as aborted and queue the jobs again."""
        stale_s = HEARTBEAT_EVERY.total_seconds() * HEARTBEATS_MISSED
        retried = []
        with psycopg.connect(conninfo(self.url)) as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_REAPER_LOCK,))
            rows = connection.execute(
                sql.queries["select_stalled_jobs_by_heartbeat"],
                {"queue": None, "task_name": CRAWL_TASK, "seconds_since_heartbeat": stale_s},
            ).fetchall()
            for row in rows:
                job_id, args = row[0], row[6]
                self._abort_runs_of(args["source"], datetime.fromisoformat(args["slot"]), job_id)
                connection.execute(
                    sql.queries["retry_job"],
                    {"job_id": job_id, "retry_at": datetime.now(UTC), "new_priority": None, "new_queue_name": None,
                     "new_lock": None},
                )  # fmt: skip
                retried.append(job_id)
        if retried:
            logger.warning("queued again the job(s) of worker(s) that stopped beating: %s", retried)
        return retried

    def _abort_runs_of(self, source: str, slot: datetime, job_id: int) -> None:
        now = datetime.now(UTC)
        with self.runner.sessions.begin() as session:
            query = select(CrawlRun).where(
                CrawlRun.source == source, CrawlRun.scheduled_for == slot, CrawlRun.status == "running"
            )
            error = f"its worker stopped beating; job {job_id} is retried"
            closed = abort_runs(session, list(session.scalars(query)), now, error)
        if closed:
            logger.warning("%s: closed run(s) %s of a dead worker as aborted", source, closed)

    # --- the process ----------------------------------------------------------------------------------------

    def _beating(self) -> None:
        while not self.stopping.wait(HEARTBEAT_EVERY.total_seconds()):
            self.heartbeat()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s: stopping the worker", signal.Signals(signum).name)
        self.stopping.set()
        threading.Thread(target=self._stop, daemon=True).start()

    def _stop(self) -> None:
        self.runner.stop(self.config.daemon.shutdown_grace.total_seconds())
        if self._worker is not None:
            self._worker.stop()  # type: ignore[no-untyped-call]

    def worker_options(self) -> dict[str, Any]:
        stale_s = HEARTBEAT_EVERY.total_seconds() * HEARTBEATS_MISSED
        return {
            "queues": self.queues, "concurrency": self.concurrency,
            "name": f"{self.identity.host}:{self.identity.pid}", "install_signal_handlers": False,
            "update_heartbeat_interval": HEARTBEAT_EVERY.total_seconds(), "stalled_worker_timeout": stale_s,
            "fetch_job_polling_interval": 1.0, "shutdown_graceful_timeout": None,
            "delete_jobs": "successful",  # the run is in crawl_runs; failed and cancelled jobs stay to be seen
        }  # fmt: skip

    async def _serve(self) -> None:
        async with self.app.open_async():
            self._worker = Worker(self.app, **self.worker_options())
            if self.stopping.is_set():
                return
            await self._worker.run()  # type: ignore[no-untyped-call]

    def run(self, *, handle_signals: bool = True) -> int:
        """Take jobs until SIGTERM/SIGINT (or `stopping`), then finish or cancel the crawls in flight."""
        self.heartbeat()
        if self.config.daemon.warm_spare:
            self.runner.keep_warm()
        beating = threading.Thread(target=self._beating, name="heartbeat", daemon=True)
        beating.start()
        previous = {}
        if handle_signals:
            previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        logger.info("worker %s:%s: tags %s, queues %s, %d at once", self.identity.host, self.identity.pid,
                    self.identity.tags_text or "(none)", ", ".join(self.queues), self.concurrency)  # fmt: skip
        try:
            asyncio.run(self._serve())
        finally:
            self.stopping.set()
            if self.runner.spare is not None:
                self.runner.spare.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            try:
                with self.runner.sessions.begin() as session:
                    sign_off(session, self.identity)
            except SQLAlchemyError:
                pass
        logger.info("worker stopped")
        return 0
