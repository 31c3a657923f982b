"""The daemon: one APScheduler job per enabled source, clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import periodic
from core.config import AppConfig, SourceConfig
from core.cron import crontab_trigger
from monitor.clock_watch import ClockWatch
from monitor.crawling import CrawlRunner
from monitor.report.service import scheduled_report
from monitor.status_server import start_answering
from spiders.catalog import SOURCE_KINDS
from spiders.market_hours import poll_due

logger = logging.getLogger(__name__)


#: how often the daemon writes run outcomes kept while the database was away and reaps orphaned runs
HOUSEKEEPING_EVERY_S = 60


def trigger_for(section: SourceConfig) -> BaseTrigger:
    """The APScheduler trigger of a source section (`every` or `cron`, with jitter and time zone)."""
    jitter = int(section.jitter.total_seconds()) if section.jitter else None
    if section.cron is not None:
        trigger = crontab_trigger(section.cron, timezone=section.timezone)
        trigger.jitter = jitter
        return trigger
    assert section.every is not None
    return IntervalTrigger(seconds=section.every.total_seconds(), timezone=section.timezone, jitter=jitter)


def market_open_for(config: AppConfig, source_id: str, at: datetime) -> bool:
    """Whether a `market_hours` source's symbols have a session (or a just-closed one) at `at`."""
    section = config.sources[source_id]
    symbols = section.args.get("symbols")
    if isinstance(symbols, str):
        wanted = [s.strip() for s in symbols.split(",") if s.strip()]
    elif isinstance(symbols, list):
        wanted = symbols
    else:
        wanted = config.quotes.symbols()
    holidays = {market: config.quotes.holidays_for(market) for market in ("CN", "HK", "US")}
    return poll_due(wanted, at, holidays)


def scheduled_crawl(runner: CrawlRunner, source_id: str) -> None:
    """A scheduled run; a `market_hours` source outside its markets' sessions is skipped (nothing to record)."""
    section = runner.config.sources[source_id]
    if section.market_hours and not market_open_for(runner.config, source_id, datetime.now(UTC)):
        logger.debug("%s: no market of its symbols is open: run skipped", source_id)
        return
    runner.run(source_id, "schedule")


def build_scheduler(config: AppConfig, runner: CrawlRunner, *, now: datetime | None = None) -> BackgroundScheduler:
    """A scheduler with one job per enabled source; job defaults set so no run is silently dropped."""
    scheduler = BackgroundScheduler(
        executors={
            "default": ThreadPoolExecutor(config.daemon.max_concurrent_crawls),
            "alerts": ThreadPoolExecutor(1),
            "report": ThreadPoolExecutor(1),
            "housekeeping": ThreadPoolExecutor(1),
        },
        job_defaults={
            # The library defaults drop runs (misfire_grace_time=1s) and allow overlaps only by accident.
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(config.daemon.misfire_grace.total_seconds()),
        },
        timezone="UTC",
    )
    start = now or datetime.now(UTC)
    for source_id, section in sorted(config.sources.items()):
        if not section.enabled:
            continue
        options: dict[str, Any] = {}
        if config.daemon.run_at_start:
            options["next_run_time"] = start
        scheduler.add_job(
            scheduled_crawl,
            trigger_for(section),
            args=[runner, source_id],
            id=source_id,
            name=f"crawl {source_id}",
            **options,
        )
    # Outcomes kept while the database was away are written, and orphaned `running` rows reaped, every minute.
    scheduler.add_job(
        runner.housekeeping,
        IntervalTrigger(seconds=HOUSEKEEPING_EVERY_S, timezone="UTC"),
        id="housekeeping",
        name="runs: write kept outcomes, reap orphans",
        executor="housekeeping",
    )
    add_shared_jobs(scheduler, config, runner.sessions, start)
    return scheduler


