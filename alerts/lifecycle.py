"""The alert lifecycle as a pure function: pending → firing → resolved, `for`, repeats, cooldown, resolved notice.

No database and no clock: the caller hands in the stored status, the new verdict, `now` and the rule, and
stores what comes back. Silences and missing targets are the caller's to know; it passes them as `muted`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from alerts.series import Finding
from core.config.alert_rules import AnyRule


@dataclass(frozen=True)
class Status:
    """The lifecycle columns of one (rule, series) alert state."""

    state: str = "inactive"  # inactive, pending, firing; done: a `new` rule's event was recorded
    active_since: datetime | None = None
    fired_at: datetime | None = None
    notified_at: datetime | None = None
    resolved_at: datetime | None = None
    context: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Change:
    """One transition: what happened, between which states, and whether its notification goes out."""

    transition: str  # pending, firing, repeat, resolved, cleared, event
    from_state: str
    to_state: str
    context: dict[str, Any]
    notify: bool
    suppressed: str | None  # why a due notification is held back: the caller's `muted`, or "cooldown"


Step = tuple[Status, Change | None]


def step(previous: Status, finding: Finding, now: datetime, rule: AnyRule, *, muted: str | None = None) -> Step:
    """Move a status by one verdict; `muted` says why notifications are held back now (silenced, no target)."""
    if finding.active is None:
        return previous, None
    context = finding.context
    if rule.is_event():
        # Only an active verdict is an event (a `new` rule records it once). A change the rule does not watch
        # (sold out, for `on = ["back_in_stock"]`) is no event: recording it sent "sold out" messages.
        if previous.state == "done" or not finding.active:
            return previous, None
        return _record(previous, "event", "done" if rule.kind == "new" else "inactive", context, now, rule, muted)
    if finding.active:
        current = replace(previous, context=context)
        if previous.state == "inactive":
            if rule.for_:
                pending = replace(current, active_since=now)
                return _record(pending, "pending", "pending", context, now, rule, None, notify=False)
            return _fire(current, now, rule, muted)
        if previous.state == "pending":
            return _fire(current, now, rule, muted) if _for_passed(current, now, rule) else (current, None)
        if previous.state == "firing":
            return _remind(current, now, rule, muted)
        return current, None
    if previous.state == "pending":
        cleared = replace(previous, active_since=None)
        return _record(cleared, "cleared", "inactive", context, now, rule, None, notify=False)
    if previous.state == "firing":
        resolved = replace(previous, context=context, resolved_at=now, active_since=None)
        notify = rule.send_resolved and _firing_was_sent(previous)
        return _record(resolved, "resolved", "inactive", context, now, rule, muted, notify=notify)
    return previous, None


def advance(previous: Status, now: datetime, rule: AnyRule, *, muted: str | None = None) -> Step:
    """Move an open status with time alone: pending → firing once `for` has passed, held-back sends, repeats."""
    if rule.is_event():
        return previous, None
    if previous.state == "pending":
        return _fire(previous, now, rule, muted) if _for_passed(previous, now, rule) else (previous, None)
    if previous.state == "firing":
        return _remind(previous, now, rule, muted)
    return previous, None


def _firing_was_sent(status: Status) -> bool:
    # A resolved notice only follows a firing message that went out (not one held back by a silence).
    return status.notified_at is not None and status.fired_at is not None and status.notified_at >= status.fired_at


def _for_passed(status: Status, now: datetime, rule: AnyRule) -> bool:
    return rule.for_ is None or status.active_since is None or now - status.active_since >= rule.for_


def _fire(status: Status, now: datetime, rule: AnyRule, muted: str | None) -> Step:
    fired = replace(status, fired_at=now, active_since=status.active_since or now)
    return _record(fired, "firing", "firing", dict(status.context or {}), now, rule, muted)


def _remind(status: Status, now: datetime, rule: AnyRule, muted: str | None) -> Step:
    """A firing alert: send it late if it was held back (silence, cooldown), else repeat when due."""
    context = dict(status.context or {})
    held_back = status.notified_at is None or (status.fired_at is not None and status.notified_at < status.fired_at)
    if held_back:
        if _suppression(status, "firing", now, rule, muted) is None:
            return _record(status, "firing", "firing", context, now, rule, muted)
    elif (
        rule.repeat_interval
        and status.notified_at
        and now - status.notified_at >= rule.repeat_interval
        and _suppression(status, "repeat", now, rule, muted) is None
    ):
        return _record(status, "repeat", "firing", context, now, rule, muted)
    return status, None


def _suppression(status: Status, transition: str, now: datetime, rule: AnyRule, muted: str | None) -> str | None:
    if muted is not None:
        return muted
    if (
        transition in ("firing", "event")
        and rule.cooldown
        and status.notified_at is not None
        and now - status.notified_at < rule.cooldown
    ):
        return "cooldown"
    return None


def _record(
    status: Status,
    transition: str,
    to_state: str,
    context: dict[str, Any],
    now: datetime,
    rule: AnyRule,
    muted: str | None,
    *,
    notify: bool = True,
) -> Step:
    suppressed = _suppression(status, transition, now, rule, muted) if notify else None
    send = notify and suppressed is None
    new = replace(status, state=to_state, notified_at=now if send else status.notified_at)
    return new, Change(transition, status.state, to_state, context, send, suppressed)
