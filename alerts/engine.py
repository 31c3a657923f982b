"""Evaluates alert rules after a run and on the clock: observations → quality gate → findings → lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.findings import health_finding, observation_finding
from alerts.observations import new_observations, newest_per_series
from alerts.prefetch import prefetch
from alerts.quality import gate, hold
from alerts.scale_shift import seen_again_quarantined, source_shift
from alerts.scope import Scope
from alerts.series import Finding, jsonable, matches
from alerts.states import AlertStates, Transition
from core.config.alert_rules import AnyRule, ChangeRule, HealthRule, NewRule, SpikeRule
from core.config.alerts import AlertsConfig
from storage.alert_models import AlertState
from storage.models import CrawlRun
from storage.queries import latest
from storage.runs import last_runs

DATA_KINDS = ("gpu", "traffic", "quotes", "funding")


@dataclass(frozen=True)
class Preview:
    """What `check` reports: a rule whose condition holds now on a series (nothing stored, nothing sent)."""

    rule: str
    rule_kind: str
    label: str
    state: str
    context: dict[str, Any]


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
    states = AlertStates(scope)
    quality_rules = [r for r in config.rules if isinstance(r, HealthRule) and r.check == "quality"]
    kinds = {r.item for r in config.rules} | (set(DATA_KINDS) if quality_rules else set())
    for kind in DATA_KINDS:
        if kind not in kinds:
            continue
        rules = [r for r in config.rules if r.item == kind]
        observations = new_observations(session, kind, run_id)
        again = seen_again_quarantined(scope, kind) if config.quality.enabled else []
        observations += again
        prefetch(scope.history, kind, observations, _windows(rules))
        states.preload([r.name for r in rules], observations)
        shifted: set[int] = set()
        shift = source_shift(scope, kind, observations) if config.quality.enabled else None
        if shift is not None:  # a whole source moved at once: one quality finding, no data rule sees its points
            for obs in shift.shifted:
                hold(scope, obs, str(shift.finding.context["reason"]) if shift.finding else "source-wide shift")
                shifted.add(obs.row.id)
            if shift.finding is not None:
                _apply_quality(states, quality_rules, shift.finding, run.trigger)
        for obs in observations:
            if obs.row.id in shifted:
                continue
            held = gate(scope, obs, seen_again=obs in again) if config.quality.enabled else None
            if held is not None:  # quarantined: data rules never see it; quality rules hear of a fresh one
                if held.finding is not None:
                    _apply_quality(states, quality_rules, held.finding, run.trigger)
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


def _apply_quality(states: AlertStates, quality_rules: list[HealthRule], finding: Finding, trigger: str) -> None:
    labels = {"source": finding.series["source"], "trigger": trigger}
    for quality_rule in quality_rules:
        if matches(labels, quality_rule.select):
            states.apply(quality_rule, finding)


def _windows(rules: Sequence[AnyRule]) -> list[tuple[str, timedelta]]:
    """The (field, window) pairs whose values the rules read: spike windows, change rules against a window."""
    found: list[tuple[str, timedelta]] = []
    for rule in rules:
        if isinstance(rule, SpikeRule) or (isinstance(rule, ChangeRule) and rule.baseline == "rolling_median"):
            assert rule.window is not None
            found.append((rule.watched(), rule.window))
    return found


def tick(session: Session, config: AlertsConfig, now: datetime) -> list[Transition]:
    """Time-driven transitions: pending → firing once `for` has passed, repeats, held-back sends, staleness."""
    if not config.enabled or not config.rules:
        return []
    states = AlertStates(Scope(session, config, now, None))
    _tick(states)
    return states.transitions


def reevaluate_drift(session: Session, config: AlertsConfig, source: str, now: datetime) -> list[Transition]:
    """Judge the `drift` rules on `source`'s newest run again (after `aipulse sources accept-drift`).

    An accepted shape resolves the open drift alert now (its resolved notice queued), not at the next run.
    """
    if not config.enabled or not config.rules:
        return []
    run = last_runs(session).get(source)
    if run is None:
        return []
    scope = Scope(session, config, now, None)
    states = AlertStates(scope)
    labels = {"source": source, "trigger": run.trigger}
    for rule in config.rules:
        if isinstance(rule, HealthRule) and rule.check == "drift" and matches(labels, rule.select):
            states.apply(rule, health_finding(rule, source, None, scope), stamp=False)
    return states.transitions


def _tick(states: AlertStates) -> None:
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
    states = AlertStates(scope)
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
