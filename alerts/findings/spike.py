"""Spike rules: the newest value as a robust outlier (MAD z-score) over a window of history."""

from __future__ import annotations

from decimal import Decimal
from statistics import median
from typing import Any

from alerts.scope import Scope
from alerts.series import Finding, Observation, direction_ok, pct_change, text, unit_of, untradable, value_of
from core.config.alert_rules import SpikeRule
from core.durations import format_duration

# Consistency constant of the MAD: 0.6745 · (x − median) / MAD is a z-score for normally distributed data.
MAD_SCALE = Decimal("0.6745")


def find(rule: SpikeRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding:
    """Active while |z| ≥ rule.z and the move clears `min_abs_change`, `min_pct` and `direction`."""
    name = rule.watched()
    value = value_of(obs.row, name)
    context.update(field=name, new=text(value), unit=unit_of(obs.kind, obs.row, name),
                   window=format_duration(rule.window))  # fmt: skip
    if value is None or untradable(obs):
        return Finding(obs.series, None, context)
    values = [v for _, v in scope.history.window_values(obs, name, rule.window)]
    if len(values) < rule.min_points:
        return Finding(obs.series, None, context)
    center = Decimal(median(values))
    mad = Decimal(median([abs(v - center) for v in values]))
    delta = value - center
    if mad:
        z = MAD_SCALE * delta / mad
    else:  # every point in the window is equal: any move at all is an outlier
        z = Decimal(0) if not delta else Decimal("Infinity") if delta > 0 else Decimal("-Infinity")
    pct = pct_change(value, center)
    context.update(old=text(center), change_abs=text(delta), points=len(values), mad=text(mad),
                   z=text(z.quantize(Decimal("0.01"))) if z.is_finite() else text(z),
                   change_pct=text(pct.quantize(Decimal("0.01"))) if pct is not None else None)  # fmt: skip
    spike = (
        abs(z) >= rule.z
        and abs(delta) >= rule.min_abs_change
        and (pct is None or abs(pct) >= rule.min_pct)
        and direction_ok(rule.direction, delta)
    )
    return Finding(obs.series, spike, context)
