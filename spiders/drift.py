"""A run's drift: how the structure of its answers differs from the source's reference shape (storage.runs).

Computed when the storage pipeline closes the run, kept in `crawl_runs.details["drift"]`, read by the alerts'
`health` `check = "drift"` (a succeeded run) and shown by the `failing` rule's message (a failed one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from spiders.fingerprint import diff_fingerprints
from storage.runs import recent_runs, shape_reference

__all__ = ["run_drift"]

#: run statuses whose answers are compared: a blocked run read a block page, not the source
COMPARED_STATUSES = ("succeeded", "failed")


def run_drift(
    session: Session, source: str, run_id: int, status: str, fingerprint: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """How run `run_id`'s fingerprint differs from `source`'s reference shape; None when it does not.

    A success that reads the shape the run before it failed on is accepted at once: the `failing` alert
    reported that change with its diff, and a parser that now copes was fixed for it (one alert, not two).
    """
    if status not in COMPARED_STATUSES or not fingerprint:
        return None
    reference = shape_reference(session, source, run_id)
    if reference is None:
        return None
    diff = diff_fingerprints((reference.details or {}).get("fingerprint") or {}, fingerprint)
    if not diff:
        return None
    drift: dict[str, Any] = {
        "against_run": reference.id, "added": diff.added[:100], "removed": diff.removed[:100],
        "changed": diff.changed[:100],
    }  # fmt: skip
    before = next((r for r in recent_runs(session, source, 5) if r.id < run_id and r.status != "cancelled"), None)
    if status == "succeeded" and before is not None and before.status == "failed":
        earlier = (before.details or {}).get("drift")
        if isinstance(earlier, dict) and all(earlier.get(k) == drift[k] for k in ("added", "removed", "changed")):
            drift["accepted_at"] = now.isoformat()
            drift["accepted_because"] = f"run {before.id} failed on this shape; the parser copes now"
    return drift
