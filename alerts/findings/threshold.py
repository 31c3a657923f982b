"""Threshold rules: `field op value` on a series' newest observation."""

from __future__ import annotations

from typing import Any

from alerts.scope import Scope
from alerts.series import Finding, Observation, text, unit_of, untradable, value_of
from core.config.alert_rules import ThresholdRule


def find(rule: ThresholdRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding:
    """Active while the comparison holds; no verdict without a value or on an untradable row."""
    value = value_of(obs.row, rule.field)
    context.update(field=rule.field, new=text(value), op=rule.op, threshold=text(rule.value),
                   unit=unit_of(obs.kind, obs.row, rule.field))  # fmt: skip
    if value is None or untradable(obs):
        return Finding(obs.series, None, context)
    holds = {
        "<": value < rule.value, "<=": value <= rule.value, ">": value > rule.value,
        ">=": value >= rule.value, "==": value == rule.value, "!=": value != rule.value,
    }[rule.op]  # fmt: skip
    return Finding(obs.series, holds, context)
