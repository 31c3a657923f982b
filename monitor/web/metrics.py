"""`/metrics`: a prometheus_client Collector that reads the store at scrape time (nothing is counted in memory,
so the numbers are the same whichever process serves them and survive restarts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import case, func, select

from monitor.health import source_health
from monitor.web.context import WebState
from storage.alert_models import AlertState, OutboxNotification, QuarantinedObservation
from storage.models import CrawlRun

#: run-duration histogram bucket bounds, seconds
DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


def _seconds_between(session: Any, start: Any, end: Any) -> Any:
    """SQL for the seconds from `start` to `end` (at least 0), counted in the database, not row by row here."""
    if session.get_bind().dialect.name == "sqlite":
        spent = (func.julianday(end) - func.julianday(start)) * 86400.0
    else:
        spent = func.extract("epoch", end - start)
    return case((spent < 0, 0.0), else_=spent)


class StoreCollector(Collector):
    """Every aipulse metric, from crawl_runs, the alert tables and (when served by the daemon) the scheduler."""

    def __init__(self, state: WebState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        now = self.state.now()
        with self.state.session() as session:
            yield from self._runs(session)
            yield from self._health(session, now)
            yield from self._alerts(session)
        yield from self._scheduler(now)

    def _runs(self, session: Any) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            "aipulse_crawl_runs", "Crawl runs by source and final status", labels=["source", "status"]
        )
        stored = CounterMetricFamily("aipulse_items_stored", "Items stored by crawl runs", labels=["source"])
        dropped = CounterMetricFamily(
            "aipulse_items_dropped", "Items dropped (invalid) by crawl runs", labels=["source"]
        )
        query = select(CrawlRun.source, CrawlRun.status, func.count(), func.sum(CrawlRun.items_stored),
                       func.sum(CrawlRun.items_dropped)).group_by(CrawlRun.source, CrawlRun.status)  # fmt: skip
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for source, status, count, items, drops in session.execute(query):
            runs.add_metric([source, status], count)
            totals[source][0] += int(items or 0)
            totals[source][1] += int(drops or 0)
        for source, (items, drops) in sorted(totals.items()):
            stored.add_metric([source], items)
            dropped.add_metric([source], drops)
        yield from (runs, stored, dropped)
        histogram = HistogramMetricFamily("aipulse_crawl_run_duration_seconds", "Duration of finished crawl runs",
                                          labels=["source"])  # fmt: skip
        seconds = _seconds_between(session, CrawlRun.started_at, CrawlRun.finished_at)
        bucketed = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in DURATION_BUCKETS]
        query = (
            select(CrawlRun.source, func.count(), func.sum(seconds), *bucketed)
            .where(CrawlRun.finished_at.is_not(None))
            .group_by(CrawlRun.source)
            .order_by(CrawlRun.source)
        )
        for source, count, total, *within in session.execute(query):
            buckets = [(str(bound), int(n or 0)) for bound, n in zip(DURATION_BUCKETS, within, strict=True)]
            buckets.append(("+Inf", int(count)))
            histogram.add_metric([source], buckets, float(total or 0))
        yield histogram

    def _health(self, session: Any, now: datetime) -> Iterator[Metric]:
        last_success = GaugeMetricFamily(
            "aipulse_source_last_success_timestamp_seconds",
            "Unix time of each source's last successful run",
            labels=["source"],
        )
        healthy = GaugeMetricFamily(
            "aipulse_source_healthy",
            "1 when the source is ok, 0 when failing, stale or never run",
            labels=["source", "state"],
        )
        failures = GaugeMetricFamily("aipulse_source_failures_in_row", "Failed runs in a row", labels=["source"])
        for h in source_health(session, self.state.config, self.state.kinds, now):
            if not h.enabled:
                continue
            if h.last_success_at is not None:
                last_success.add_metric([h.source], h.last_success_at.timestamp())
            healthy.add_metric([h.source, h.state], 1 if h.state == "ok" else 0)
            failures.add_metric([h.source], h.failures_in_row)
        yield from (last_success, healthy, failures)  # fmt: skip

    def _alerts(self, session: Any) -> Iterator[Metric]:
        alerts = GaugeMetricFamily("aipulse_alerts", "Alert series by rule and state", labels=["rule", "state"])
        for rule, state, count in session.execute(
            select(AlertState.rule, AlertState.state, func.count()).group_by(AlertState.rule, AlertState.state)
        ):
            alerts.add_metric([rule, state], count)
        outbox = GaugeMetricFamily("aipulse_outbox_notifications",
                                   "Outbox rows: pending, failed (pending after a failed attempt), expired, sent",
                                   labels=["status"])  # fmt: skip
        counts = dict.fromkeys(("pending", "failed", "expired", "sending", "sent"), 0)
        for status, failed, count in session.execute(
            select(OutboxNotification.status, OutboxNotification.last_error.is_not(None), func.count()).group_by(
                OutboxNotification.status, OutboxNotification.last_error.is_not(None)
            )
        ):
            counts[status] = counts.get(status, 0) + count
            if status == "pending" and failed:
                counts["failed"] += count
        for status, count in counts.items():
            outbox.add_metric([status], count)
        quarantined = GaugeMetricFamily("aipulse_quarantined_observations", "Points the quality gate quarantined",
                                        labels=["kind"])  # fmt: skip
        for kind, count in session.execute(
            select(QuarantinedObservation.kind, func.count()).group_by(QuarantinedObservation.kind)
        ):
            quarantined.add_metric([kind], count)
        yield from (alerts, outbox, quarantined)

    def _scheduler(self, now: datetime) -> Iterator[Metric]:
        scheduler = self.state.scheduler
        if scheduler is None:
            return
        lag = GaugeMetricFamily(
            "aipulse_scheduler_next_run_lag_seconds",
            "How far each job's next run time is in the past (0: not overdue)",
            labels=["job"],
        )
        upcoming = GaugeMetricFamily("aipulse_scheduler_next_run_timestamp_seconds", "Each job's next run time",
                                     labels=["job"])  # fmt: skip
        for job in scheduler.get_jobs():
            due = getattr(job, "next_run_time", None)  # a paused job has None, one not yet scheduled none at all
            if due is None:
                continue
            lag.add_metric([job.id], max(0.0, (now - due).total_seconds()))
            upcoming.add_metric([job.id], due.timestamp())
        yield from (lag, upcoming)


def registry_for(state: WebState) -> CollectorRegistry:
    """A registry of its own (not the process-global one) holding the store collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(state))
    return registry
