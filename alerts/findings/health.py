"""Health rules: a source failing runs in a row, blocked, bringing far fewer items than usual, stale, or drifted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from alerts.scope import Scope
from alerts.series import Finding, text
from core.config.alert_rules import HealthRule
from core.durations import format_duration
from storage.health import source_health
from storage.models import CrawlRun
from storage.runs import open_drift, recent_runs

#: the most diff lines a drift message shows (the run's details keep up to 100 of each)
DRIFT_LINES_SHOWN = 30


def find(rule: HealthRule, source: str, run: CrawlRun | None, scope: Scope) -> Finding:
    """A source's health under one check, from its recent crawl_runs (`run`: the run just evaluated, if any)."""
    series = {"source": source}
    runs = [r for r in recent_runs(scope.session, source, limit=max(2 * rule.runs, 20))
            if r.status not in ("running", "cancelled")]  # fmt: skip
    last = runs[0] if runs else None
    # The one definition of failing and stale (storage.health); a rule brings its own `stale_after`.
    health = source_health(runs, None, scope.now)
    age = health.age(scope.now)
    context: dict[str, Any] = {
        "item": "runs", "label": source, "labels": {"source": source}, "source": source, "check": rule.check,
        "url": None, "observed_at": (last.finished_at or last.started_at) if last else None,
        "last_status": last.status if last else None, "last_error": last.error if last else None,
        "last_success": health.last_success_at,
    }  # fmt: skip
    if last is None:
        return Finding(series, None, context)
    if rule.check == "failing":
        context.update(failures=health.failures_in_row, runs=rule.runs)
        recorded = (last.details or {}).get("drift")
        if last.status == "failed" and isinstance(recorded, dict):  # the answers changed shape and broke the parser
            context.update(_drift_context(recorded, last))
        return Finding(series, health.failures_in_row >= rule.runs, context)
    if rule.check == "blocked":
        return Finding(series, last.status == "blocked", context)
    if rule.check == "low_items":
        return _low_items(rule, run or last, runs, series, context)
    if rule.check == "drift":
        return _drift(last, series, context)
    assert rule.stale_after is not None and age is not None
    context.update(age=format_duration(timedelta(seconds=int(age.total_seconds()))),
                   stale_after=format_duration(rule.stale_after))  # fmt: skip
    return Finding(series, age > rule.stale_after, context)


def _low_items(
    rule: HealthRule, run: CrawlRun, runs: Sequence[CrawlRun], series: dict[str, Any], context: dict[str, Any]
) -> Finding:
    if run.status != "succeeded":
        return Finding(series, None, context)
    earlier = [_fetched(r) for r in runs if r.status == "succeeded" and r.id < run.id][: rule.runs]
    items = _fetched(run)
    context.update(items=items)
    if len(earlier) < min(3, rule.runs):
        return Finding(series, None, context)
    usual = Decimal(median(earlier))
    context.update(usual_items=text(usual), ratio=text(rule.ratio))
    return Finding(series, usual > 0 and items < rule.ratio * usual, context)


def _drift(last: CrawlRun, series: dict[str, Any], context: dict[str, Any]) -> Finding:
    """Drifted while the newest run succeeded on answers of an unaccepted new shape.

    A run that failed gives no verdict: when the new shape also broke the parser, the `failing` rule speaks.
    """
    if last.status != "succeeded":
        return Finding(series, None, context)
    drift = open_drift(last)
    if drift is None:
        return Finding(series, False, context)
    context.update(_drift_context(drift, last))
    return Finding(series, True, context)


def _drift_context(drift: dict[str, Any], run: CrawlRun) -> dict[str, Any]:
    """A recorded drift as message context: counts, the diff lines (`+`, `-`, `~`), the runs compared."""
    added, removed, changed = (list(drift.get(key) or []) for key in ("added", "removed", "changed"))
    lines = [f"+ {p}" for p in added] + [f"- {p}" for p in removed] + [f"~ {p}" for p in changed]
    shown = lines[:DRIFT_LINES_SHOWN] + (
        [f"… and {len(lines) - DRIFT_LINES_SHOWN} more"] if len(lines) > DRIFT_LINES_SHOWN else []
    )
    return {"drift_added": len(added), "drift_removed": len(removed), "drift_changed": len(changed),
            "drift_diff": "\n".join(shown), "against_run": drift.get("against_run"), "drift_run": run.id}  # fmt: skip


def _fetched(run: CrawlRun) -> int:
    details = run.details or {}
    fetched = details.get("items_fetched")
    return int(fetched) if isinstance(fetched, int) else run.items_stored + run.items_unchanged
