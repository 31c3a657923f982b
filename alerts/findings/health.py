"""Health rules: a source failing runs in a row, blocked, bringing far fewer items than usual, or stale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from alerts.scope import Scope
from alerts.series import Finding, text
from core.config.alert_rules import HealthRule
from core.durations import format_duration
from storage.models import CrawlRun
from storage.runs import recent_runs


@dataclass(frozen=True)
class SourceHealth:
    """What "failing" and "stale" look at: failed runs in a row, the last success, the age of the data."""

    failures: int
    last_success: datetime | None
    age: timedelta | None


def source_health(runs: Sequence[CrawlRun], now: datetime) -> SourceHealth:
    """A source's failures in a row and data age from its finished runs (newest first).

    The age runs from the last success, or from the oldest run seen when none succeeded.
    """
    failures = 0
    for run in runs:
        if run.status == "succeeded":
            break
        failures += 1
    success = next((r for r in runs if r.status == "succeeded"), None)
    last_success = (success.finished_at or success.started_at) if success else None
    reference = last_success or min((r.started_at for r in runs), default=None)
    return SourceHealth(failures, last_success, now - reference if reference is not None else None)


def find(rule: HealthRule, source: str, run: CrawlRun | None, scope: Scope) -> Finding:
    """A source's health under one check, from its recent crawl_runs (`run`: the run just evaluated, if any)."""
    series = {"source": source}
    runs = [r for r in recent_runs(scope.session, source, limit=max(2 * rule.runs, 20))
            if r.status not in ("running", "cancelled")]  # fmt: skip
    last = runs[0] if runs else None
    health = source_health(runs, scope.now)
    context: dict[str, Any] = {
        "item": "runs", "label": source, "labels": {"source": source}, "source": source, "check": rule.check,
        "url": None, "observed_at": (last.finished_at or last.started_at) if last else None,
        "last_status": last.status if last else None, "last_error": last.error if last else None,
        "last_success": health.last_success,
    }  # fmt: skip
    if last is None:
        return Finding(series, None, context)
    if rule.check == "failing":
        context.update(failures=health.failures, runs=rule.runs)
        return Finding(series, health.failures >= rule.runs, context)
    if rule.check == "blocked":
        return Finding(series, last.status == "blocked", context)
    if rule.check == "low_items":
        return _low_items(rule, run or last, runs, series, context)
    assert rule.stale_after is not None and health.age is not None
    context.update(age=format_duration(timedelta(seconds=int(health.age.total_seconds()))),
                   stale_after=format_duration(rule.stale_after))  # fmt: skip
    return Finding(series, health.age > rule.stale_after, context)


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


def _fetched(run: CrawlRun) -> int:
    details = run.details or {}
    fetched = details.get("items_fetched")
    return int(fetched) if isinstance(fetched, int) else run.items_stored + run.items_unchanged
