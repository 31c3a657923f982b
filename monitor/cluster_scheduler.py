"""`aipulse run --role scheduler` on PostgreSQL: every scheduler defers the same (source, slot) jobs, once each.

Each scheduler computes the slots from the config alone (APScheduler triggers; an `every` cadence is anchored at
the Unix epoch, jitter is a fixed offset per (source, slot)), so all of them agree without talking to each other.
A slot is inserted into `cluster_slots` and its job deferred in one transaction: the first scheduler's insert
wins, the others' do nothing, and a scheduler killed mid-way leaves neither. Jobs nobody took within
`daemon.misfire_grace` become failed runs, so health alerts see a missing worker instead of a silent queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import after_run
from core.config import AppConfig, SourceConfig
from core.cron import crontab_trigger
from monitor.cluster_queue import CRAWL_TASK, conninfo, fingerprint, make_app, queue_for, slot_offset, tags_of_queue
from monitor.scheduler import market_open_for
from storage.cluster import live_workers
from storage.runs import finish_run, start_run

__all__ = ["ClusterScheduler", "Lease", "SlotPlan", "slot_trigger"]

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: how often a scheduler looks for due slots and for jobs nobody took
TICK_S = 0.25
SWEEP_EVERY_S = 5.0
#: how long the one-job-a-slot ledger remembers a slot (at least twice the misfire grace)
SLOT_MEMORY = timedelta(days=2)


def slot_trigger(section: SourceConfig) -> BaseTrigger:
    """The source's trigger without random jitter, an `every` anchored at the epoch: the same slots everywhere."""
    if section.cron is not None:
        return crontab_trigger(section.cron, timezone=section.timezone)
    assert section.every is not None
    return IntervalTrigger(seconds=section.every.total_seconds(), start_date=EPOCH, timezone=section.timezone)


class SlotPlan:
    """The next slot of every enabled source; `due(now)` hands out the slots that came, oldest first."""

    def __init__(self, config: AppConfig, now: datetime) -> None:
        self.triggers = {s: slot_trigger(c) for s, c in sorted(config.sources.items()) if c.enabled}
        self.next: dict[str, datetime | None] = {s: t.get_next_fire_time(None, now) for s, t in self.triggers.items()}

    def due(self, now: datetime, grace: timedelta) -> Iterator[tuple[str, datetime]]:
        """Every (source, slot) at or before `now`; slots older than `grace` are passed over (coalesced)."""
        for source, trigger in self.triggers.items():
            slot = self.next[source]
            while slot is not None and slot <= now:
                if now - slot <= grace:
                    yield source, slot.astimezone(UTC)
                slot = trigger.get_next_fire_time(slot, slot + timedelta(microseconds=1))
            self.next[source] = slot


@dataclass(frozen=True)
class WaitingJob:
    id: int
    source: str
    slot: datetime
    queue: str
    trigger: str = "schedule"


