"""Evaluates alert rules after a run and on the clock: observations → quality gate → findings → lifecycle."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import lifecycle
from alerts.findings import health_finding, observation_finding
from alerts.lifecycle import Change, Status
from alerts.observations import new_observations, newest_per_series
from alerts.outbox import enqueue
from alerts.quality import gate
from alerts.scope import Scope
from alerts.series import Finding, jsonable, matches, series_key
from alerts.silences import active_silences, silenced
from core.config.alert_rules import AnyRule, HealthRule, NewRule
from core.config.alerts import AlertsConfig
from storage.alert_models import AlertEvent, AlertState
from storage.models import CrawlRun
from storage.repository import last_runs, latest

logger = logging.getLogger(__name__)

DATA_KINDS = ("gpu", "traffic", "quotes", "funding")
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


@dataclass(frozen=True)
class Preview:
    """What `check` reports: a rule whose condition holds now on a series (nothing stored, nothing sent)."""

    rule: str
    rule_kind: str
    label: str
    state: str
    context: dict[str, Any]


class _States:
    """The stored (rule, series) states of one pass: each verdict goes through the lifecycle and is stored."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.transitions: list[Transition] = []
        self._silences = active_silences(scope.session, scope.now)

    def state_for(self, rule: AnyRule, series: Mapping[str, Any], *, create: bool) -> AlertState | None:
        key = series_key(series)
        session = self.scope.session
        state = session.scalar(select(AlertState).where(AlertState.rule == rule.name, AlertState.series_key == key))
        if state is None and create:
            state = AlertState(rule=rule.name, series_key=key, series=jsonable(dict(series)), state="inactive",
                               updated_at=self.scope.now)  # fmt: skip
            session.add(state)
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
        scope.session.flush()
        if change.notify:
            enqueue(scope.session, scope.config, event, rule, scope.now)
        self.transitions.append(
            Transition(event.id, rule.name, rule.kind, dict(state.series), change.transition, change.from_state,
                       change.to_state, scope.now, change.notify, change.suppressed, change.context)
        )  # fmt: skip
        logger.info(
            "alert %s %s: %s -> %s%s", rule.name, change.context.get("label", state.series_key), change.from_state,
            change.to_state, f" ({change.suppressed})" if change.suppressed else "",
        )  # fmt: skip


def _status(state: AlertState) -> Status:
    return Status(**{name: getattr(state, name) for name in _STATUS_FIELDS})


def evaluate_after_run(session: Session, config: AlertsConfig, run_id: int, now: datetime) -> list[Transition]:
    """Evaluate every rule on the observations run `run_id` stored, then time-driven transitions (see `tick`).

    Stores every transition in alert_events and queues notifications in the outbox, in the caller's
    transaction (nothing is sent). Calling it again for the same run changes nothing.
    """
    if not config.enabled or not config.rules:
        return []
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"no crawl run {run_id}")
    scope = Scope(session, config, now, run)
    states = _States(scope)
    quality_rules = [r for r in config.rules if isinstance(r, HealthRule) and r.check == "quality"]
    kinds = {r.item for r in config.rules} | (set(DATA_KINDS) if quality_rules else set())
    for kind in DATA_KINDS:
        if kind not in kinds:
            continue
        rules = [r for r in config.rules if r.item == kind]
        for obs in new_observations(session, kind, run_id):
            held = gate(scope, obs) if config.quality.enabled else None
            if held is not None:  # quarantined: data rules never see it; quality rules hear of a fresh one
                quarantined = held.finding
                if quarantined is not None:
                    labels = {"source": quarantined.series["source"], "trigger": run.trigger}
                    for quality_rule in quality_rules:
                        if matches(labels, quality_rule.select):
                            states.apply(quality_rule, quarantined)
                continue
            for rule in rules:
                found = observation_finding(rule, obs, scope)
                if found is not None:
                    states.apply(rule, found)
    run_labels = {"source": run.source, "trigger": run.trigger}
    for rule in config.rules:
        if isinstance(rule, HealthRule) and rule.check != "quality" and matches(run_labels, rule.select):
            states.apply(rule, health_finding(rule, run.source, run, scope))
    _tick(states)
    return states.transitions


def tick(session: Session, config: AlertsConfig, now: datetime) -> list[Transition]:
    """Time-driven transitions: pending → firing once `for` has passed, repeats, held-back sends, staleness."""
    if not config.enabled or not config.rules:
        return []
    states = _States(Scope(session, config, now, None))
    _tick(states)
    return states.transitions


def _tick(states: _States) -> None:
    scope = states.scope
    open_states = scope.session.scalars(
        select(AlertState).where(AlertState.state.in_(("pending", "firing"))).order_by(AlertState.id)
    ).all()
    rules = {rule.name: rule for rule in scope.config.rules}
    for state in open_states:
        rule = rules.get(state.rule)
        if rule is not None:
            states.advance(rule, state)
    stale_rules = [r for r in scope.config.rules if isinstance(r, HealthRule) and r.check == "stale"]
    if stale_rules:
        runs = last_runs(scope.session)
        for rule in stale_rules:
            for source, run in sorted(runs.items()):
                if matches({"source": source, "trigger": run.trigger}, rule.select):
                    states.apply(rule, health_finding(rule, source, None, scope), stamp=False)


def preview(session: Session, config: AlertsConfig, now: datetime) -> list[Preview]:
    """What holds now on the newest data, rule by rule (for `aipulse alerts check`): stores and sends nothing."""
    scope = Scope(session, config, now, None, dry=True)
    states = _States(scope)
    out: list[Preview] = []
    for rule in config.rules:
        findings: list[Finding] = []
        if isinstance(rule, HealthRule):
            if rule.check != "quality":
                for source, run in sorted(last_runs(session).items()):
                    if matches({"source": source, "trigger": run.trigger}, rule.select):
                        findings.append(health_finding(rule, source, run, scope))
        elif not (isinstance(rule, NewRule) and rule.item == "gpu"):
            # Plain text selectors narrow the query; the rest (numbers, company names) are matched in Python.
            filters: dict[str, Any] = {k: v for k, v in rule.select.items()
                       if isinstance(v, (str, list)) and k not in ("company", "company_key")}  # fmt: skip
            rows = latest(session, rule.item, **filters)
            for obs in newest_per_series(rule.item, rows):
                if isinstance(rule, NewRule) and obs.row.published_at < now - rule.max_age:
                    continue
                if config.quality.enabled and gate(scope, obs) is not None:
                    continue
                found = observation_finding(rule, obs, scope)
                if found is not None:
                    findings.append(found)
        for found in findings:
            if not found.active:
                continue
            state = states.state_for(rule, found.series, create=False)
            out.append(Preview(rule.name, rule.kind, str(found.context.get("label", "")),
                               state.state if state else "inactive", jsonable(found.context)))  # fmt: skip
    return out
