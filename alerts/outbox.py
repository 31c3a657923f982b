"""The notification outbox: queue messages, take due rows under a lease, deliver, record attempts, back off."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.apprise_adapter import Undelivered, attachment_problem, send
from alerts.destinations import destination_text, is_email_destination, resolve_destination, shown_destination
from alerts.messages import LEVELS, batch_message, message_context, render
from core.config.alert_rules import AnyRule
from core.config.alerts import AlertsConfig
from core.secrets import ConfigError
from storage.alert_models import AlertEvent, NotificationAttempt, OutboxNotification

logger = logging.getLogger(__name__)

#: The outbox `rule` of report rows; unlike an alert row (even one of a rule named "report") they have no event.
REPORT_RULE = "report"


def enqueue(
    session: Session, config: AlertsConfig, event: AlertEvent, rule: AnyRule, now: datetime
) -> list[OutboxNotification]:
    """Queue the message of `event` for every URL of every target of `rule` (nothing is sent here)."""
    title, body = render(config, "alert", message_context(event, rule, config))
    rows = []
    for target in config.targets_of(rule):
        for url in config.targets.get(target, []):
            rows.append(
                OutboxNotification(
                    event_id=event.id,
                    target=target,
                    destination=destination_text(url),
                    rule=rule.name,
                    run_id=event.run_id,
                    group_key=f"run:{event.run_id}" if rule.group and event.run_id is not None else None,
                    level=LEVELS.get(event.transition, "info"),
                    title=title,
                    body=body,
                    status="pending",
                    created_at=now,
                    next_attempt_at=now,
                    attempts=0,
                )
            )
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_test(session: Session, config: AlertsConfig, target: str, now: datetime) -> list[OutboxNotification]:
    """Queue a test message for every URL of `target` (ConfigError when the target is unknown)."""
    if target not in config.targets:
        raise ConfigError(f"alerts.targets: unknown target {target!r} (targets: {', '.join(sorted(config.targets))})")
    context = {"transition": "test", "rule": "test", "target": target, "at": now.isoformat(), "label": target}
    title, body = render(config, "test", context)
    rows = [
        OutboxNotification(
            target=target, destination=destination_text(url), rule=None, level="info", title=title, body=body,
            status="pending", created_at=now, next_attempt_at=now, attempts=0,
        )
        for url in config.targets[target]
    ]  # fmt: skip
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_report(
    session: Session,
    config: AlertsConfig,
    targets: Sequence[str],
    *,
    title: str,
    html: str,
    summary: str,
    attachments: Sequence[str],
    now: datetime,
    key: str | None = None,
) -> list[OutboxNotification]:
    """Queue a report for every URL of every target in `targets` (nothing is sent here); the new rows.

    An e-mail destination (mailto://, mailtos://) gets `html` as an HTML body with `attachments` (file paths,
    stored absolute, read at delivery); any other destination gets `summary` as plain text, without files.
    With `key` (say "weekly:2026-W10") a destination that already has a report row with that key is skipped,
    so a daemon that restarts or catches up a missed run never sends one report twice. A destination named by
    two targets is queued once. ConfigError when a target is unknown.
    """
    unknown = [name for name in targets if name not in config.targets]
    if unknown:
        known = ", ".join(sorted(config.targets)) or "none configured"
        raise ConfigError(f"report targets: unknown target {', '.join(map(repr, unknown))} (targets: {known})")
    if key is not None and len(key) > 128:
        raise ValueError(f"report key {key[:40]!r}…: at most 128 characters (outbox group_key)")
    queued: set[str] = set()
    if key is not None:
        queued.update(
            session.scalars(
                select(OutboxNotification.destination).where(
                    OutboxNotification.rule == REPORT_RULE,
                    OutboxNotification.event_id.is_(None),
                    OutboxNotification.group_key == key,
                )
            )
        )
    files = [str(Path(path).absolute()) for path in attachments]
    rows = []
    for target in dict.fromkeys(targets):
        for url in config.targets[target]:
            destination = destination_text(url)
            if destination in queued:
                continue
            queued.add(destination)
            email = is_email_destination(destination, target)
            rows.append(
                OutboxNotification(
                    target=target, destination=destination, rule=REPORT_RULE, group_key=key, level="info",
                    title=title, body=html if email else summary, body_format="html" if email else "text",
                    attachments=(files or None) if email else None, status="pending", created_at=now,
                    next_attempt_at=now, attempts=0,
                )
            )  # fmt: skip
    session.add_all(rows)
    session.flush()
    return rows


@dataclass
class DeliveryReport:
    """What one delivery pass did (counts of outbox rows)."""

    sent: int = 0
    failed: int = 0
    expired: int = 0
    deferred: int = 0
    #: sent, but no answer in time: the receiver may have it (retried later with the same idempotency key)
    unknown: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.expired + self.unknown


def backoff(config: AlertsConfig, attempts: int) -> timedelta:
    """Wait before retry number `attempts` + 1: doubling from retry_base, capped at retry_max."""
    delivery = config.delivery
    wait: timedelta = delivery.retry_base * (2 ** max(0, attempts - 1))
    return min(wait, delivery.retry_max)


def idempotency_key(batch: Sequence[OutboxNotification]) -> str:
    """The key a receiver deduplicates on: one outbox row's id and creation time, or a group's rows hashed.

    The same on every retry (also after a kill -9 mid-send and the lease running out), so at-least-once
    delivery is exactly-once for a receiver that keeps the keys it has seen.
    """
    keys = [f"{row.id}-{int(row.created_at.replace(tzinfo=UTC).timestamp())}" for row in batch]
    if len(keys) == 1:
        return f"aipulse-{keys[0]}"
    return "aipulse-g" + hashlib.sha256(",".join(keys).encode()).hexdigest()[:24]


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxNotification.status == "pending", OutboxNotification.next_attempt_at <= now),
        # A deliverer that died mid-send leaves `sending` rows: they are taken again once the lease ran out.
        and_(OutboxNotification.status == "sending", OutboxNotification.lease_until < now),
    )


def _claim(
    sessions: sessionmaker[Session], config: AlertsConfig, now: datetime, ids: Sequence[int] | None
) -> list[OutboxNotification]:
    """Take due rows for this deliverer only: a conditional UPDATE per row, so two deliverers never share one."""
    claimed: list[int] = []
    with sessions.begin() as session:
        query = select(OutboxNotification.id).where(_due(now))
        if ids is not None:
            query = query.where(OutboxNotification.id.in_(list(ids)))
        query = query.order_by(OutboxNotification.created_at, OutboxNotification.id).limit(config.delivery.batch)
        for row_id in session.scalars(query).all():
            taken = session.execute(
                update(OutboxNotification)
                .where(OutboxNotification.id == row_id, _due(now))
                .values(status="sending", lease_until=now + config.delivery.lease)
            )
            if getattr(taken, "rowcount", 0) == 1:
                claimed.append(row_id)
    if not claimed:
        return []
    with sessions() as session:
        rows = session.scalars(
            select(OutboxNotification)
            .where(OutboxNotification.id.in_(claimed))
            .order_by(OutboxNotification.created_at, OutboxNotification.id)
        ).all()
        session.expunge_all()
    return list(rows)


def _batches(rows: Sequence[OutboxNotification]) -> list[list[OutboxNotification]]:
    """Rows sent as one message: a group (same run, same destination, `group = true`) or a single row.

    HTML bodies and rows with attachments always go alone: a group message is plain text.
    """
    batches: dict[tuple[str, str], list[OutboxNotification]] = {}
    for row in rows:
        groupable = row.group_key and row.body_format == "text" and not row.attachments
        key = (row.destination, row.group_key) if groupable and row.group_key else (row.destination, f"row:{row.id}")
        batches.setdefault(key, []).append(row)
    return list(batches.values())


def deliver_pending(
    sessions: sessionmaker[Session],
    config: AlertsConfig,
    now: datetime | None = None,
    *,
    ids: Sequence[int] | None = None,
) -> DeliveryReport:
    """Send every due outbox row once; a failure is recorded and retried later with backoff, never lost.

    When one URL fails, its other due rows wait for the same retry time instead of being tried again in this
    pass, so a dead target costs one attempt per pass, not one per queued message.
    """
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    rows = _claim(sessions, config, now, ids)
    failed_until: dict[str, datetime] = {}
    for batch in _batches(rows):
        destination = batch[0].destination
        if destination in failed_until:
            _release(sessions, batch, failed_until[destination])
            report.deferred += len(batch)
            continue
        message = batch_message(config, batch)
        started = time.monotonic()
        # A missing file is the message's fault, not the destination's: other messages to it still go out.
        missing = next(filter(None, map(attachment_problem, message.attachments)), None)
        outcome: Undelivered | None = Undelivered(missing) if missing else None
        if outcome is None:
            try:
                outcome = send(
                    resolve_destination(destination), message.title, message.body, message.level,
                    config.delivery.timeout.total_seconds(), message.body_format, message.attachments,
                    idempotency_key=idempotency_key(batch),
                )  # fmt: skip
            except ConfigError as exc:  # a ${NAME} whose variable is not set: a failed attempt, retried later
                outcome = Undelivered(str(exc))
        elapsed_ms = int((time.monotonic() - started) * 1000)
        retry_at = _record(sessions, config, batch, now, outcome, elapsed_ms, report)
        if outcome is not None:
            if missing is None:
                failed_until[destination] = retry_at
            logger.warning(
                "notification to %s (%s) %s, retry at %s: %s",
                batch[0].target, shown_destination(destination),
                "may have arrived (no answer in time)" if outcome.unknown else "failed", retry_at.isoformat(),
                outcome.reason,
            )  # fmt: skip
    return report


def _release(sessions: sessionmaker[Session], batch: Sequence[OutboxNotification], retry_at: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(OutboxNotification)
            .where(OutboxNotification.id.in_([row.id for row in batch]))
            .values(status="pending", lease_until=None, next_attempt_at=retry_at)
        )


def _record(
    sessions: sessionmaker[Session],
    config: AlertsConfig,
    batch: Sequence[OutboxNotification],
    now: datetime,
    outcome: Undelivered | None,
    elapsed_ms: int,
    report: DeliveryReport,
) -> datetime:
    retry_at = now
    error = None
    if outcome is not None:
        error = f"outcome unknown: {outcome.reason}" if outcome.unknown else outcome.reason
    with sessions.begin() as session:
        for claimed in batch:
            row = session.get(OutboxNotification, claimed.id)
            assert row is not None
            row.attempts += 1
            row.lease_until = None
            session.add(
                NotificationAttempt(
                    notification_id=row.id, at=now, ok=error is None, elapsed_ms=elapsed_ms,
                    group_size=len(batch), error=error,
                )
            )  # fmt: skip
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", now, None
                report.sent += 1
                continue
            row.last_error = error
            if now - row.created_at >= config.delivery.give_up_after:
                row.status = "expired"
                report.expired += 1
                logger.error("notification %s to %s expired after %d attempts", row.id, row.target, row.attempts)
                continue
            wait = backoff(config, row.attempts)
            if outcome is not None and outcome.unknown:  # give a slow receiver time before the same key again
                wait = max(wait, config.delivery.unknown_retry)
                report.unknown += 1
            else:
                report.failed += 1
            retry_at = now + wait
            row.status, row.next_attempt_at = "pending", retry_at
    if error is not None:
        report.errors.append(error)
    return retry_at


def pending_count(session: Session) -> int:
    """Outbox rows not yet delivered (pending or being sent)."""
    query = select(func.count()).where(OutboxNotification.status.in_(("pending", "sending")))
    return int(session.scalar(query) or 0)
