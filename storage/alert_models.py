"""Alert tables: per-series alert state, the transition history, silences, quarantined points and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, FundingMention, GpuOffer, Quote, TrafficSnapshot

#: States of one (rule, series): `done` is terminal (a one-shot `new` alert that already went out).
ALERT_STATES = ("inactive", "pending", "firing", "done")
OUTBOX_STATUSES = ("pending", "sending", "sent", "expired")
#: How an outbox body is written: alerts are plain text; the weekly report's e-mail is HTML.
BODY_FORMATS = ("text", "html")


class AlertState(Base):
    """Where one rule stands for one series: Alertmanager's pending → firing → resolved, plus notification times."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("rule", "series_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(128))
    series_key: Mapped[str] = mapped_column(String(1024))
    series: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)
    active_since: Mapped[datetime | None]
    fired_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    last_run_id: Mapped[int | None]
    context: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime]


class AlertEvent(Base):
    """One transition of one (rule, series), kept for ever: the alert history."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_series", "rule", "series_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(128))
    rule_kind: Mapped[str] = mapped_column(String(16))
    series_key: Mapped[str] = mapped_column(String(1024))
    series: Mapped[dict[str, Any]]
    transition: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    notified: Mapped[bool] = mapped_column(Boolean)
    suppressed: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[dict[str, Any]]


class AlertSilence(Base):
    """Mutes a rule (for every series, or those whose labels match `matchers`) until `ends_at`."""

    __tablename__ = "alert_silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(128), index=True)
    matchers: Mapped[dict[str, Any]]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime]
    comment: Mapped[str | None] = mapped_column(Text)


class QuarantinedObservation(Base):
    """A stored point the data-quality gate judged implausible: kept, but never a baseline or an alert value."""

    __tablename__ = "quarantined_observations"
    __table_args__ = (UniqueConstraint("kind", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    row_id: Mapped[int]
    source: Mapped[str | None] = mapped_column(String(64))
    series: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))


class OutboxNotification(Base):
    """One message for one destination URL of one target; delivered once, retried with backoff until then."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("alert_events.id", ondelete="SET NULL"), index=True)
    target: Mapped[str] = mapped_column(String(64))
    # The URL as written in the configuration: `${NAME}` references stay unresolved, so no secret is stored.
    destination: Mapped[str] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(128))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    group_key: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(8), default="text", server_default="text")
    # Absolute paths of files sent with the message (the weekly report's PDF); read at delivery, not stored here.
    attachments: Mapped[list[str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class NotificationAttempt(Base):
    """One delivery attempt of one outbox row (a grouped message records one attempt per row it carried)."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification_outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    elapsed_ms: Mapped[int]
    group_size: Mapped[int] = mapped_column(default=1)
    error: Mapped[str | None] = mapped_column(Text)


# After every run the alert engine reads what that run stored (`WHERE run_id = ?`): without these indexes that is
# a scan of the whole history, and evaluation would slow down as history grows.
RUN_INDEXES = [
    Index("ix_gpu_offers_run_id", GpuOffer.run_id),
    Index("ix_traffic_snapshots_run_id", TrafficSnapshot.run_id),
    Index("ix_quotes_run_id", Quote.run_id),
    Index("ix_funding_mentions_run_id", FundingMention.run_id),
]

# The weekly report selects the offers seen within its week (`last_seen_at >= ?`): without this, a full scan.
# Created by migration 0004, widened by 0006 to hold what the GPU trend reads (monitor.report.build_gpu.gpu_trend);
# declared here until it moves to GpuOffer.__table_args__ (keep exactly one of the two).
LAST_SEEN_INDEXES = [
    Index(
        "ix_gpu_offers_last_seen_at",
        GpuOffer.last_seen_at,
        GpuOffer.observed_at,
        GpuOffer.gpu_model,
        GpuOffer.provider,
        GpuOffer.currency,
        GpuOffer.price_per_gpu_hour,
    )
]
