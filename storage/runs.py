"""The crawl_runs table: opening and closing runs, and reading a source's recent ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import CrawlRun

__all__ = [
    "DEMO_TRIGGER",
    "RUN_STATUSES",
    "abort_orphaned_runs",
    "accept_drift",
    "finish_run",
    "has_demo_runs",
    "last_runs",
    "newest_fingerprinted_run",
    "open_drift",
    "recent_runs",
    "recent_runs_with_details",
    "shape_reference",
    "start_run",
]

RUN_STATUSES = ("running", "succeeded", "failed", "blocked", "aborted", "cancelled")
#: the trigger of every run `aipulse demo` records: its rows are demo data, and every view says so
DEMO_TRIGGER = "demo"


def start_run(
    session: Session,
    source: str,
    trigger: str,
    started_at: datetime,
    pid: int | None,
    *,
    scheduled_for: datetime | None = None,
    worker: tuple[str, int, str] | None = None,
) -> CrawlRun:
    """Insert a `running` row for a run that starts now (for `scheduled_for`'s slot, by `worker` host/pid/tags)."""
    host, worker_pid, tags = worker if worker is not None else (None, None, None)
    run = CrawlRun(
        source=source, trigger=trigger, status="running", started_at=started_at, pid=pid,
        scheduled_for=scheduled_for, worker_host=host, worker_pid=worker_pid, worker_tags=tags,
    )  # fmt: skip
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    finished_at: datetime,
    stored: int = 0,
    unchanged: int = 0,
    dropped: int = 0,
    requests: int = 0,
    error: str | None = None,
    details: dict[str, Any] | None = None,
) -> CrawlRun:
    """Close a run with its outcome; a run already closed keeps its first outcome."""
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"not a final run status: {status!r}")
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"no crawl run {run_id}")
    if run.status == "running":
        run.status, run.finished_at, run.error = status, finished_at, error
        run.items_stored, run.items_unchanged, run.items_dropped, run.requests = stored, unchanged, dropped, requests
        run.details = details
    return run


def abort_orphaned_runs(
    session: Session, now: datetime, *, alive: Iterable[int] = (), keep: Iterable[int] = ()
) -> list[int]:
    """Close as `aborted` every `running` row whose process is gone (its pid not in `alive`), but not `keep`'s."""
    alive_pids, kept = set(alive), set(keep)
    closed: list[int] = []
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
        if (run.pid is not None and run.pid in alive_pids) or run.id in kept:
            continue
        run.status, run.finished_at = "aborted", now
        run.error = "the process running this crawl ended without closing it (killed or crashed)"
        closed.append(run.id)
    return closed


def recent_runs(session: Session, source: str, limit: int = 10, *, before: datetime | None = None) -> list[CrawlRun]:
    """The newest runs of one source (started before `before`, when given), newest first."""
    query = select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if before is not None:
        query = query.where(CrawlRun.started_at < before)
    return list(session.scalars(query.limit(limit)))


def recent_runs_with_details(session: Session, limit: int = 2000) -> list[CrawlRun]:
    """The newest finished runs that recorded details, newest first."""
    query = select(CrawlRun).where(CrawlRun.details.is_not(None), CrawlRun.status == "succeeded")
    return list(session.scalars(query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)))


def last_runs(session: Session) -> dict[str, CrawlRun]:
    """The newest run of every source that ever ran."""
    newest = select(CrawlRun.source, func.max(CrawlRun.id).label("newest")).group_by(CrawlRun.source).subquery()
    query = select(CrawlRun).join(newest, CrawlRun.id == newest.c.newest)
    return {run.source: run for run in session.scalars(query)}


def newest_fingerprinted_run(session: Session, source: str, before_id: int | None = None) -> CrawlRun | None:
    """The newest successful run of `source` (before run `before_id`) that stored a response fingerprint."""
    query = select(CrawlRun).where(CrawlRun.source == source, CrawlRun.status == "succeeded")
    if before_id is not None:
        query = query.where(CrawlRun.id < before_id)
    for run in session.scalars(query.order_by(CrawlRun.id.desc()).limit(50)):
        if isinstance(run.details, dict) and run.details.get("fingerprint"):
            return run
    return None


def open_drift(run: CrawlRun) -> dict[str, Any] | None:
    """The run's recorded drift while nobody accepted it (`aipulse sources accept-drift`), else None."""
    drift = (run.details or {}).get("drift")
    return drift if isinstance(drift, dict) and not drift.get("accepted_at") else None


def shape_reference(session: Session, source: str, before_id: int) -> CrawlRun | None:
    """The run whose fingerprint is `source`'s accepted shape, for comparing run `before_id` with.

    That is the newest fingerprinted success, unless it drifted unaccepted: then the run its drift was measured
    against, so a drift stays a drift run after run until the old shape returns or the new one is accepted.
    """
    newest = newest_fingerprinted_run(session, source, before_id)
    drift = open_drift(newest) if newest is not None else None
    if drift is not None and isinstance(drift.get("against_run"), int):
        return session.get(CrawlRun, drift["against_run"])
    return newest


def accept_drift(session: Session, source: str, accepted_at: datetime) -> CrawlRun | None:
    """Accept the shape of `source`'s newest fingerprinted run as the new reference; None when nothing drifted."""
    newest = newest_fingerprinted_run(session, source)
    drift = open_drift(newest) if newest is not None else None
    if newest is None or drift is None:
        return None
    details = dict(newest.details or {})
    details["drift"] = {**drift, "accepted_at": accepted_at.isoformat()}
    newest.details = details  # a new dict: the JSON column sees the change
    return newest


def has_demo_runs(session: Session, *, before: datetime | None = None) -> bool:
    """True when the store holds runs of `aipulse demo` (started before `before`, when given): demo data."""
    query = select(CrawlRun.id).where(CrawlRun.trigger == DEMO_TRIGGER)
    if before is not None:
        query = query.where(CrawlRun.started_at < before)
    return session.scalar(query.limit(1)) is not None
