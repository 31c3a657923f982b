"""Each rule kind judges a series itself: one finder per kind, looked up by the rule's `kind`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alerts.findings import availability, change, health, new, spike, threshold
from alerts.scope import Scope
from alerts.series import Finding, Observation, base_context, matches
from core.config.alert_rules import AnyRule, HealthRule
from storage.models import CrawlRun

#: A finder: (rule, observation, pass, base context to extend) -> the rule's verdict, None when it has none.
Finder = Callable[[Any, Observation, Scope, dict[str, Any]], Finding | None]

#: Kinds judged on the observations a run stored; health rules are judged on a source's runs instead.
FINDERS: dict[str, Finder] = {
    "threshold": threshold.find,
    "change": change.find,
    "spike": spike.find,
    "new": new.find,
    "availability": availability.find,
}


def observation_finding(rule: AnyRule, obs: Observation, scope: Scope) -> Finding | None:
    """The rule's verdict on an observation; None when the rule does not select it or judges runs."""
    if not matches(obs.row, rule.select):
        return None
    finder = FINDERS.get(rule.kind)
    return finder(rule, obs, scope, base_context(obs)) if finder is not None else None


def health_finding(rule: HealthRule, source: str, run: CrawlRun | None, scope: Scope) -> Finding:
    """A health rule's verdict on a source (`run`: the run just evaluated, None on a tick or preview)."""
    return health.find(rule, source, run, scope)
