"""Evaluates alert rules per series after a run: the data-quality gate, findings, the state machine, silences."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import enqueue
from core.config.alert_rules import (
    AnyRule,
    AvailabilityRule,
    ChangeRule,
    HealthRule,
    NewRule,
    SpikeRule,
    ThresholdRule,
)
from core.config.alerts import AlertsConfig
from core.durations import format_duration
from storage.alert_models import AlertEvent, AlertSilence, AlertState, QuarantinedObservation
from storage.models import CrawlRun, FundingMention, FundingRound, GpuOffer
from storage.repository import SERIES, company_key, last_runs, latest, recent_runs

logger = logging.getLogger(__name__)

DATA_KINDS = ("gpu", "traffic", "quotes", "funding")
#: Descriptive columns added to a series' identity for labels and silence matchers.
LABEL_FIELDS = {
    "gpu": ("gpu_model", "gpu_variant", "gpu_count", "currency"),
    "traffic": (),
    "quotes": ("name", "kind", "currency"),
    "funding": ("company",),
}
QUALITY_FIELD = {"gpu": "price_per_gpu_hour", "quotes": "price", "traffic": "visits"}
# Consistency constant of the MAD: 0.6745 · (x − median) / MAD is a z-score for normally distributed data.
MAD_SCALE = Decimal("0.6745")
_LOOKBACK_STEPS = 5


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
class Observation:
    """The newest stored row of one series touched by a run."""

    kind: str
    row: Any
    series: dict[str, Any]
    at: datetime


@dataclass
class Finding:
    """A rule's verdict on one series: active (condition holds / event happened), inactive, or None (no verdict)."""

    series: dict[str, Any]
    active: bool | None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    """What `check` reports: a rule whose condition holds now on a series (nothing stored, nothing sent)."""

    rule: str
    rule_kind: str
    label: str
    state: str
    context: dict[str, Any]


# --- small helpers ---------------------------------------------------------------------------------


