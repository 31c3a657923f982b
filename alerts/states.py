"""Stored alert states: each verdict goes through the pure lifecycle; the status, event and outbox rows are written."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from alerts import lifecycle
from alerts.lifecycle import Change, Status
from alerts.outbox import enqueue
from alerts.scope import Scope
from alerts.series import Finding, Observation, jsonable, series_key
from alerts.silences import active_silences, silenced
from core.config.alert_rules import AnyRule
from storage.alert_models import AlertEvent, AlertState

logger = logging.getLogger(__name__)

_STATUS_FIELDS = ("state", "active_since", "fired_at", "notified_at", "resolved_at", "context")


@dataclass(frozen=True)
class Transition:
    """One stored change of one (rule, series): what `evaluate_after_run` and `tick` return."""

    event_id: int
    rule: str
    rule_kind: str
    series: dict[str, Any]
    transition: str  # pending, firing, repeat, resolved, cleared, event
    from_state: str
    to_state: str
    at: datetime
    notified: bool
    suppressed: str | None
    context: dict[str, Any]


class AlertStates:
    """The stored (rule, series) states of one pass: each verdict goes through the lifecycle and is stored."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._transitions: list[Transition] = []
        #: events added this pass, flushed together (one INSERT for all) before their ids are needed
        self._unflushed: list[tuple[AnyRule, AlertState, Change, AlertEvent]] = []
        self._silences = active_silences(scope.session, scope.now)
        #: (rule, series key) -> its stored state, None when it has none (read in bulk by `preload`)
        self._known: dict[tuple[str, str], AlertState | None] = {}

    @property
    def transitions(self) -> list[Transition]:
        """Every transition of this pass so far, stored, their notifications queued."""
        if self._unflushed:
            scope, pending = self.scope, self._unflushed
            self._unflushed = []
            scope.session.flush()
            for rule, state, change, event in pending:
                if change.notify:
                    enqueue(scope.session, scope.config, event, rule, scope.now)
                self._transitions.append(
                    Transition(event.id, rule.name, rule.kind, dict(state.series), change.transition, change.from_state,
                               change.to_state, scope.now, change.notify, change.suppressed, change.context)
                )  # fmt: skip
        return self._transitions

    def preload(self, rules: Sequence[str], observations: Sequence[Observation]) -> None:
        """Read the stored states of these rules on these series in one query per 500 series."""
        keys = sorted({series_key(obs.series) for obs in observations})
        if not rules or not keys:
            return
        session = self.scope.session
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found = {(s.rule, s.series_key): s for s in session.scalars(
                select(AlertState).where(AlertState.rule.in_(rules), AlertState.series_key.in_(chunk)))}  # fmt: skip
            self._known.update({(rule, key): found.get((rule, key)) for rule in rules for key in chunk})

    def state_for(self, rule: AnyRule, series: Mapping[str, Any], *, create: bool) -> AlertState | None:
        key = series_key(series)
        session = self.scope.session
        if (rule.name, key) in self._known:
            state = self._known[(rule.name, key)]
        else:
            state = session.scalar(select(AlertState).where(AlertState.rule == rule.name, AlertState.series_key == key))
        if state is None and create:
            state = AlertState(rule=rule.name, series_key=key, series=jsonable(dict(series)), state="inactive",
                               updated_at=self.scope.now)  # fmt: skip
            session.add(state)
            self._known[(rule.name, key)] = state
        return state

    def apply(self, rule: AnyRule, finding: Finding, *, stamp: bool = True) -> None:
        """Move the (rule, series) state by one verdict, storing and notifying the transition it causes.

        `stamp` records the run on the state, so evaluating the same run again is a no-op for this series.
        """
        scope = self.scope
        if scope.dry or finding.active is None:
            return
        state = self.state_for(rule, finding.series, create=bool(finding.active))
        if state is None:
            return
        if stamp and scope.run_id is not None and state.last_run_id is not None and state.last_run_id >= scope.run_id:
            return  # this run (or a later one) was already evaluated for this series: evaluation is idempotent
        verdict = Finding(finding.series, finding.active, jsonable(finding.context))
        muted = self._muted(rule, state, verdict.context)
        self._store(rule, state, *lifecycle.step(_status(state), verdict, scope.now, rule, muted=muted))
        if stamp and scope.run_id is not None:
            state.last_run_id = scope.run_id
        state.updated_at = scope.now

    def advance(self, rule: AnyRule, state: AlertState) -> None:
        """Time-driven transitions of an open state (`for` passed, held-back sends, repeats)."""
        muted = self._muted(rule, state, state.context or {})
        new, change = lifecycle.advance(_status(state), self.scope.now, rule, muted=muted)
        self._store(rule, state, new, change)
        if change is not None and change.from_state == "pending":
            state.updated_at = self.scope.now

    def _muted(self, rule: AnyRule, state: AlertState, context: Mapping[str, Any]) -> str | None:
        if not self.scope.config.targets_of(rule):
            return "no target"
        labels = context.get("labels") or state.series
        return "silenced" if silenced(self._silences, rule.name, labels) is not None else None

    def _store(self, rule: AnyRule, state: AlertState, new: Status, change: Change | None) -> None:
        """Write the new status; store the transition (always) and queue its notification (when it is sent)."""
        for name in _STATUS_FIELDS:
            if getattr(state, name) != getattr(new, name):
                setattr(state, name, getattr(new, name))
        if change is None:
            return
        scope = self.scope
        event = AlertEvent(
            rule=rule.name, rule_kind=rule.kind, series_key=state.series_key, series=state.series,
            transition=change.transition, from_state=change.from_state, to_state=change.to_state, at=scope.now,
            run_id=scope.run_id, notified=change.notify, suppressed=change.suppressed, context=change.context,
        )  # fmt: skip
        scope.session.add(event)
        self._unflushed.append((rule, state, change, event))
        logger.info(
            "alert %s %s: %s -> %s%s", rule.name, change.context.get("label", state.series_key), change.from_state,
            change.to_state, f" ({change.suppressed})" if change.suppressed else "",
        )  # fmt: skip


def _status(state: AlertState) -> Status:
    return Status(**{name: getattr(state, name) for name in _STATUS_FIELDS})
