"""The two calls the rest of aipulse makes: evaluate after a run, and the periodic tick + outbox flush."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import evaluate_after_run, tick
from alerts.outbox import DeliveryReport, deliver_pending
from alerts.states import Transition
from core.config.alerts import AlertsConfig

logger = logging.getLogger(__name__)


def after_run(
    sessions: sessionmaker[Session],
    config: AlertsConfig | None,
    run_id: int,
    *,
    now: datetime | None = None,
    deliver: bool = True,
) -> list[Transition]:
    """Evaluate the rules on what run `run_id` stored (own transaction), then send what it queued when `deliver`.

    Safe to call twice for one run (the crawl process and the daemon may both call it). A database error is
    logged with the run id and leaves the stored data alone: alerts never undo a crawl.
    """
    if config is None or not config.enabled or not config.rules:
        return []
    now = now or datetime.now(UTC)
    try:
        with sessions.begin() as session:
            transitions = evaluate_after_run(session, config, run_id, now)
    except SQLAlchemyError as exc:
        logger.error("run %s: alert evaluation failed: %s", run_id, str(exc).splitlines()[0])
        return []
    if deliver:  # also retries whatever earlier runs left queued
        flush(sessions, config, now=now)
    return transitions


def periodic(
    sessions: sessionmaker[Session], config: AlertsConfig | None, *, now: datetime | None = None
) -> tuple[list[Transition], DeliveryReport]:
    """The daemon's alert job: time-driven transitions (`for`, repeats, staleness), then one outbox pass."""
    if config is None or not config.enabled:
        return [], DeliveryReport()
    now = now or datetime.now(UTC)
    transitions: list[Transition] = []
    try:
        with sessions.begin() as session:
            transitions = tick(session, config, now)
    except SQLAlchemyError as exc:
        logger.error("alert tick failed: %s", str(exc).splitlines()[0])
    return transitions, flush(sessions, config, now=now)


def flush(sessions: sessionmaker[Session], config: AlertsConfig, *, now: datetime | None = None) -> DeliveryReport:
    """Send every due outbox row once (failures are retried later with backoff)."""
    try:
        report = deliver_pending(sessions, config, now)
    except SQLAlchemyError as exc:
        logger.error("outbox delivery failed: %s", str(exc).splitlines()[0])
        return DeliveryReport(errors=[str(exc).splitlines()[0]])
    if report.attempted or report.deferred:
        logger.info(
            "outbox: %d sent, %d failed (will retry), %d unknown (no answer in time; retried with the same key), "
            "%d expired, %d deferred", report.sent, report.failed, report.unknown, report.expired, report.deferred,
        )  # fmt: skip
    return report
