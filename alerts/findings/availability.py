"""Availability rules: a GPU offer going from sold out to available (`back_in_stock`) or back (`sold_out`)."""

from __future__ import annotations

from typing import Any

from alerts.scope import Scope
from alerts.series import Finding, Observation, text, unit_of
from core.config.alert_rules import AvailabilityRule


def find(rule: AvailabilityRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding:
    """An event when availability differs from the previous row and the change is one the rule is `on`."""
    previous = next(scope.history.earlier_rows(obs.kind, obs.series, obs.at), None)
    price = obs.row.price_per_gpu_hour
    context.update(price=text(price), unit=unit_of("gpu", obs.row, "price_per_gpu_hour"))
    if previous is None or previous.available == obs.row.available:
        return Finding(obs.series, None, context)
    change = "back_in_stock" if obs.row.available else "sold_out"
    context.update(change=change, old_price=text(previous.price_per_gpu_hour))
    return Finding(obs.series, change in rule.on, context)
