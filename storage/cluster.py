"""The cluster's own tables: worker heartbeats and the one-job-a-slot ledger, and which runs are orphaned."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import ClusterWorker, CrawlRun

__all__ = [
    "HEARTBEATS_MISSED",
    "WorkerIdentity",
    "abort_runs",
    "beat",
    "live_workers",
    "orphaned_runs",
    "sign_off",
]

#: a worker whose last heartbeat is older than this many of its own intervals is taken for dead
HEARTBEATS_MISSED = 5


@dataclass(frozen=True)
class WorkerIdentity:
    """Who runs crawls: host, pid of the daemon or worker process, and the tags it covers."""

    host: str
    pid: int
    tags: tuple[str, ...] = ()

    @classmethod
    def this_process(cls, tags: Iterable[str] = ()) -> WorkerIdentity:
        import os

        return cls(socket.gethostname(), os.getpid(), tuple(sorted(set(tags))))

    @property
    def tags_text(self) -> str:
        return ",".join(self.tags)


def beat(
    session: Session, who: WorkerIdentity, *, role: str, fingerprint: str, now: datetime, every: timedelta
) -> None:
    """Record that `who` is alive now (its row is created on the first beat)."""
    row = session.scalar(select(ClusterWorker).where(ClusterWorker.host == who.host, ClusterWorker.pid == who.pid))
    if row is None:
        session.add(
            ClusterWorker(
                host=who.host, pid=who.pid, role=role, tags=who.tags_text, fingerprint=fingerprint,
                started_at=now, heartbeat_at=now, heartbeat_every_s=every.total_seconds(),
            )
        )  # fmt: skip
        return
    row.heartbeat_at, row.role, row.tags, row.fingerprint = now, role, who.tags_text, fingerprint
    row.heartbeat_every_s = every.total_seconds()


def sign_off(session: Session, who: WorkerIdentity) -> None:
    """A worker stopping cleanly removes its heartbeat row."""
    session.execute(delete(ClusterWorker).where(ClusterWorker.host == who.host, ClusterWorker.pid == who.pid))


def is_alive(worker: ClusterWorker, now: datetime) -> bool:
    """Whether `worker` sent a heartbeat within HEARTBEATS_MISSED of its intervals."""
    return worker.heartbeat_at >= now - timedelta(seconds=worker.heartbeat_every_s * HEARTBEATS_MISSED)


def live_workers(session: Session, now: datetime) -> list[ClusterWorker]:
    """The workers whose heartbeat is recent, by host and pid."""
    workers = session.scalars(select(ClusterWorker).order_by(ClusterWorker.host, ClusterWorker.pid))
    return [w for w in workers if is_alive(w, now)]


def orphaned_runs(
    session: Session,
    now: datetime,
    *,
    me: WorkerIdentity,
    crawl_alive: Callable[[int], bool],
    process_alive: Callable[[int], bool],
    keep: Callable[[], set[int]] = set,
) -> list[CrawlRun]:
    """`running` rows nobody runs any more, as `me` can tell.

    Another host's run is orphaned only when its worker missed its heartbeats (this host cannot see that host's
    processes); another process's run on this host when that process is gone; a run of `me` (or one that names
    no worker: recorded before workers were) when its crawl process is gone. `keep()` is asked after the rows
    are read: the runs `me` has in flight (a run is in it before its row is committed).
    """
    rows = list(session.scalars(select(CrawlRun).where(CrawlRun.status == "running").order_by(CrawlRun.id)))
    kept = keep()
    live = {(w.host, w.pid) for w in live_workers(session, now)}
    found = []
    for run in rows:
        if run.id in kept:
            continue
        if run.worker_host is not None and run.worker_host != me.host:
            if (run.worker_host, run.worker_pid) in live:
                continue
        elif run.worker_pid is not None and run.worker_pid != me.pid:
            if process_alive(run.worker_pid):
                continue
        elif run.pid is not None and crawl_alive(run.pid):
            continue
        found.append(run)
    return found


def abort_runs(session: Session, runs: Iterable[CrawlRun], now: datetime, error: str) -> list[int]:
    """Close every run of `runs` still `running` as `aborted` with `error`; returns the ids closed."""
    closed = []
    for run in runs:
        done = session.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run.id, CrawlRun.status == "running")
            .values(status="aborted", finished_at=now, error=error)
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0):
            closed.append(run.id)
    return closed
