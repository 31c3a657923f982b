"""What every alert stage shares: observations, findings, series identity, selectors and values as text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from core.numbers import decimal_or_none
from storage.writes import company_key

#: Descriptive columns added to a series' identity for labels and silence matchers.
LABEL_FIELDS = {
    "gpu": ("gpu_model", "gpu_variant", "gpu_count", "currency"),
    "traffic": (),
    "quotes": ("name", "kind", "currency"),
    "funding": ("company",),
}


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


def series_key(series: Mapping[str, Any]) -> str:
    """The stable text identity of a series (sorted JSON)."""
    # A pass asks for the key of one series a dozen times; the JSON is built once per (name, type, value) tuple
    # (the type too: 1 and Decimal(1) are equal but written differently).
    try:
        return _series_key(tuple((name, type(value), value) for name, value in series.items()))
    except TypeError:  # an unhashable value (a list): not cached
        return _series_json(series)


@lru_cache(maxsize=16_384)
def _series_key(items: tuple[tuple[str, type, Any], ...]) -> str:
    return _series_json({name: value for name, _, value in items})


def _series_json(series: Mapping[str, Any]) -> str:
    return json.dumps(jsonable(dict(series)), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def jsonable(value: Any) -> Any:
    """`value` with Decimals, dates and tuples turned into what JSON columns store."""
    if isinstance(value, Decimal):
        return text(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def text(value: Decimal | int | None) -> str | None:
    """A number as plain text for messages and JSON: no exponent, at most 6 decimals."""
    if value is None:
        return None
    number = Decimal(value)
    if not number.is_finite():
        return "∞" if number > 0 else "-∞"
    if number.as_tuple().exponent < -6:  # type: ignore[operator]
        number = number.quantize(Decimal("1e-6"))
    return format(number.normalize(), "f")


def to_decimal(value: Any) -> Decimal | None:
    """A stored number as a Decimal (None for missing values and booleans)."""
    return decimal_or_none(value)


def value_of(row: Any, name: str) -> Decimal | None:
    """Column `name` of `row` as a Decimal, None when the row has no value there."""
    return to_decimal(getattr(row, name, None))


def pct_change(new: Decimal, old: Decimal) -> Decimal | None:
    """The move from `old` to `new` in percent of |old|; None when old is zero."""
    return (new - old) / abs(old) * 100 if old != 0 else None


def direction_ok(direction: str, delta: Decimal) -> bool:
    """True when a move of `delta` goes the way a rule's `direction` (up, down, any) asks for."""
    return direction == "any" or (direction == "up" and delta > 0) or (direction == "down" and delta < 0)


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


def unit_of(kind: str, row: Any, field_name: str) -> str:
    """The unit a message shows after a value of `field_name` (currency per GPU-hour, %, s …)."""
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
        count = f" ×{text(row.gpu_count)}" if row.gpu_count != 1 else ""
        return f"{row.provider} {model}{count} · {row.region} · {row.billing} ({row.instance_type})"
    if kind == "traffic":
        return f"{row.domain} ({row.granularity} of {row.period_start.isoformat()}, {row.source})"
    if kind == "quotes":
        return f"{row.name} {row.symbol}"
    return f"{row.company} {row.round}"


def base_context(obs: Observation) -> dict[str, Any]:
    """What every message about an observation carries: item, label, labels, source, link, time."""
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
        "labels": jsonable(labels),
        "source": source,
        "url": url,
        "observed_at": getattr(row, "observed_at", None) or getattr(row, "first_seen_at", None),
    }


def untradable(obs: Observation) -> bool:
    """True for a sold-out GPU offer or a halted stock: their value says nothing about the market, no verdict."""
    return (obs.kind == "gpu" and not obs.row.available) or (obs.kind == "quotes" and obs.row.status == "halted")
