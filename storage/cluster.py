"""The cluster's own tables: worker heartbeats and the one-job-a-slot ledger, and which runs are orphaned."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
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
    session: Session, now: datetime, *, here: str, alive_here: Iterable[int], keep: Iterable[int] = ()
) -> list[CrawlRun]:
    """`running` rows nobody runs any more.

    A run of this host (or one that names no host: recorded before workers were) is orphaned when its crawl
    process is not in `alive_here`; a run of another host only when its worker missed its heartbeats, since
    this host cannot see that host's processes.
    """
    alive_pids, kept = set(alive_here), set(keep)
    live = {(w.host, w.pid) for w in live_workers(session, now)}
    found = []
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running").order_by(CrawlRun.id)):
        if run.id in kept:
            continue
        if run.worker_host is None or run.worker_host == here:
            if run.pid is not None and run.pid in alive_pids:
                continue
        elif (run.worker_host, run.worker_pid) in live:
            continue
        found.append(run)
    return found


def abort_runs(runs: Iterable[CrawlRun], now: datetime, error: str) -> list[int]:
    """Close every run of `runs` as `aborted` with `error`; returns their ids."""
    closed = []
    for run in runs:
        run.status, run.finished_at, run.error = "aborted", now, error
        closed.append(run.id)
    return closed
