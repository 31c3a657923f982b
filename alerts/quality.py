"""The data-quality gate: an implausible observation is quarantined (stored, logged) and never feeds data rules."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete

from alerts.scope import Scope
from alerts.series import Finding, Observation, base_context, jsonable, text, unit_of, value_of
from core.plausibility import breach
from storage.alert_models import QuarantinedObservation

logger = logging.getLogger(__name__)

#: The value the gate checks for a jump, per item kind (funding is checked on its amounts instead).
QUALITY_FIELD = {"gpu": "price_per_gpu_hour", "quotes": "price", "traffic": "visits"}


@dataclass(frozen=True)
class Quarantine:
    """An observation data rules must not see; `finding` (for quality health rules) when quarantined just now."""

    finding: Finding | None = None


def quality_problem(scope: Scope, obs: Observation) -> tuple[str, dict[str, Any]] | None:
    """Why the observation is implausible (reason, context), or None when it may be believed."""
    row, quality, history = obs.row, scope.config.quality, scope.history
    if obs.kind == "funding":
        for name in ("amount_min", "amount_max", "valuation_min", "valuation_max"):
            value = value_of(row, name)
            if value is not None and value < 0:
                return f"negative {name} {text(value)}", {"field": name, "new": text(value)}
        low, high = value_of(row, "amount_min"), value_of(row, "amount_max")
        if low is not None and high is not None and low > high:
            return f"amount_min {text(low)} above amount_max {text(high)}", {"field": "amount_min"}
        return _out_of_bounds(scope, obs)
    if obs.kind == "traffic":
        rate = value_of(row, "bounce_rate")
        if rate is not None and not 0 <= rate <= 1:
            return f"bounce_rate {text(rate)} outside 0..1", {"field": "bounce_rate", "new": text(rate)}
    name = QUALITY_FIELD[obs.kind]
    value = value_of(row, name)
    if value is None:
        return None
    unit = unit_of(obs.kind, row, name)
    if value < 0 or (value == 0 and obs.kind != "traffic"):
        return f"{name} {text(value)} is not positive", {"field": name, "new": text(value), "unit": unit}
    bounded = _out_of_bounds(scope, obs)
    if bounded is not None:
        return bounded
    limit = quality.traffic_max_ratio if obs.kind == "traffic" else quality.max_ratio
    previous = history.accepted_before(obs.kind, obs.series, obs.at, name)
    reference = value_of(previous, name) if previous is not None else None
    if reference is None and obs.kind == "quotes":
        reference = value_of(row, "prev_close")
    if not reference or reference <= 0 or value == 0:
        return None
    ratio = value / reference
    if 1 / limit < ratio < limit:
        return None
    # A new level seen twice in a row is real (a price list changed): the second point is accepted.
    immediate = next(history.earlier_rows(obs.kind, obs.series, obs.at), None)
    if immediate is not None and history.is_quarantined(obs.kind, immediate.id):
        last = value_of(immediate, name)
        if last and abs(value / last - 1) <= quality.confirm_tolerance:
            return None
    shown = f"×{text(ratio.quantize(Decimal('0.01')))}"
    context = {"field": name, "old": text(reference), "new": text(value), "unit": unit, "ratio": shown}
    return f"{name} {text(reference)} → {text(value)} ({shown}) in one observation", context


def _out_of_bounds(scope: Scope, obs: Observation) -> tuple[str, dict[str, Any]] | None:
    """The kind's plausibility bound (core.plausibility, `[alerts.quality.bounds]`) the row breaks, if any."""
    values = {column.key: getattr(obs.row, column.key) for column in obs.row.__table__.columns}
    broken = breach(obs.kind, values, scope.config.quality.bounds, scope.config.fx_to_usd)
    if broken is None:
        return None
    value = value_of(obs.row, broken.field)
    context = {"field": broken.field, "new": text(value), "unit": unit_of(obs.kind, obs.row, broken.field)}
    return broken.reason, {**context, "bound": f"alerts.quality.bounds.{broken.bound}"}


def gate(scope: Scope, obs: Observation, *, seen_again: bool = False) -> Quarantine | None:
    """Apply the gate: None when the observation may feed data rules, else a Quarantine (now or before).

    A fresh quarantine is stored (unless the pass is dry) and comes with the finding quality rules act on.
    `seen_again`: a quarantined state a later run saw unchanged; held back for its jump alone, it is confirmed.
    """
    if scope.history.is_quarantined(obs.kind, obs.row.id):
        if seen_again and _confirmed_flat(scope, obs):
            return None
        return Quarantine()
    problem = quality_problem(scope, obs)
    if problem is None:
        return None
    reason, extra = problem
    base = base_context(obs)
    source = hold(scope, obs, reason)
    if scope.dry:
        return Quarantine()
    logger.warning("run %s: quarantined %s %s: %s", scope.run_id, obs.kind, base["label"], reason)
    series = {"source": source, "kind": obs.kind, **jsonable(obs.series)}
    context = {**base, **extra, "check": "quality", "reason": reason, "source": source}
    context["labels"] = {**context["labels"], "source": source, "kind": obs.kind}
    return Quarantine(Finding(series, True, context))


def hold(scope: Scope, obs: Observation, reason: str) -> str | None:
    """Quarantine the observation (stored unless the pass is dry); returns its source."""
    source = getattr(obs.row, "source", None) or (scope.run.source if scope.run else None)
    if obs.kind == "funding":
        source = base_context(obs)["source"] or source
    if scope.history.is_quarantined(obs.kind, obs.row.id):
        return source
    scope.history.mark_quarantined(obs.kind, obs.row.id)
    if not scope.dry:
        scope.session.add(
            QuarantinedObservation(
                kind=obs.kind, row_id=obs.row.id, source=source, series=jsonable(obs.series), reason=reason,
                at=scope.now, run_id=scope.run_id,
            )
        )  # fmt: skip
    return source


def _confirmed_flat(scope: Scope, obs: Observation) -> bool:
    """A state held back for its jump alone and seen again unchanged by a later run is a real new level."""
    problem = quality_problem(scope, obs)
    if problem is not None and "ratio" not in problem[1]:
        return False  # a broken bound or sign stays implausible however often it is seen
    if not scope.dry:
        scope.session.execute(
            delete(QuarantinedObservation).where(
                QuarantinedObservation.kind == obs.kind, QuarantinedObservation.row_id == obs.row.id
            )
        )
    scope.history.release(obs.kind, obs.row.id)
    logger.info("run %s: %s %s seen again unchanged: its new level is confirmed", scope.run_id, obs.kind,
                base_context(obs)["label"])  # fmt: skip
    return True