def series_key(series: Mapping[str, Any]) -> str:
    """The stable text identity of a series (sorted JSON)."""
    return json.dumps(_jsonable(dict(series)), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _text(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _text(value: Decimal | int | None) -> str | None:
    """A number as plain text for messages and JSON: no exponent, at most 6 decimals."""
    if value is None:
        return None
    number = Decimal(value)
    if not number.is_finite():
        return "∞" if number > 0 else "-∞"
    if number.as_tuple().exponent < -6:  # type: ignore[operator]
        number = number.quantize(Decimal("1e-6"))
    return format(number.normalize(), "f")


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _time_of(kind: str, row: Any) -> datetime:
    if kind == "traffic":
        return datetime.combine(row.period_start, time(), tzinfo=UTC)
    if kind == "quotes":
        return row.quote_time  # type: ignore[no-any-return]
    if kind == "funding":
        return row.published_at  # type: ignore[no-any-return]
    return row.observed_at  # type: ignore[no-any-return]


def _just_before(kind: str, at: datetime) -> datetime:
    # Traffic is ordered by period_start (a date): the previous period is at most the day before.
    return at - (timedelta(days=1) if kind == "traffic" else timedelta(microseconds=1))


def row_at(session: Session, kind: str, series: Mapping[str, Any], at: datetime) -> Any | None:
    """The series' row in force at `at`: repository.value_at's answer, as one index probe.

    value_at goes through latest(), whose GROUP BY makes SQLite read every index entry of the series up to
    `at` (seen 2026-11 on SQLite 3.40: evaluation time grew with history); ORDER BY … LIMIT 1 reads one.
    """
    model, _, order = SERIES[kind]
    order_col = getattr(model, order)
    bound: Any = at.date() if order == "period_start" else at
    query = select(model).where(*(getattr(model, k) == v for k, v in series.items()), order_col <= bound)
    newest = [order_col.desc(), *([model.revision.desc()] if kind == "traffic" else []), model.id.desc()]  # type: ignore[attr-defined]
    return session.scalars(query.order_by(*newest).limit(1)).first()


def window_rows(session: Session, kind: str, series: Mapping[str, Any], since: datetime, until: datetime) -> list[Any]:
    """repository.history's answer (the row in force at `since`, then the rows up to `until`), index-bounded."""
    model, _, order = SERIES[kind]
    order_col = getattr(model, order)
    low: Any = since.date() if order == "period_start" else since
    high: Any = until.date() if order == "period_start" else until
    query = select(model).where(
        *(getattr(model, k) == v for k, v in series.items()), order_col > low, order_col <= high
    )
    before = row_at(session, kind, series, since)
    return ([before] if before is not None else []) + list(session.scalars(query.order_by(order_col, model.id)))  # type: ignore[attr-defined]


def _series_of(kind: str, row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SERIES[kind][1]}


def _equal(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return actual is wanted or actual == wanted
    if isinstance(actual, (Decimal, int)) and isinstance(wanted, (int, float, str)):
        try:
            return Decimal(actual) == Decimal(str(wanted))
        except ArithmeticError:
            return False
    return str(actual) == str(wanted)


def matches(values: Mapping[str, Any] | Any, select_: Mapping[str, Any]) -> bool:
    """True when every selector entry matches (a list matches any of its values); `values` is a row or a dict."""
    for name, wanted in select_.items():
        actual = values.get(name) if isinstance(values, Mapping) else getattr(values, name, None)
        if name == "company_key" and isinstance(wanted, str):
            wanted = company_key(wanted)
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(_equal(actual, option) for option in options):
            return False
    return True


def _unit(kind: str, row: Any, field_name: str) -> str:
    currency = getattr(row, "currency", None) or ""
    if kind == "gpu":
        return (
            f"{currency}/GPU·h"
            if field_name == "price_per_gpu_hour"
            else f"{currency}/h"
            if field_name == "price"
            else ""
        )
    if kind == "quotes":
        return "%" if field_name == "change_pct" else currency if field_name in ("price", "change", "turnover") else ""
    if kind == "traffic":
        return "%" if field_name == "bounce_rate" else "s" if field_name == "avg_visit_duration_s" else ""
    return currency


def _label(kind: str, row: Any) -> str:
    if kind == "gpu":
        model = row.gpu_model + (f" {row.gpu_variant}" if row.gpu_variant else "")
        count = f" ×{_text(row.gpu_count)}" if row.gpu_count != 1 else ""
        return f"{row.provider} {model}{count} · {row.region} · {row.billing} ({row.instance_type})"
    if kind == "traffic":
        return f"{row.domain} ({row.granularity} of {row.period_start.isoformat()}, {row.source})"
    if kind == "quotes":
        return f"{row.name} {row.symbol}"
    return f"{row.company} {row.round}"


def _base_context(obs: Observation) -> dict[str, Any]:
    row = obs.row
    labels = {**obs.series, **{name: getattr(row, name) for name in LABEL_FIELDS[obs.kind]}}
    source = getattr(row, "source", None)
    url = getattr(row, "url", None)
    if obs.kind == "funding":
        first = min(row.mentions, key=lambda m: m.observed_at, default=None)
        source, url = (first.source, first.url) if first else (None, None)
    return {
        "item": obs.kind,
        "label": _label(obs.kind, row),
        "labels": _jsonable(labels),
        "source": source,
        "url": url,
        "observed_at": getattr(row, "observed_at", None) or getattr(row, "first_seen_at", None),
    }


def _value(row: Any, name: str) -> Decimal | None:
    return _decimal(getattr(row, name, None))


def _pct(new: Decimal, old: Decimal) -> Decimal | None:
    return (new - old) / abs(old) * 100 if old != 0 else None


def _direction_ok(direction: str, delta: Decimal) -> bool:
    return direction == "any" or (direction == "up" and delta > 0) or (direction == "down" and delta < 0)


# --- the evaluator ---------------------------------------------------------------------------------


class _Evaluator:
    """One evaluation pass: caches, silences and the transitions it stored."""

    def __init__(self, session: Session, config: AlertsConfig, now: datetime, run: CrawlRun | None, *, dry: bool):
        self.session = session
        self.config = config
        self.now = now
        self.run = run
        self.run_id = run.id if run is not None else None
        self.dry = dry
        self.transitions: list[Transition] = []
        self._quarantined: dict[tuple[str, int], bool] = {}
        self._accepted: dict[tuple[str, str, datetime, str], Any] = {}
        self._silences = list(
            session.scalars(select(AlertSilence).where(AlertSilence.starts_at <= now, AlertSilence.ends_at > now))
        )

    # observations ---------------------------------------------------------------------------------

    def new_observations(self, kind: str) -> list[Observation]:
        """The newest row of every series this run wrote (older rows of a backfill are history, not news)."""
        model, _, _ = SERIES[kind]
        if kind == "funding":
            touched = select(FundingMention.round_id).where(FundingMention.run_id == self.run_id)
            rows: Sequence[Any] = self.session.scalars(select(FundingRound).where(FundingRound.id.in_(touched))).all()
        else:
            rows = self.session.scalars(select(model).where(model.run_id == self.run_id)).all()  # type: ignore[attr-defined]
        return self._newest(kind, rows)

    def _newest(self, kind: str, rows: Sequence[Any]) -> list[Observation]:
        newest: dict[str, Observation] = {}
        for row in rows:
            obs = Observation(kind, row, _series_of(kind, row), _time_of(kind, row))
            key = series_key(obs.series)
            current = newest.get(key)
            rank = (obs.at, getattr(row, "revision", 0), row.id)
            if current is None or rank > (current.at, getattr(current.row, "revision", 0), current.row.id):
                newest[key] = obs
        return list(newest.values())

    def is_quarantined(self, kind: str, row_id: int) -> bool:
        key = (kind, row_id)
        if key not in self._quarantined:
            found = self.session.scalar(
                select(QuarantinedObservation.id).where(
                    QuarantinedObservation.kind == kind, QuarantinedObservation.row_id == row_id
                )
            )
            self._quarantined[key] = found is not None
        return self._quarantined[key]

    def load_quarantined(self, kind: str, row_ids: Sequence[int]) -> None:
        """Fill the quarantine cache for many rows in one query (a window of history)."""
        missing = [row_id for row_id in row_ids if (kind, row_id) not in self._quarantined]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            found = set(
                self.session.scalars(
                    select(QuarantinedObservation.row_id).where(
                        QuarantinedObservation.kind == kind, QuarantinedObservation.row_id.in_(chunk)
                    )
                )
            )
            self._quarantined.update({(kind, row_id): row_id in found for row_id in chunk})

    def earlier_rows(self, kind: str, series: Mapping[str, Any], at: datetime) -> Iterator[Any]:
        """Rows of the series before `at`, newest first (a few steps back at most)."""
        cursor = at
        for _ in range(_LOOKBACK_STEPS):
            row = row_at(self.session, kind, series, _just_before(kind, cursor))
            if row is None:
                return
            yield row
            cursor = _time_of(kind, row)

    def accepted_before(self, kind: str, series: Mapping[str, Any], at: datetime, name: str) -> Any | None:
        """The newest row before `at` that passed the quality gate and has a value for `name`."""
        key = (kind, series_key(series), at, name)
        if key not in self._accepted:
            found = None
            for row in self.earlier_rows(kind, series, at):
                if not self.is_quarantined(kind, row.id) and getattr(row, name, None) is not None:
                    found = row
                    break
            self._accepted[key] = found
        return self._accepted[key]

    def accepted_at(self, kind: str, series: Mapping[str, Any], at: datetime, name: str) -> Any | None:
        """The row in force at `at` (or the newest accepted one before it) with a value for `name`."""
        row = row_at(self.session, kind, series, at)
        if row is None:
            return None
        if not self.is_quarantined(kind, row.id) and getattr(row, name, None) is not None:
            return row
        return self.accepted_before(kind, series, _time_of(kind, row), name)

    def window_values(self, obs: Observation, name: str, window: timedelta) -> list[tuple[Any, Decimal]]:
        """Accepted values of the series in [at − window, at), one per traffic period (its last revision)."""
        rows = window_rows(self.session, obs.kind, obs.series, obs.at - window, _just_before(obs.kind, obs.at))
        if obs.kind == "traffic":
            by_period = {row.period_start: row for row in sorted(rows, key=lambda r: (r.period_start, r.revision))}
            rows = [row for start, row in sorted(by_period.items()) if start < obs.row.period_start]
        self.load_quarantined(obs.kind, [row.id for row in rows])
        out = []
        for row in rows:
            value = _value(row, name)
            if value is not None and row.id != obs.row.id and not self.is_quarantined(obs.kind, row.id):
                out.append((row, value))
        return out

    # the data-quality gate ------------------------------------------------------------------------

    def quality_problem(self, obs: Observation) -> tuple[str, dict[str, Any]] | None:
        """Why the observation is implausible (reason, context), or None when it may be believed."""
        row, quality = obs.row, self.config.quality
        if obs.kind == "funding":
            for name in ("amount_min", "amount_max", "valuation_min", "valuation_max"):
                value = _value(row, name)
                if value is not None and value < 0:
                    return f"negative {name} {_text(value)}", {"field": name, "new": _text(value)}
            low, high = _value(row, "amount_min"), _value(row, "amount_max")
            if low is not None and high is not None and low > high:
                return f"amount_min {_text(low)} above amount_max {_text(high)}", {"field": "amount_min"}
            usd = self.usd(row)
            if usd is not None and usd > quality.max_amount_usd:
                return f"amount ≈ USD {_text(usd)} is beyond belief", {"field": "amount_min", "new": _text(low)}
            return None
        if obs.kind == "traffic":
            rate = _value(row, "bounce_rate")
            if rate is not None and not 0 <= rate <= 1:
                return f"bounce_rate {_text(rate)} outside 0..1", {"field": "bounce_rate", "new": _text(rate)}
        name = QUALITY_FIELD[obs.kind]
        value = _value(row, name)
        if value is None:
            return None
        unit = _unit(obs.kind, row, name)
        if value < 0 or (value == 0 and obs.kind != "traffic"):
            return f"{name} {_text(value)} is not positive", {"field": name, "new": _text(value), "unit": unit}
        limit = quality.traffic_max_ratio if obs.kind == "traffic" else quality.max_ratio
        previous = self.accepted_before(obs.kind, obs.series, obs.at, name)
        reference = _value(previous, name) if previous is not None else None
        if reference is None and obs.kind == "quotes":
            reference = _value(row, "prev_close")
        if not reference or reference <= 0 or value == 0:
            return None
        ratio = value / reference
        if 1 / limit < ratio < limit:
            return None
        # A new level seen twice in a row is real (a price list changed): the second point is accepted.
        immediate = next(self.earlier_rows(obs.kind, obs.series, obs.at), None)
        if immediate is not None and self.is_quarantined(obs.kind, immediate.id):
            last = _value(immediate, name)
            if last and abs(value / last - 1) <= quality.confirm_tolerance:
                return None
        shown = f"×{_text(ratio.quantize(Decimal('0.01')))}"
        context = {"field": name, "old": _text(reference), "new": _text(value), "unit": unit, "ratio": shown}
        return f"{name} {_text(reference)} → {_text(value)} ({shown}) in one observation", context

    def quarantine(self, obs: Observation, rules: Sequence[HealthRule]) -> bool:
        """Apply the gate: True when the observation must not feed data rules (quarantined now or before)."""
        if self.is_quarantined(obs.kind, obs.row.id):
            return True
        problem = self.quality_problem(obs)
        if problem is None:
            return False
        reason, extra = problem
        base = _base_context(obs)
        source = base["source"] or (self.run.source if self.run else None)
        self._quarantined[(obs.kind, obs.row.id)] = True
        if self.dry:
            return True
        self.session.add(
            QuarantinedObservation(
                kind=obs.kind, row_id=obs.row.id, source=source, series=_jsonable(obs.series), reason=reason,
                at=self.now, run_id=self.run_id,
            )
        )  # fmt: skip
        logger.warning("run %s: quarantined %s %s: %s", self.run_id, obs.kind, base["label"], reason)
        series = {"source": source, "kind": obs.kind, **_jsonable(obs.series)}
        context = {**base, **extra, "check": "quality", "reason": reason, "source": source}
        context["labels"] = {**context["labels"], "source": source, "kind": obs.kind}
        for rule in rules:
            if self.run is None or matches({"source": source, "trigger": self.run.trigger}, rule.select):
                self.apply(rule, Finding(series, True, context))
        return True

    def usd(self, row: Any) -> Decimal | None:
        amount = _value(row, "amount_min")
        amount = amount if amount is not None else _value(row, "amount_max")
        rate = self.config.fx_to_usd.get(row.currency or "")
        return amount * rate if amount is not None and rate is not None else None

    # findings -------------------------------------------------------------------------------------

    def finding(self, rule: AnyRule, obs: Observation) -> Finding | None:
        """The rule's verdict on an observation; None when the rule does not select it."""
        if not matches(obs.row, rule.select):
            return None
        context = {**_base_context(obs)}
        if isinstance(rule, ThresholdRule):
            return self._threshold(rule, obs, context)
        if isinstance(rule, ChangeRule):
            return self._change(rule, obs, context)
        if isinstance(rule, SpikeRule):
            return self._spike(rule, obs, context)
        if isinstance(rule, AvailabilityRule):
            return self._availability(rule, obs, context)
        if isinstance(rule, NewRule):
            return self._new_funding(rule, obs, context) if obs.kind == "funding" else self._new_gpu(rule, obs, context)
        return None

    def _unavailable(self, obs: Observation) -> bool:
        # A sold-out offer's price cannot be rented and a halted stock does not trade: no verdict on them.
        return (obs.kind == "gpu" and not obs.row.available) or (obs.kind == "quotes" and obs.row.status == "halted")

    def _threshold(self, rule: ThresholdRule, obs: Observation, context: dict[str, Any]) -> Finding:
        value = _value(obs.row, rule.field)
        context.update(field=rule.field, new=_text(value), op=rule.op, threshold=_text(rule.value),
                       unit=_unit(obs.kind, obs.row, rule.field))  # fmt: skip
        if value is None or self._unavailable(obs):
            return Finding(obs.series, None, context)
        holds = {
            "<": value < rule.value, "<=": value <= rule.value, ">": value > rule.value,
            ">=": value >= rule.value, "==": value == rule.value, "!=": value != rule.value,
        }[rule.op]  # fmt: skip
        return Finding(obs.series, holds, context)

    def _baseline(self, rule: ChangeRule, obs: Observation, name: str) -> tuple[Decimal | None, Any | None]:
        if rule.baseline == "prev_close":
            return _value(obs.row, "prev_close"), None
        if rule.baseline == "previous":
            row = self.accepted_before(obs.kind, obs.series, obs.at, name)
            return (_value(row, name), _time_of(obs.kind, row)) if row is not None else (None, None)
        if rule.baseline == "n_days_ago":
            assert rule.days is not None
            row = self.accepted_at(obs.kind, obs.series, obs.at - timedelta(days=rule.days), name)
            return (_value(row, name), _time_of(obs.kind, row)) if row is not None else (None, None)
        assert rule.window is not None
        values = [value for _, value in self.window_values(obs, name, rule.window)]
        return (Decimal(median(values)), None) if len(values) >= rule.min_points else (None, None)

    def _change(self, rule: ChangeRule, obs: Observation, context: dict[str, Any]) -> Finding:
        name = rule.watched()
        value = _value(obs.row, name)
        context.update(field=name, new=_text(value), unit=_unit(obs.kind, obs.row, name), baseline=rule.baseline,
                       direction=rule.direction, days=rule.days,
                       window=format_duration(rule.window) if rule.window else None)  # fmt: skip
        if value is None or self._unavailable(obs):
            return Finding(obs.series, None, context)
        base, base_at = self._baseline(rule, obs, name)
        if base is None:
            return Finding(obs.series, None, context)
        delta = value - base
        pct = _pct(value, base)
        context.update(old=_text(base), baseline_at=base_at, change_abs=_text(delta),
                       change_pct=_text(pct.quantize(Decimal("0.01"))) if pct is not None else None)  # fmt: skip
        if rule.pct is not None:
            big = pct is not None and abs(pct) >= rule.pct
        else:
            assert rule.abs is not None
            big = abs(delta) >= rule.abs
        return Finding(obs.series, big and _direction_ok(rule.direction, delta), context)

    def _spike(self, rule: SpikeRule, obs: Observation, context: dict[str, Any]) -> Finding:
        name = rule.watched()
        value = _value(obs.row, name)
        context.update(field=name, new=_text(value), unit=_unit(obs.kind, obs.row, name),
                       window=format_duration(rule.window))  # fmt: skip
        if value is None or self._unavailable(obs):
            return Finding(obs.series, None, context)
        values = [v for _, v in self.window_values(obs, name, rule.window)]
        if len(values) < rule.min_points:
            return Finding(obs.series, None, context)
        center = Decimal(median(values))
        mad = Decimal(median([abs(v - center) for v in values]))
        delta = value - center
        if mad:
            z = MAD_SCALE * delta / mad
        else:  # every point in the window is equal: any move at all is an outlier
            z = Decimal(0) if not delta else Decimal("Infinity") if delta > 0 else Decimal("-Infinity")
        pct = _pct(value, center)
        context.update(old=_text(center), change_abs=_text(delta), points=len(values), mad=_text(mad),
                       z=_text(z.quantize(Decimal("0.01"))) if z.is_finite() else _text(z),
                       change_pct=_text(pct.quantize(Decimal("0.01"))) if pct is not None else None)  # fmt: skip
        spike = (
            abs(z) >= rule.z
            and abs(delta) >= rule.min_abs_change
            and (pct is None or abs(pct) >= rule.min_pct)
            and _direction_ok(rule.direction, delta)
        )
        return Finding(obs.series, spike, context)

    def _availability(self, rule: AvailabilityRule, obs: Observation, context: dict[str, Any]) -> Finding:
        previous = next(self.earlier_rows(obs.kind, obs.series, obs.at), None)
        price = obs.row.price_per_gpu_hour
        context.update(price=_text(price), unit=_unit("gpu", obs.row, "price_per_gpu_hour"))
        if previous is None or previous.available == obs.row.available:
            return Finding(obs.series, None, context)
        change = "back_in_stock" if obs.row.available else "sold_out"
        context.update(change=change, old_price=_text(previous.price_per_gpu_hour))
        return Finding(obs.series, change in rule.on, context)

    def _new_funding(self, rule: NewRule, obs: Observation, context: dict[str, Any]) -> Finding:
        row: FundingRound = obs.row
        usd = self.usd(row)
        context.update(
            company=row.company, round=row.round, status=row.status, amount_text=row.amount_text,
            amount_usd=_text(usd.quantize(Decimal(1))) if usd is not None else None, currency=row.currency,
            lead_investors=list(row.lead_investors), investors=list(row.investors), headline=row.headline,
            published_at=row.published_at, sector=row.sector,
            mentions=[{"source": m.source, "url": m.url} for m in sorted(row.mentions, key=lambda m: m.observed_at)],
        )  # fmt: skip
        wanted = (
            (rule.ai_related is None or row.ai_related is rule.ai_related)
            and row.published_at >= self.now - rule.max_age
            and (not rule.companies or row.company_key in {company_key(c) for c in rule.companies})
            and (not rule.rounds or row.round in rule.rounds)
            and (rule.amount_usd_min is None or (usd is not None and usd >= rule.amount_usd_min))
        )
        # One round is one event: the same company may raise a round of the same name again years later.
        return Finding({**obs.series, "round_id": row.id}, wanted, context)

    def _new_gpu(self, rule: NewRule, obs: Observation, context: dict[str, Any]) -> Finding | None:
        row: GpuOffer = obs.row
        earlier = GpuOffer.run_id.is_(None) | (GpuOffer.run_id != self.run_id)
        context.update(what=rule.what or "offer", gpu_model=row.gpu_model, price=_text(row.price_per_gpu_hour),
                       unit=_unit("gpu", row, "price_per_gpu_hour"))  # fmt: skip
        if rule.what == "model":
            series = {"provider": row.provider, "gpu_model": row.gpu_model}
            known = select(GpuOffer.id).where(GpuOffer.provider == row.provider, earlier)
            seen = select(GpuOffer.id).where(
                GpuOffer.provider == row.provider, GpuOffer.gpu_model == row.gpu_model, earlier
            )
        else:
            series = obs.series
            known = select(GpuOffer.id).where(GpuOffer.source == row.source, earlier)
            seen = select(GpuOffer.id).where(*(getattr(GpuOffer, k) == v for k, v in obs.series.items()), earlier)
        context["labels"] = {**context["labels"], **series}
        # A source's first run brings every offer at once: that is the baseline, not news.
        if self.session.scalar(known.limit(1)) is None:
            return Finding(series, None, context)
        return Finding(series, self.session.scalar(seen.limit(1)) is None, context)

    def health_finding(self, rule: HealthRule, source: str, run: CrawlRun | None) -> Finding:
        """A source's health under one check, from its recent crawl_runs."""
        series = {"source": source}
        runs = [r for r in recent_runs(self.session, source, limit=max(2 * rule.runs, 20))
                if r.status not in ("running", "cancelled")]  # fmt: skip
        last = runs[0] if runs else None
        success = next((r for r in runs if r.status == "succeeded"), None)
        context: dict[str, Any] = {
            "item": "runs", "label": source, "labels": {"source": source}, "source": source, "check": rule.check,
            "url": None, "observed_at": (last.finished_at or last.started_at) if last else None,
            "last_status": last.status if last else None, "last_error": last.error if last else None,
            "last_success": (success.finished_at or success.started_at) if success else None,
        }  # fmt: skip
        if last is None:
            return Finding(series, None, context)
        if rule.check == "failing":
            failures = 0
            for r in runs:
                if r.status == "succeeded":
                    break
                failures += 1
            context.update(failures=failures, runs=rule.runs)
            return Finding(series, failures >= rule.runs, context)
        if rule.check == "blocked":
            return Finding(series, last.status == "blocked", context)
        if rule.check == "low_items":
            return self._low_items(rule, run or last, runs, series, context)
        assert rule.stale_after is not None
        reference = context["last_success"] or min(r.started_at for r in runs)
        age = self.now - reference
        context.update(age=format_duration(timedelta(seconds=int(age.total_seconds()))),
                       stale_after=format_duration(rule.stale_after))  # fmt: skip
        return Finding(series, age > rule.stale_after, context)

    def _low_items(
        self, rule: HealthRule, run: CrawlRun, runs: Sequence[CrawlRun], series: dict[str, Any], context: dict[str, Any]
    ) -> Finding:
        if run.status != "succeeded":
            return Finding(series, None, context)
        earlier = [_fetched(r) for r in runs if r.status == "succeeded" and r.id < run.id][: rule.runs]
        items = _fetched(run)
        context.update(items=items)
        if len(earlier) < min(3, rule.runs):
            return Finding(series, None, context)
        usual = Decimal(median(earlier))
        context.update(usual_items=_text(usual), ratio=_text(rule.ratio))
        return Finding(series, usual > 0 and items < rule.ratio * usual, context)

    # the state machine ----------------------------------------------------------------------------

    def state_for(self, rule: AnyRule, series: Mapping[str, Any], *, create: bool) -> AlertState | None:
        key = series_key(series)
        state = self.session.scalar(
            select(AlertState).where(AlertState.rule == rule.name, AlertState.series_key == key)
        )
        if state is None and create:
            state = AlertState(rule=rule.name, series_key=key, series=_jsonable(dict(series)), state="inactive",
                               updated_at=self.now)  # fmt: skip
            self.session.add(state)
        return state

    def apply(self, rule: AnyRule, finding: Finding, *, stamp: bool = True) -> None:
        """Move the (rule, series) state by one verdict, storing and notifying the transition it causes.

        `stamp` records the run on the state, so evaluating the same run again is a no-op for this series.
        """
        if self.dry or finding.active is None:
            return
        state = self.state_for(rule, finding.series, create=bool(finding.active))
        if state is None:
            return
        if stamp and self.run_id is not None and state.last_run_id is not None and state.last_run_id >= self.run_id:
            return  # this run (or a later one) was already evaluated for this series: evaluation is idempotent
        context = _jsonable(finding.context)
        if rule.is_event():
            if state.state != "done":
                to_state = "done" if isinstance(rule, NewRule) else "inactive"
                self.record(rule, state, "event", to_state, context, notify=True)
        elif finding.active:
            state.context = context
            if state.state == "inactive":
                if rule.for_:
                    state.active_since = self.now
                    self.record(rule, state, "pending", "pending", context, notify=False)
                else:
                    self.fire(rule, state, context)
            elif state.state == "pending":
                if rule.for_ is None or state.active_since is None or self.now - state.active_since >= rule.for_:
                    self.fire(rule, state, context)
            elif state.state == "firing":
                self.remind(rule, state)
        elif state.state == "pending":
            state.active_since = None
            self.record(rule, state, "cleared", "inactive", context, notify=False)
        elif state.state == "firing":
            state.context, state.resolved_at, state.active_since = context, self.now, None
            notified = (
                state.notified_at is not None and state.fired_at is not None and state.notified_at >= state.fired_at
            )
            self.record(rule, state, "resolved", "inactive", context, notify=rule.send_resolved and notified)
        if stamp and self.run_id is not None:
            state.last_run_id = self.run_id
        state.updated_at = self.now

    def fire(self, rule: AnyRule, state: AlertState, context: dict[str, Any]) -> None:
        state.fired_at = self.now
        state.active_since = state.active_since or self.now
        self.record(rule, state, "firing", "firing", context, notify=True)

    def remind(self, rule: AnyRule, state: AlertState) -> None:
        """A firing alert: send it late if it was held back (silence, cooldown), else repeat when due."""
        context = dict(state.context or {})
        held_back = state.notified_at is None or (state.fired_at is not None and state.notified_at < state.fired_at)
        if held_back:
            if self.suppression(rule, state, context, "firing") is None:
                self.record(rule, state, "firing", "firing", context, notify=True)
        elif (
            rule.repeat_interval
            and state.notified_at
            and self.now - state.notified_at >= rule.repeat_interval
            and self.suppression(rule, state, context, "repeat") is None
        ):
            self.record(rule, state, "repeat", "firing", context, notify=True)

    def silenced(self, rule: AnyRule, labels: Mapping[str, Any]) -> AlertSilence | None:
        for silence in self._silences:
            if silence.rule == rule.name and all(str(labels.get(k)) == str(v) for k, v in silence.matchers.items()):
                return silence
        return None

    def suppression(self, rule: AnyRule, state: AlertState, context: Mapping[str, Any], transition: str) -> str | None:
        """Why a notification is held back (silenced, cooldown, no target), or None to send it."""
        if not self.config.targets_of(rule):
            return "no target"
        labels = context.get("labels") or state.series
        if self.silenced(rule, labels) is not None:
            return "silenced"
        if (
            transition in ("firing", "event")
            and rule.cooldown
            and state.notified_at is not None
            and self.now - state.notified_at < rule.cooldown
        ):
            return "cooldown"
        return None

    def record(
        self, rule: AnyRule, state: AlertState, transition: str, to_state: str, context: dict[str, Any], *, notify: bool
    ) -> None:
        """Store the transition (always) and queue its notification (when due and not held back)."""
        suppressed = self.suppression(rule, state, context, transition) if notify else None
        send = notify and suppressed is None
        from_state = state.state
        event = AlertEvent(
            rule=rule.name, rule_kind=rule.kind, series_key=state.series_key, series=state.series,
            transition=transition, from_state=from_state, to_state=to_state, at=self.now, run_id=self.run_id,
            notified=send, suppressed=suppressed, context=context,
        )  # fmt: skip
        self.session.add(event)
        state.state = to_state
        self.session.flush()
        if send:
            enqueue(self.session, self.config, event, rule, self.now)
            state.notified_at = self.now
        self.transitions.append(
            Transition(event.id, rule.name, rule.kind, dict(state.series), transition, from_state, to_state,
                       self.now, send, suppressed, context)
        )  # fmt: skip
        logger.info(
            "alert %s %s: %s -> %s%s", rule.name, context.get("label", state.series_key), from_state, to_state,
            f" ({suppressed})" if suppressed else "",
        )  # fmt: skip


def _fetched(run: CrawlRun) -> int:
    details = run.details or {}
    fetched = details.get("items_fetched")
    return int(fetched) if isinstance(fetched, int) else run.items_stored + run.items_unchanged


# --- public entry points ---------------------------------------------------------------------------


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
    evaluator = _Evaluator(session, config, now, run, dry=False)
    quality_rules = [r for r in config.rules if isinstance(r, HealthRule) and r.check == "quality"]
    kinds = {r.item for r in config.rules} | (set(DATA_KINDS) if quality_rules else set())
    for kind in DATA_KINDS:
        if kind not in kinds:
            continue
        rules = [r for r in config.rules if r.item == kind]
        for obs in evaluator.new_observations(kind):
            if config.quality.enabled and evaluator.quarantine(obs, quality_rules):
                continue
            for rule in rules:
                found = evaluator.finding(rule, obs)
                if found is not None:
                    evaluator.apply(rule, found)
    run_labels = {"source": run.source, "trigger": run.trigger}
    for rule in config.rules:
        if isinstance(rule, HealthRule) and rule.check != "quality" and matches(run_labels, rule.select):
            evaluator.apply(rule, evaluator.health_finding(rule, run.source, run))
    _tick(evaluator)
    return evaluator.transitions


def tick(session: Session, config: AlertsConfig, now: datetime) -> list[Transition]:
    """Time-driven transitions: pending → firing once `for` has passed, repeats, held-back sends, staleness."""
    if not config.enabled or not config.rules:
        return []
    evaluator = _Evaluator(session, config, now, None, dry=False)
    _tick(evaluator)
    return evaluator.transitions


def _tick(evaluator: _Evaluator) -> None:
    config, now = evaluator.config, evaluator.now
    open_states = evaluator.session.scalars(
        select(AlertState).where(AlertState.state.in_(("pending", "firing"))).order_by(AlertState.id)
    ).all()
    rules = {rule.name: rule for rule in config.rules}
    for state in open_states:
        rule = rules.get(state.rule)
        if rule is None or rule.is_event():
            continue
        if state.state == "pending":
            # No newer observation contradicted the condition (it would have cleared the state): it still holds.
            if rule.for_ is None or state.active_since is None or now - state.active_since >= rule.for_:
                evaluator.fire(rule, state, dict(state.context or {}))
                state.updated_at = now
        else:
            evaluator.remind(rule, state)
    stale_rules = [r for r in config.rules if isinstance(r, HealthRule) and r.check == "stale"]
    if stale_rules:
        runs = last_runs(evaluator.session)
        for rule in stale_rules:
            for source, run in sorted(runs.items()):
                if matches({"source": source, "trigger": run.trigger}, rule.select):
                    evaluator.apply(rule, evaluator.health_finding(rule, source, None), stamp=False)


def preview(session: Session, config: AlertsConfig, now: datetime) -> list[Preview]:
    """What holds now on the newest data, rule by rule (for `aipulse alerts check`): stores and sends nothing."""
    evaluator = _Evaluator(session, config, now, None, dry=True)
    out: list[Preview] = []
    for rule in config.rules:
        findings: list[Finding] = []
        if isinstance(rule, HealthRule):
            if rule.check != "quality":
                for source, run in sorted(last_runs(session).items()):
                    if matches({"source": source, "trigger": run.trigger}, rule.select):
                        findings.append(evaluator.health_finding(rule, source, run))
        elif not (isinstance(rule, NewRule) and rule.item == "gpu"):
            # Plain text selectors narrow the query; the rest (numbers, company names) are matched in Python.
            filters: dict[str, Any] = {k: v for k, v in rule.select.items()
                       if isinstance(v, (str, list)) and k not in ("company", "company_key")}  # fmt: skip
            rows = latest(session, rule.item, **filters)
            for obs in evaluator._newest(rule.item, rows):
                if isinstance(rule, NewRule) and obs.row.published_at < now - rule.max_age:
                    continue
                if config.quality.enabled and evaluator.quarantine(obs, []):
                    continue
                found = evaluator.finding(rule, obs)
                if found is not None:
                    findings.append(found)
        for found in findings:
            if not found.active:
                continue
            state = evaluator.state_for(rule, found.series, create=False)
            out.append(Preview(rule.name, rule.kind, str(found.context.get("label", "")),
                               state.state if state else "inactive", _jsonable(found.context)))  # fmt: skip
    return out


def silence(
    session: Session,
    rule: str,
    series: Mapping[str, Any] | None,
    until: datetime,
    *,
    now: datetime | None = None,
    comment: str | None = None,
) -> AlertSilence:
    """Mute `rule` until `until` for every series whose labels match `series` (all series when empty)."""
    start = now or datetime.now(UTC)
    if until <= start:
        raise ValueError("a silence must end in the future")
    row = AlertSilence(rule=rule, matchers=_jsonable(dict(series or {})), starts_at=start, ends_at=until,
                       created_at=start, comment=comment)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def unsilence(session: Session, rule_or_id: str | int, now: datetime | None = None) -> int:
    """End the active silences of a rule (or the one silence with this id) now; returns how many ended."""
    end = now or datetime.now(UTC)
    query = select(AlertSilence).where(AlertSilence.ends_at > end)
    if isinstance(rule_or_id, int) or str(rule_or_id).isdigit():
        query = query.where(AlertSilence.id == int(rule_or_id))
    else:
        query = query.where(AlertSilence.rule == rule_or_id)
    ended = 0
    for row in session.scalars(query):
        row.ends_at = max(end, row.starts_at)
        ended += 1
    session.flush()
    return ended


def active_silences(session: Session, now: datetime) -> list[AlertSilence]:
    """Silences in force at `now`, soonest to end first."""
    query = select(AlertSilence).where(AlertSilence.starts_at <= now, AlertSilence.ends_at > now)
    return list(session.scalars(query.order_by(AlertSilence.ends_at)))
