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
    "finish_run",
    "has_demo_runs",
    "last_runs",
    "recent_runs",
    "recent_runs_with_details",
    "start_run",
]

RUN_STATUSES = ("running", "succeeded", "failed", "blocked", "aborted", "cancelled")
#: the trigger of every run `aipulse demo` records: its rows are demo data, and every view says so
DEMO_TRIGGER = "demo"


def start_run(session: Session, source: str, trigger: str, started_at: datetime, pid: int | None) -> CrawlRun:
    """Insert a `running` row for a run that starts now."""
    run = CrawlRun(source=source, trigger=trigger, status="running", started_at=started_at, pid=pid)
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


def abort_orphaned_runs(session: Session, now: datetime, *, alive: Iterable[int] = ()) -> list[int]:
    """Close as `aborted` every `running` row whose process is gone (its pid not in `alive`)."""
    alive_pids = set(alive)
    closed: list[int] = []
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
        if run.pid is not None and run.pid in alive_pids:
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


def has_demo_runs(session: Session, *, before: datetime | None = None) -> bool:
    """True when the store holds runs of `aipulse demo` (started before `before`, when given): demo data."""
    query = select(CrawlRun.id).where(CrawlRun.trigger == DEMO_TRIGGER)
    if before is not None:
        query = query.where(CrawlRun.started_at < before)
    return session.scalar(query.limit(1)) is not None
