"""Silences from the CLI: mute a rule (for series whose labels match) until a time, end them early, list them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.series import jsonable
from storage.alert_models import AlertSilence


def silence(
    session: Session,
    rule: str,
    series: Mapping[str, Any] | None,
    until: datetime,
    *,
    now: datetime | None = None,
    comment: str | None = None,
) -> AlertSilence:
    """Mute `rule` until `until` for every series whose labels match `series` (all series when empty)."""
    start = now or datetime.now(UTC)
    if until <= start:
        raise ValueError("a silence must end in the future")
    row = AlertSilence(rule=rule, matchers=jsonable(dict(series or {})), starts_at=start, ends_at=until,
                       created_at=start, comment=comment)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def unsilence(session: Session, rule_or_id: str | int, now: datetime | None = None) -> int:
    """End the active silences of a rule (or the one silence with this id) now; returns how many ended."""
    end = now or datetime.now(UTC)
    query = select(AlertSilence).where(AlertSilence.ends_at > end)
    if isinstance(rule_or_id, int) or str(rule_or_id).isdigit():
        query = query.where(AlertSilence.id == int(rule_or_id))
    else:
        query = query.where(AlertSilence.rule == rule_or_id)
    ended = 0
    for row in session.scalars(query):
        row.ends_at = max(end, row.starts_at)
        ended += 1
    session.flush()
    return ended


def active_silences(session: Session, now: datetime) -> list[AlertSilence]:
    """Silences in force at `now`, soonest to end first."""
    query = select(AlertSilence).where(AlertSilence.starts_at <= now, AlertSilence.ends_at > now)
    return list(session.scalars(query.order_by(AlertSilence.ends_at)))


def silenced(silences: Sequence[AlertSilence], rule: str, labels: Mapping[str, Any]) -> AlertSilence | None:
    """The first of `silences` muting `rule` for a series with these labels, or None."""
    for row in silences:
        if row.rule == rule and all(str(labels.get(k)) == str(v) for k, v in row.matchers.items()):
            return row
    return None
