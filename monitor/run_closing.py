"""Every run ends in a recorded terminal state, also when the database fails just then.

When the database is locked, full or down at the end of a crawl, the crawl's own transaction rolls back and
the daemon cannot write the run's outcome either. Leaving the row `running` hid the outage: health and the
`failing` rule skip running rows. So the outcome is retried with backoff, then kept in memory and written
by the daemon's housekeeping job as soon as the database takes it; a run whose start could not even be
recorded is inserted then, as failed, with its reason. Housekeeping also reaps orphaned `running` rows
periodically, not only at start.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import CrawlRun
from storage.runs import finish_run

__all__ = ["PendingCloses", "PendingRun"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingRun:
    """An outcome the database has not taken yet: close `run_id`, or insert a run that has none."""

    source: str
    run_id: int | None
    trigger: str
    status: str
    error: str
    started_at: datetime
    finished_at: datetime


class PendingCloses:
    """Outcomes waiting for the database, written by `flush` (the daemon calls it on its housekeeping tick)."""

    def __init__(self, sessions: sessionmaker[Session], *, delays_s: tuple[float, ...] = (0.5, 1.0, 2.0)) -> None:
        self.sessions = sessions
        self.delays_s = delays_s
        self._pending: dict[tuple[str, int | None, datetime], PendingRun] = {}
        self._lock = threading.Lock()

    def close(self, pending: PendingRun) -> bool:
        """Write `pending` now, retrying with backoff; kept for `flush` when the database still refuses."""
        for delay in (0.0, *self.delays_s):
            time.sleep(delay)
            if self._write(pending):
                return True
        with self._lock:
            self._pending[(pending.source, pending.run_id, pending.started_at)] = pending
        logger.error(
            "%s: the database does not take the outcome of run %s (%s: %s); kept in memory, written when it returns",
            pending.source, pending.run_id if pending.run_id is not None else "(not recorded)", pending.status,
            pending.error,
        )  # fmt: skip
        return False

    def flush(self) -> list[PendingRun]:
        """Write every kept outcome the database now takes; returns those written."""
        with self._lock:
            waiting = list(self._pending.items())
        written = []
        for key, pending in waiting:
            if self._write(pending):
                written.append(pending)
                with self._lock:
                    self._pending.pop(key, None)
        if written:
            logger.warning("wrote %d run outcome(s) kept while the database was unavailable", len(written))
        return written

    def run_ids(self) -> set[int]:
        """The recorded runs whose outcome is still waiting (orphan reaping must leave them alone)."""
        with self._lock:
            return {p.run_id for p in self._pending.values() if p.run_id is not None}

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def _write(self, pending: PendingRun) -> bool:
        try:
            with self.sessions.begin() as session:
                if pending.run_id is None:
                    session.add(
                        CrawlRun(
                            source=pending.source, trigger=pending.trigger, status=pending.status,
                            started_at=pending.started_at, finished_at=pending.finished_at, error=pending.error,
                        )
                    )  # fmt: skip
                else:
                    run = session.get(CrawlRun, pending.run_id)
                    if run is not None and run.status == "running":
                        finish_run(session, pending.run_id, status=pending.status,
                                   finished_at=pending.finished_at, error=pending.error)  # fmt: skip
            return True
        except SQLAlchemyError as exc:
            logger.debug("run outcome not written yet: %s", str(exc).splitlines()[0])
            return False