def add_shared_jobs(
    scheduler: BaseScheduler,
    config: AppConfig,
    sessions: sessionmaker[Session],
    start: datetime,
    only_if: Callable[[], bool] | None = None,
) -> None:
    """The jobs made once for the whole store: alert ticks and deliveries, the weekly report.

    In a cluster every scheduler adds them with `only_if` = "this process holds the lease", so one runs them.
    """

    def guarded(job: Callable[..., object]) -> Callable[..., object]:
        if only_if is None:
            return job

        def when_leader(*args: object) -> object:
            return job(*args) if only_if() else None

        when_leader.__name__ = getattr(job, "__name__", "job")
        return when_leader

    if config.alerts.enabled:
        # Time-driven alert transitions (`for`, repeats, staleness) and outbox retries, on their own thread.
        scheduler.add_job(
            guarded(periodic),
            IntervalTrigger(seconds=config.alerts.delivery.interval.total_seconds(), timezone="UTC"),
            args=[sessions, config.alerts],
            id="alerts",
            name="alerts: tick and deliver",
            executor="alerts",
            next_run_time=start,
        )
    if config.report.enabled:
        # Last week's report on the [report] cron. The hourly check makes a report whose time passed while the
        # daemon was down (or whose making failed, say Chromium was missing) late instead of never; each week's
        # report is made and sent once, both jobs share one thread.
        kinds = dict(SOURCE_KINDS)
        report_args = [sessions, config, kinds]
        scheduler.add_job(
            guarded(scheduled_report),
            crontab_trigger(config.report.cron, timezone=config.report.timezone),
            args=report_args,
            id="report",
            name="weekly report",
            executor="report",
            misfire_grace_time=None,
        )
        scheduler.add_job(
            guarded(scheduled_report),
            IntervalTrigger(hours=1, timezone="UTC"),
            args=report_args,
            id="report_catch_up",
            name="weekly report: catch up",
            executor="report",
            next_run_time=start,
        )


class Daemon:
    """`aipulse run`: schedules every enabled source until SIGTERM or SIGINT, then stops within a bounded time."""

    def __init__(self, config: AppConfig, engine: Engine) -> None:
        self.config = config
        self.runner = CrawlRunner(config, engine)
        self.stop_requested = threading.Event()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s: stopping", signal.Signals(signum).name)
        self.stop_requested.set()

    def _start_web(self, scheduler: BackgroundScheduler) -> Any:
        """With `[web] listen` set, the dashboard and /metrics in a thread of their own (None otherwise)."""
        if self.config.web.listen is None:
            return None
        from monitor.web.app import WebServer, create_app

        kinds = dict(SOURCE_KINDS)
        app = create_app(self.config, self.runner.engine, kinds, scheduler=scheduler, runner=self.runner)
        server = WebServer(app, self.config.web.listen)
        server.start()
        logger.info("dashboard on http://%s/ (metrics at /metrics)", self.config.web.listen)
        return server

    def run(self) -> int:
        """Run until asked to stop; returns the process exit code."""
        self.runner.close_orphans()
        if self.config.daemon.warm_spare:
            self.runner.keep_warm()
        scheduler = build_scheduler(self.config, self.runner)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        web = status = None
        try:
            scheduler.start()
            web = self._start_web(scheduler)
            status = start_answering(self.config, self.runner.engine)
            for job in scheduler.get_jobs():
                logger.info("scheduled %s: %s, next run %s", job.id, job.trigger, job.next_run_time)
            if not scheduler.get_jobs():
                logger.warning("no source is enabled in %s: nothing to do until one is", self.config.path)
            clock = ClockWatch(scheduler)  # a wall clock stepped back must not hold interval jobs back
            while not self.stop_requested.wait(1.0):
                clock.check()
        finally:
            grace = self.config.daemon.shutdown_grace.total_seconds()
            if web is not None:
                web.stop(grace)
            if status is not None:
                status.stop()
            scheduler.shutdown(wait=False)
            self.runner.stop(grace)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("stopped")
        return 0
