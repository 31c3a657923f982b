"""The only seam to Scrapy: `run_crawl(source_id)` runs one crawl in its own process and returns its outcome."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alerts.service import after_run
from core.config import CONFIG_ENV, DATABASE_ENV, AppConfig, environment
from monitor.crawl_outcome import CrawlOutcome
from monitor.crawl_process import forward_output, pid_alive, process_alive, start_crawl_process, stop_child
from monitor.run_closing import PendingCloses, PendingRun
from monitor.warm_spare import WarmSpare
from spiders import crawl_settings
from spiders.base import SourceSpider
from spiders.config_addon import scrapy_settings
from storage.cluster import WorkerIdentity, abort_runs, orphaned_runs
from storage.db import masked, session_factory
from storage.models import CrawlRun
from storage.runs import finish_run, start_run

logger = logging.getLogger(__name__)

ORPHAN_ERROR = "the process running this crawl ended without closing it (killed or crashed)"

SETTINGS_MODULE = "spiders.settings"


@dataclass(frozen=True)
class CrawlResult:
    """How one crawl ended, as recorded in its crawl_runs row."""

    source: str
    run_id: int | None
    status: str
    items_stored: int = 0
    items_unchanged: int = 0
    items_dropped: int = 0
    error: str | None = None
    duration_s: float = 0.0
    details: dict[str, Any] | None = None


@cache
def spider_classes() -> dict[str, type[SourceSpider]]:
    """Every source spider by its id (the spider name)."""
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    loader = SpiderLoader.from_settings(settings)
    found: dict[str, type[SourceSpider]] = {}
    for name in loader.list():
        cls = loader.load(name)
        if issubclass(cls, SourceSpider):
            found[name] = cls
    return found


class CrawlRunner:
    """Starts crawls as child processes, records each in crawl_runs, and stops them all on shutdown."""

    def __init__(
        self,
        config: AppConfig,
        engine: Engine,
        extra_settings: dict[str, object] | None = None,
        *,
        timeout: timedelta | None = None,
        worker: WorkerIdentity | None = None,
    ) -> None:
        self.config = config
        #: who this runner is, recorded in each run (and how orphans are told from another host's live runs)
        self.worker = worker or WorkerIdentity.this_process()
        self.engine = engine
        #: a limit for every crawl this runner starts, instead of the configured ones (`crawl --live-check`)
        self.timeout = timeout
        #: more Scrapy settings for every crawl this runner starts (`aipulse record`: where responses go)
        self.extra_settings = dict(extra_settings or {})
        self.sessions = session_factory(engine)
        self._children: dict[int, subprocess.Popen[str]] = {}
        self._lock = threading.Lock()
        self._running_sources: set[str] = set()
        self._browser_slots = threading.BoundedSemaphore(config.daemon.max_browser_crawls)
        self.stopping = threading.Event()
        #: outcomes the database could not take yet (written by `housekeeping`)
        self.closes = PendingCloses(self.sessions)
        self._inflight: set[int] = set()
        #: the cluster's hook: queue a fallback as its own job (True) instead of running it here (False)
        self.defer_fallback: Callable[[str, str, dict[str, str]], bool] | None = None
        #: the crawl process kept warm for the next run (`keep_warm`), else every run starts cold
        self.spare: WarmSpare | None = None

    def keep_warm(self) -> None:
        """From now until `stop()`, keep one crawl process started ahead, its imports done, for the next run."""
        if self.spare is None and not self.stopping.is_set():
            self.spare = WarmSpare(self._child_environment)
            self.spare.start()

    def close_orphans(self) -> list[int]:
        """Mark runs left `running` by a dead process as aborted; returns their ids.

        Runs this runner still has in flight (started, child not yet registered) or whose outcome waits
        for the database are left alone.
        """
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            orphans = orphaned_runs(
                session, now, me=self.worker, crawl_alive=pid_alive, process_alive=process_alive, keep=self._keep
            )
            closed = abort_runs(session, orphans, now, ORPHAN_ERROR)
        if closed:
            logger.warning("closed %d run(s) left running by a killed process as aborted: %s", len(closed), closed)
        return closed

    def _keep(self) -> set[int]:
        with self._lock:
            return self._inflight | self.closes.run_ids()

    def housekeeping(self) -> None:
        """The daemon's periodic tick: write outcomes kept while the database was away, reap orphans."""
        self.closes.flush()
        try:
            self.close_orphans()
        except SQLAlchemyError as exc:
            logger.warning("cannot reap orphaned runs now: %s", str(exc).splitlines()[0])

    def run(
        self,
        source_id: str,
        trigger: str = "manual",
        args: dict[str, str] | None = None,
        *,
        at: datetime | None = None,
        scheduled_for: datetime | None = None,
    ) -> CrawlResult:
        """Run one crawl of `source_id` to the end (or timeout) and return its recorded outcome.

        `at` (the demo's simulated clock) is when the run is recorded to start: the spider observes at that time
        (`-a clock=`), the run's start and end and its alert evaluation are shifted by the same amount.
        """
        spider = spider_classes().get(source_id)
        if spider is None:
            return CrawlResult(source_id, None, "failed", error=f"unknown source {source_id!r}")
        with self._lock:
            if source_id in self._running_sources:
                return CrawlResult(source_id, None, "skipped", error="already running")
            self._running_sources.add(source_id)
        try:
            if spider.needs_browser:
                with self._browser_slots:
                    result = self._run(source_id, trigger, args or {}, at, scheduled_for)
            else:
                result = self._run(source_id, trigger, args or {}, at, scheduled_for)
        finally:
            with self._lock:
                self._running_sources.discard(source_id)
        if trigger != "fallback":  # a fallback never falls back again: no loops between two sources
            self._fall_back(result)
        return result

    def _fall_back(self, result: CrawlResult) -> None:
        """Ask the source's `fallback` for what the run could not deliver: every symbol, or the missing ones."""
        section = self.config.sources.get(result.source)
        if section is None or section.fallback is None or self.stopping.is_set() or result.run_id is None:
            return
        details = result.details or {}
        if result.status in ("failed", "blocked"):
            wanted: list[str] = details.get("symbols") or []
        elif result.status == "succeeded":
            wanted = details.get("missing_symbols") or []
            if not wanted:
                return
        else:
            return
        args = {"symbols": ",".join(wanted)} if wanted else {}
        logger.info("%s run %s %s: asking %s%s", result.source, result.run_id, result.status, section.fallback,
                    f" for {args['symbols']}" if args else "")  # fmt: skip
        if self.defer_fallback is not None and self.defer_fallback(result.source, section.fallback, args):
            return
        self.run(section.fallback, "fallback", args)

    def _run(
        self,
        source_id: str,
        trigger: str,
        args: dict[str, str],
        at: datetime | None = None,
        scheduled_for: datetime | None = None,
    ) -> CrawlResult:
        if self.stopping.is_set():
            return CrawlResult(source_id, None, "cancelled", error="daemon is stopping")
        started = time.monotonic()
        shift = (at - datetime.now(UTC)) if at is not None else timedelta(0)
        started_at = datetime.now(UTC) + shift
        if at is not None:
            args = {**args, "clock": at.isoformat()}
        try:
            with self.sessions.begin() as session:
                who = (self.worker.host, self.worker.pid, self.worker.tags_text)
                run_id = start_run(
                    session, source_id, trigger, started_at, None, scheduled_for=scheduled_for, worker=who
                ).id
                with self._lock:
                    self._inflight.add(run_id)
        except SQLAlchemyError as exc:
            error = f"cannot record the run in {masked(str(self.engine.url))}: {str(exc).splitlines()[0]}"
            logger.error("%s: %s", source_id, error)
            self.closes.close(PendingRun(source_id, None, trigger, "failed", error, started_at, datetime.now(UTC)))
            return CrawlResult(source_id, None, "failed", error=error)
        section = self.config.sources.get(source_id)
        timeout = (
            self.timeout
            or (section.timeout if section and section.timeout else None)
            or self.config.daemon.crawl_timeout
        )
        log = logging.getLogger(f"aipulse.crawl.{source_id}")
        log.info("run %s started (%s)", run_id, trigger)
        try:
            tail = self._spawn_and_wait(source_id, run_id, trigger, args, timeout, log)
            return self._finish(source_id, run_id, tail, time.monotonic() - started, (trigger, started_at), shift)
        finally:
            with self._lock:
                self._inflight.discard(run_id)

    def _command(
        self, source_id: str, run_id: int, trigger: str, args: dict[str, str], timeout: timedelta
    ) -> list[str]:
        """The child's command line: its resolved settings as `-s NAME=json`, no secret among them."""
        command = [sys.executable, "-m", "scrapy", "crawl", source_id]  # a warm spare gets what follows `scrapy`
        for key, value in args.items():
            command += ["-a", f"{key}={value}"]
        settings: dict[str, object] = {
            **scrapy_settings(self.config, sources=[source_id]),
            # the URL may carry a password: the child reads it from the variable its environment gets
            crawl_settings.DATABASE_URL: {"env": DATABASE_ENV},
            crawl_settings.RUN_ID: run_id,
            crawl_settings.TRIGGER: trigger,
            "LOG_LEVEL": self.config.daemon.log_level,
            "CLOSESPIDER_TIMEOUT": max(1, int(timeout.total_seconds() * 0.95)),
            **self.extra_settings,
        }
        for name, setting in settings.items():
            text = setting if isinstance(setting, str | int) else json.dumps(setting, ensure_ascii=False)
            command += ["-s", f"{name}={text}"]
        return command

    def _child_environment(self) -> dict[str, str]:
        env = environment({"SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE, DATABASE_ENV: self.config.database_url()})
        env.pop(CONFIG_ENV, None)  # the child gets its settings, it reads no config file
        return env

    def _start_child(self, command: list[str], run_id: int, log: logging.Logger) -> subprocess.Popen[str]:
        """The crawl process of `command`: the warm spare when it can take it, else a cold `python -m scrapy`."""
        env = self._child_environment()
        if self.spare is not None:
            child = self.spare.take(command[3:], env, str(Path.cwd()), log, run_id)
            if child is not None:
                log.debug("run %s: crawl process %s (warm spare)", run_id, child.pid)
                return child
        return start_crawl_process(command, env, stdin=subprocess.DEVNULL)

    def _spawn_and_wait(
        self, source_id: str, run_id: int, trigger: str, args: dict[str, str], timeout: timedelta, log: logging.Logger
    ) -> CrawlOutcome:
        command = self._command(source_id, run_id, trigger, args, timeout)
        try:
            child = self._start_child(command, run_id, log)
        except OSError as exc:  # EMFILE, ENOMEM, a missing interpreter: the run fails, the daemon goes on
            log.error("run %s: cannot start the crawl process: %s", run_id, exc)
            return CrawlOutcome(None, False, [], timeout, spawn_error=f"cannot start the crawl process: {exc}")
        with self._lock:
            self._children[run_id] = child
        if self.stopping.is_set():  # stop() may have run between the spawn and the registration above
            stop_child(child, self.config.daemon.shutdown_grace.total_seconds())
        try:
            with self.sessions.begin() as session:
                run = session.get(CrawlRun, run_id)
                if run is not None:
                    run.pid = child.pid
        except SQLAlchemyError as exc:
            log.warning("run %s: cannot record pid: %s", run_id, exc)
        tail: deque[str] = deque(maxlen=40)
        reader = threading.Thread(target=forward_output, args=(child, log, run_id, tail), daemon=True)
        reader.start()
        timed_out = False
        try:
            child.wait(timeout=timeout.total_seconds())
        except subprocess.TimeoutExpired:
            timed_out = True
            log.error("run %s: still running after %s, stopping it", run_id, timeout)
            stop_child(child, self.config.daemon.shutdown_grace.total_seconds())
        reader.join(timeout=5)
        with self._lock:
            self._children.pop(run_id, None)
        return CrawlOutcome(child.returncode, timed_out, list(tail), timeout)

    def _finish(
        self,
        source_id: str,
        run_id: int,
        outcome: CrawlOutcome,
        duration_s: float,
        started: tuple[str, datetime],
        shift: timedelta = timedelta(0),
    ) -> CrawlResult:
        finished_at = datetime.now(UTC) + shift
        try:
            with self.sessions.begin() as session:
                run = session.get(CrawlRun, run_id)
                assert run is not None
                if run.status == "running":
                    status, error = outcome.describe(self.stopping.is_set())
                    finish_run(session, run_id, status=status, finished_at=finished_at, error=error)
                elif shift and run.finished_at is not None:  # closed by the crawl on the real clock
                    run.finished_at = run.finished_at + shift
                result = CrawlResult(
                    source_id, run_id, run.status, run.items_stored, run.items_unchanged, run.items_dropped,
                    run.error, round(duration_s, 2), run.details,
                )  # fmt: skip
        except SQLAlchemyError as exc:
            status, error = outcome.describe(self.stopping.is_set())
            if outcome.returncode == 0:
                error = f"the database failed as the run ended: {str(exc).splitlines()[0]}"
            pending = PendingRun(source_id, run_id, started[0], status, error, started[1], finished_at)
            self.closes.close(pending)
            return CrawlResult(source_id, run_id, status, error=error, duration_s=duration_s)
        level = logging.INFO if result.status == "succeeded" else logging.WARNING
        logging.getLogger(f"aipulse.crawl.{source_id}").log(
            level, "run %s %s in %.1fs: %d new, %d unchanged, %d dropped%s",
            run_id, result.status, duration_s, result.items_stored, result.items_unchanged, result.items_dropped,
            f" — {result.error}" if result.error else "",
        )  # fmt: skip
        # The one evaluation of a run the daemon started (the crawl process does not evaluate it), also of runs the
        # crawl could not close (killed, timed out).
        after_run(self.sessions, self.config.alerts, run_id, now=finished_at)
        return result

    def stop(self, grace_s: float) -> None:
        """Stop every running crawl: SIGTERM (Scrapy closes cleanly), then SIGKILL after `grace_s`."""
        self.stopping.set()
        with self._lock:
            children = list(self._children.values())
        threads = [threading.Thread(target=stop_child, args=(c, grace_s)) for c in children]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(grace_s + 5)
        if self.spare is not None:  # last: the crawls it forked get SIGHUP when its thread ends
            self.spare.close()


def run_crawl(source_id: str, config: AppConfig, engine: Engine, trigger: str = "manual") -> CrawlResult:
    """Run one crawl of `source_id` in a child process, recorded in crawl_runs, and return how it ended."""
    return CrawlRunner(config, engine).run(source_id, trigger)
