"""Notices the wall clock stepping (NTP, a VM restore) and keeps interval jobs on their real-time cadence.

APScheduler keeps each job's next run as a wall-clock time: after a step back of an hour every interval job
would wait an extra hour. The watch compares the wall clock with the monotonic one; on a step back it moves
every interval job's next run back by the step (cron jobs keep their wall-clock times, as a cron does).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

#: a difference between the wall and the monotonic clock smaller than this is drift, not a step
STEP_THRESHOLD = timedelta(seconds=30)


def _wall_now() -> datetime:
    return datetime.now(UTC)


class ClockWatch:
    """Call `check()` often (the daemon does every second); it returns the step it corrected, if any."""

    def __init__(
        self,
        scheduler: BaseScheduler,
        *,
        wall: Callable[[], datetime] = _wall_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scheduler = scheduler
        self._wall = wall
        self._monotonic = monotonic
        self._reference = (wall(), monotonic())

    def check(self) -> timedelta | None:
        """Compare both clocks since the last check; a step back moves the interval jobs back by as much."""
        wall, mono = self._wall(), self._monotonic()
        then_wall, then_mono = self._reference
        self._reference = (wall, mono)
        step = (wall - then_wall) - timedelta(seconds=mono - then_mono)
        if abs(step) < STEP_THRESHOLD:
            return None
        if step > timedelta(0):
            logger.warning("the wall clock jumped forward by %s: runs that were due run now (coalesced)", step)
            return step
        moved = []
        for job in self.scheduler.get_jobs():
            if isinstance(job.trigger, IntervalTrigger) and job.next_run_time is not None:
                job.modify(next_run_time=job.next_run_time + step)
                moved.append(job.id)
        logger.warning(
            "the wall clock stepped back by %s: the next run of %d interval jobs moved back as much (%s), "
            "so none waits for the step", -step, len(moved), ", ".join(moved) or "none",
        )  # fmt: skip
        return step
