"""A whole source shifting at once (a unit or layout change) and a flat new level seen again (issue 16.3).

Each series' jump is judged against its last accepted level. When most series of one run of a source jump
beyond the gate's ratio together, the source changed its unit or layout: every jumped point is quarantined,
one `quality` finding names the source, and no price rule sees them. Such a shift is never confirmed by a
second point: it is compared with the last accepted level again, and again with the source's other series.

A GPU offer that did not change keeps its row (and its first run's id); a quarantined level seen again by
a later run is fetched here so the gate can confirm it, instead of the row never being evaluated again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from alerts.observations import newest_per_series
from alerts.quality import QUALITY_FIELD
from alerts.scope import Scope
from alerts.series import Finding, Observation, text, unit_of, value_of
from storage.alert_models import QuarantinedObservation
from storage.models import GpuOffer

logger = logging.getLogger(__name__)

#: a shift is source-wide when at least this many series and this share of the series the run saw jump together
MIN_SHIFTED_SERIES = 3
MIN_SHIFTED_SHARE = Decimal("0.5")


@dataclass(frozen=True)
class SourceShift:
    """The observations of one run that jumped together, and the one finding for the source (None: not new)."""

    shifted: list[Observation]
    finding: Finding | None


def seen_again_quarantined(scope: Scope, kind: str) -> list[Observation]:
    """Quarantined GPU states of the run's source that this run saw again unchanged (stored by an earlier run)."""
    run = scope.run
    if kind != "gpu" or run is None:
        return []
    quarantined = select(QuarantinedObservation.row_id).where(QuarantinedObservation.kind == "gpu")
    rows = scope.session.scalars(
        select(GpuOffer).where(
            GpuOffer.source == run.source, GpuOffer.last_seen_at >= run.started_at, GpuOffer.run_id != run.id,
            GpuOffer.id.in_(quarantined),
        )
    ).all()  # fmt: skip
    return newest_per_series(kind, rows)


def _series_seen(scope: Scope, kind: str, observations: list[Observation]) -> int:
    """How many series of the source the run saw: its new rows, plus (gpu) the unchanged states it extended."""
    run = scope.run
    if kind != "gpu" or run is None:
        return len(observations)
    seen = select(func.count()).where(GpuOffer.source == run.source, GpuOffer.last_seen_at >= run.started_at)
    return max(len(observations), int(scope.session.scalar(seen) or 0))


def _jump(scope: Scope, obs: Observation) -> Decimal | None:
    """The ratio of the observation to its series' last accepted value, when it is beyond the gate's limit."""
    name = QUALITY_FIELD.get(obs.kind)
    if name is None:
        return None
    value = value_of(obs.row, name)
    previous = scope.history.accepted_before(obs.kind, obs.series, obs.at, name)
    reference = value_of(previous, name) if previous is not None else None
    if not value or not reference or value <= 0 or reference <= 0:
        return None
    limit = scope.config.quality.traffic_max_ratio if obs.kind == "traffic" else scope.config.quality.max_ratio
    ratio = value / reference
    return None if 1 / limit < ratio < limit else ratio


def source_shift(scope: Scope, kind: str, observations: list[Observation]) -> SourceShift | None:
    """The run's observations that jumped together in one direction, when they are most of the source's series."""
    if scope.run is None or not observations:
        return None
    jumps = [(obs, ratio) for obs in observations if (ratio := _jump(scope, obs)) is not None]
    for direction in (True, False):
        shifted = [(obs, ratio) for obs, ratio in jumps if (ratio > 1) is direction]
        seen = _series_seen(scope, kind, observations)
        if len(shifted) >= MIN_SHIFTED_SERIES and len(shifted) >= MIN_SHIFTED_SHARE * seen:
            return _shift(scope, kind, shifted, seen)
    return None


def _shift(scope: Scope, kind: str, shifted: list[tuple[Observation, Decimal]], seen: int) -> SourceShift:
    run = scope.run
    assert run is not None
    ratios = sorted(ratio for _, ratio in shifted)
    median = ratios[len(ratios) // 2]
    name = QUALITY_FIELD[kind]
    shown = f"×{text(median.quantize(Decimal('0.01')))}"
    reason = (
        f"{len(shifted)} of {seen} {run.source} series moved {shown} at once (a unit or layout change?): "
        f"held back, no price alert, until the source's values return to their accepted level"
    )
    # A shift that continues (the series' previous points were held back already) is not announced again.
    fresh = any(
        not (earlier := next(scope.history.earlier_rows(kind, obs.series, obs.at), None))
        or not scope.history.is_quarantined(kind, earlier.id)
        for obs, _ in shifted
        if not scope.history.is_quarantined(kind, obs.row.id)
    )
    example, _ = shifted[0]
    previous = scope.history.accepted_before(kind, example.series, example.at, name)
    context: dict[str, Any] = {
        "item": kind, "label": f"{run.source}: {len(shifted)} {kind} series", "check": "quality",
        "field": name, "reason": reason, "source": run.source, "ratio": shown, "series_shifted": len(shifted),
        "new": text(value_of(example.row, name)), "old": text(value_of(previous, name)) if previous else None,
        "unit": unit_of(kind, example.row, name), "labels": {"source": run.source, "kind": kind},
        "observed_at": getattr(example.row, "observed_at", None),
    }  # fmt: skip
    if fresh:
        logger.warning("run %s: %s", run.id, reason)
    finding = Finding({"source": run.source, "kind": kind, "check": "source_shift"}, True, context) if fresh else None
    return SourceShift([obs for obs, _ in shifted], finding)