class Lease:
    """A PostgreSQL advisory lock held by one process of the cluster at a time (for the periodic jobs)."""

    def __init__(self, url: str, key: int) -> None:
        self.url, self.key = url, key
        self._connection: psycopg.Connection[Any] | None = None

    def held(self) -> bool:
        """Whether this process holds the lease now, taking it when free; a lost connection loses it."""
        try:
            if self._connection is not None and not self._connection.closed:
                self._connection.execute("SELECT 1")
                return True
            self._connection = psycopg.connect(conninfo(self.url), autocommit=True)
            row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
            if row is not None and row[0]:
                return True
            self._connection.close()
            self._connection = None
            return False
        except psycopg.Error:
            self._connection = None
            return False

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class ClusterScheduler:
    """Defers each due (source, slot) once across the cluster and fails jobs left waiting past the grace."""

    def __init__(self, config: AppConfig, sessions: sessionmaker[Session], url: str) -> None:
        self.config, self.sessions, self.url = config, sessions, url
        self.fingerprint = fingerprint(config)
        self.app = make_app(url)
        self.grace = config.daemon.misfire_grace
        self._connection: psycopg.Connection[Any] | None = None

    def _db(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(conninfo(self.url))
        return self._connection

    def defer(self, source: str, slot: datetime) -> int | None:
        """Queue the job of (source, slot) unless a scheduler did; its id, or None when it was there already."""
        section = self.config.sources[source]
        queue = queue_for(section.tags)
        when = slot + slot_offset(source, slot, section.jitter)
        connection = self._db()
        try:
            with connection.transaction():
                inserted = connection.execute(
                    "INSERT INTO cluster_slots (source, slot_at, queue, fingerprint, deferred_at)"
                    " VALUES (%s, %s, %s, %s, now()) ON CONFLICT DO NOTHING RETURNING source",
                    (source, slot, queue, self.fingerprint),
                ).fetchone()
                if inserted is None:
                    return None
                deferrer = self.app.configure_task(
                    CRAWL_TASK, lock=source, queueing_lock=f"{source}@{slot.isoformat()}", queue=queue,
                    schedule_at=when, connection=connection,
                )  # fmt: skip
                job_id = deferrer.defer(source=source, slot=slot.isoformat(), fingerprint=self.fingerprint)
                connection.execute(
                    "UPDATE cluster_slots SET job_id = %s WHERE source = %s AND slot_at = %s", (job_id, source, slot)
                )
        except psycopg.Error:
            connection.close()
            raise
        logger.debug("%s: slot %s queued as job %s on %s", source, slot.isoformat(), job_id, queue)
        return job_id

    def waiting_too_long(self, now: datetime) -> list[WaitingJob]:
        """Crawl jobs still waiting `misfire_grace` after their time (a fallback's time: when it was queued)."""
        rows = (
            self._db()
            .execute(
                "SELECT id, args, queue_name FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'"
                " AND coalesce(scheduled_at, (args->>'slot')::timestamptz) < %s ORDER BY id",
                (CRAWL_TASK, now - self.grace),
            )
            .fetchall()
        )
        self._db().commit()
        return [WaitingJob(r[0], r[1]["source"], datetime.fromisoformat(r[1]["slot"]), r[2],
                           r[1].get("trigger", "schedule")) for r in rows]  # fmt: skip

    def fail_waiting(self, now: datetime) -> list[int]:
        """Cancel every job nobody took in time and record it as a failed run (one scheduler wins each cancel)."""
        failed = []
        for job in self.waiting_too_long(now):
            connection = self._db()
            with connection.transaction():
                cancelled = self.app.job_manager.cancel_job_by_id(job.id, connection=connection)
            if not cancelled:
                continue
            error = self._why_not_taken(job, now)
            with self.sessions.begin() as session:
                slot = job.slot if job.trigger == "schedule" else None  # a fallback has no slot of its own
                run = start_run(session, job.source, job.trigger, now, None, scheduled_for=slot)
                finish_run(session, run.id, status="failed", finished_at=now, error=error)
                run_id = run.id
            logger.error("%s: slot %s: %s", job.source, job.slot.isoformat(), error)
            after_run(self.sessions, self.config.alerts, run_id, now=now)
            failed.append(run_id)
        return failed

    def forget_old_slots(self, now: datetime) -> None:
        """Drop `cluster_slots` rows long past: a slot older than the grace is never queued again anyway."""
        keep_for = max(SLOT_MEMORY, 2 * self.grace)
        with self._db().transaction():
            self._db().execute("DELETE FROM cluster_slots WHERE slot_at < %s", (now - keep_for,))

    def _why_not_taken(self, job: WaitingJob, now: datetime) -> str:
        needed = set(tags_of_queue(job.queue))
        with self.sessions() as session:
            able = [w for w in live_workers(session, now) if w.role != "scheduler" and needed <= set(w.tags.split(","))
                    - {""}]  # fmt: skip
        tags = ",".join(sorted(needed))
        if not able:
            return f"no worker with tags {tags} took the job within {self.grace}" if tags else (
                f"no worker took the job within {self.grace}")  # fmt: skip
        return f"the {len(able)} worker(s) able to take it were busy for {self.grace}"

    def run(self, stop: threading.Event, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """Defer slots as they come and fail stale jobs until `stop` is set; database errors are waited out."""
        plan = SlotPlan(self.config, now())
        last_sweep = 0.0
        while not stop.wait(TICK_S):
            current = now()
            try:
                for source, slot in plan.due(current, self.grace):
                    if self.config.sources[source].market_hours and not market_open_for(self.config, source, slot):
                        continue
                    self.defer(source, slot)
                if current.timestamp() - last_sweep >= SWEEP_EVERY_S:
                    last_sweep = current.timestamp()
                    self.fail_waiting(current)
                    self.forget_old_slots(current)
            except (psycopg.Error, SQLAlchemyError) as exc:  # PostgreSQL away: another scheduler may be up
                logger.warning("scheduler: the queue is unavailable: %s", str(exc).splitlines()[0])
            except Exception:  # a bug must not leave a scheduler that looks alive but queues nothing
                logger.exception("scheduler: slot pass failed; the next tick tries again")
        if self._connection is not None:
            self._connection.close()
