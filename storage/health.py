"""What "failing" and "stale" mean for a source: one pure verdict from its crawl runs, schedule and `now`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

__all__ = [
    "IGNORED_STATUSES",
    "STALE_AFTER_INTERVALS",
    "HealthState",
    "Run",
    "RunRecord",
    "SourceHealth",
    "source_health",
]

#: a source is stale when its last success is older than this many schedule intervals
STALE_AFTER_INTERVALS = 3
#: runs that say nothing about the source: still going, or stopped by us (shutdown, timeout of the daemon)
IGNORED_STATUSES = ("running", "cancelled")

HealthState = Literal["ok", "failing", "stale", "never", "disabled"]


class RunRecord(Protocol):
    """What the verdict reads of a run: a `storage.models.CrawlRun` row or a plain `Run`."""

    @property
    def status(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class Run:
    """A crawl run as plain data (tests, callers that hold no rows)."""

    status: str
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class SourceHealth:
    """One source's health at one moment.

    `failing`: the newest run that counts did not succeed (`failures_in_row` of them in a row);
    `stale`: it did, but the last success ended more than STALE_AFTER_INTERVALS schedule intervals ago;
    `never`: no run counts yet; `disabled`: switched off in the config, whatever its runs say.
    """

    state: HealthState
    failures_in_row: int
    #: the newest run that counts (not running, not cancelled), if any
    last_run: RunRecord | None
    #: when the newest successful run ended (its start when it has no end)
    last_success_at: datetime | None
    #: what freshness is measured from: the last success, else the oldest run that counts
    fresh_since: datetime | None

    def age(self, now: datetime) -> timedelta | None:
        """How old the source's data is at `now` (None: it never ran)."""
        return None if self.fresh_since is None else now - self.fresh_since


def _ended(run: RunRecord) -> datetime:
    return run.finished_at or run.started_at


def source_health(
    runs: Iterable[RunRecord], schedule: timedelta | None, now: datetime, *, enabled: bool = True
) -> SourceHealth:
    """The health of a source at `now` from its runs (newest first), given its schedule interval (None: runs
    on demand only, so never stale). Runs started after `now` and runs that do not count are left out."""
    counted = [r for r in runs if r.status not in IGNORED_STATUSES and r.started_at <= now]
    failures = 0
    for run in counted:
        if run.status == "succeeded":
            break
        failures += 1
    success = next((r for r in counted if r.status == "succeeded"), None)
    last_success_at = _ended(success) if success is not None else None
    fresh_since = last_success_at or (counted[-1].started_at if counted else None)
    state: HealthState
    if not enabled:
        state = "disabled"
    elif not counted:
        state = "never"
    elif failures:
        state = "failing"
    elif schedule and last_success_at and now - last_success_at > schedule * STALE_AFTER_INTERVALS:
        state = "stale"
    else:
        state = "ok"
    return SourceHealth(state, failures, counted[0] if counted else None, last_success_at, fresh_since)
