"""Change rules: the newest value against a baseline (previous, N days ago, rolling median, previous close)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from alerts.observations import time_of
from alerts.scope import Scope
from alerts.series import Finding, Observation, direction_ok, pct_change, text, unit_of, untradable, value_of
from core.config.alert_rules import ChangeRule
from core.durations import format_duration


def _baseline(rule: ChangeRule, obs: Observation, scope: Scope, name: str) -> tuple[Decimal | None, Any | None]:
    history = scope.history
    if rule.baseline == "prev_close":
        return value_of(obs.row, "prev_close"), None
    if rule.baseline == "previous":
        row = history.accepted_before(obs.kind, obs.series, obs.at, name)
        return (value_of(row, name), time_of(obs.kind, row)) if row is not None else (None, None)
    if rule.baseline == "n_days_ago":
        assert rule.days is not None
        row = history.accepted_at(obs.kind, obs.series, obs.at - timedelta(days=rule.days), name)
        return (value_of(row, name), time_of(obs.kind, row)) if row is not None else (None, None)
    assert rule.window is not None
    values = [value for _, value in history.window_values(obs, name, rule.window)]
    return (Decimal(median(values)), None) if len(values) >= rule.min_points else (None, None)


def find(rule: ChangeRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding:
    """Active while the move against the baseline is at least `pct` % or `abs` units in `direction`."""
    name = rule.watched()
    value = value_of(obs.row, name)
    context.update(field=name, new=text(value), unit=unit_of(obs.kind, obs.row, name), baseline=rule.baseline,
                   direction=rule.direction, days=rule.days,
                   window=format_duration(rule.window) if rule.window else None)  # fmt: skip
    if value is None or untradable(obs):
        return Finding(obs.series, None, context)
    base, base_at = _baseline(rule, obs, scope, name)
    if base is None:
        return Finding(obs.series, None, context)
    delta = value - base
    pct = pct_change(value, base)
    context.update(old=text(base), baseline_at=base_at, change_abs=text(delta),
                   change_pct=text(pct.quantize(Decimal("0.01"))) if pct is not None else None)  # fmt: skip
    if rule.pct is not None:
        big = pct is not None and abs(pct) >= rule.pct
    else:
        assert rule.abs is not None
        big = abs(delta) >= rule.abs
    return Finding(obs.series, big and direction_ok(rule.direction, delta), context)
