"""Plausibility bounds per item kind: values no real source publishes, whatever the parser made of a page.

One home for "implausible", used by the alerts quality gate (the point is quarantined with a `quality` alert
naming the bound) and by `aipulse verify` (a recorded case whose items break a bound is flagged). Pure: a
mapping of field values in, the broken bound as a sentence (or None) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from core.numbers import decimal_or_none
from core.strict import Strict
from core.symbols import SymbolError, parse_symbol

__all__ = ["BoundsConfig", "Breach", "breach", "implausible", "price_limit_pct"]

_PER_MONTH = {"month": Decimal(1), "week": Decimal(7) / Decimal("30.44"), "day": Decimal(1) / Decimal("30.44")}
# A close at the limit is rounded to the tick: allow a little over the band before calling it implausible.
_BAND_SLACK_PCT = Decimal("0.2")


class BoundsConfig(Strict):
    """`[alerts.quality.bounds]`: the plausible range of each kind (USD-equivalent at the `[fx]` table)."""

    enabled: bool = True
    gpu_usd_per_gpu_hour_min: Decimal = Field(default=Decimal("0.05"), gt=0)
    gpu_usd_per_gpu_hour_max: Decimal = Field(default=Decimal(200), gt=0)
    # google.com had 84 billion visits in 2024-09 (a real SimilarWeb capture in the fixtures): the busiest site
    # on the web sets the ceiling, not the AI apps (ChatGPT ~5.5 billion).
    traffic_visits_per_month_max: Decimal = Field(default=Decimal(150_000_000_000), gt=0)
    funding_usd_max: Decimal = Field(default=Decimal(200_000_000_000), gt=0)
    #: A-share daily moves beyond the board's price-limit band (±10 % main, ±20 % STAR/ChiNext, ±30 % BJ)
    quote_limit_bands: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> BoundsConfig:
        if self.gpu_usd_per_gpu_hour_min >= self.gpu_usd_per_gpu_hour_max:
            raise ValueError(
                f"gpu_usd_per_gpu_hour_min ({self.gpu_usd_per_gpu_hour_min}) must be below "
                f"gpu_usd_per_gpu_hour_max ({self.gpu_usd_per_gpu_hour_max})"
            )
        return self


@dataclass(frozen=True)
class Breach:
    """A broken bound: the sentence, the field it judged and the `[alerts.quality.bounds]` key that set the limit."""

    reason: str
    field: str
    bound: str


def price_limit_pct(symbol: str, name: str | None = None) -> Decimal | None:
    """The daily price-limit band of an A-share in percent; None where no band applies (indices, HK, US)."""
    try:
        parsed = parse_symbol(symbol)
    except SymbolError:
        return None
    if parsed.kind != "stock" or parsed.exchange not in ("SH", "SZ", "BJ"):
        return None
    if parsed.exchange == "BJ":
        return Decimal(30)
    if parsed.code.startswith("688") or parsed.code.startswith(("300", "301")):
        return Decimal(20)
    if name and name.lstrip("*").upper().startswith("ST"):
        return Decimal(5)
    return Decimal(10)


def implausible(
    kind: str, values: Mapping[str, Any], bounds: BoundsConfig, usd_rates: Mapping[str, Decimal]
) -> str | None:
    """The bound `values` (one item or stored row, by field name) breaks, as a sentence; None when plausible."""
    found = breach(kind, values, bounds, usd_rates)
    return found.reason if found is not None else None


def breach(
    kind: str, values: Mapping[str, Any], bounds: BoundsConfig, usd_rates: Mapping[str, Decimal]
) -> Breach | None:
    """The bound `values` breaks, with the field and the bound's config key; None when plausible."""
    if not bounds.enabled:
        return None
    if kind == "gpu":
        return _gpu(values, bounds, usd_rates)
    if kind == "quotes":
        return _quote(values, bounds)
    if kind == "traffic":
        return _traffic(values, bounds)
    if kind == "funding":
        return _funding(values, bounds, usd_rates)
    return None


def _named(reason: str, field: str, bound: str) -> Breach:
    return Breach(f"{reason} (alerts.quality.bounds.{bound})", field, bound)


def _gpu(values: Mapping[str, Any], bounds: BoundsConfig, usd_rates: Mapping[str, Decimal]) -> Breach | None:
    per_gpu = decimal_or_none(values.get("price_per_gpu_hour"))
    rate = usd_rates.get(str(values.get("currency") or ""))
    if per_gpu is None or rate is None:
        return None
    usd = per_gpu * rate
    field = "price_per_gpu_hour"
    if usd < bounds.gpu_usd_per_gpu_hour_min:
        low = bounds.gpu_usd_per_gpu_hour_min
        return _named(
            f"price per GPU-hour {usd:.4f} USD is below the plausible {low} USD", field, "gpu_usd_per_gpu_hour_min"
        )
    if usd > bounds.gpu_usd_per_gpu_hour_max:
        high = bounds.gpu_usd_per_gpu_hour_max
        return _named(
            f"price per GPU-hour {usd:.2f} USD is above the plausible {high} USD", field, "gpu_usd_per_gpu_hour_max"
        )
    return None


def _quote(values: Mapping[str, Any], bounds: BoundsConfig) -> Breach | None:
    if not bounds.quote_limit_bands:
        return None
    change = decimal_or_none(values.get("change_pct"))
    price, prev_close = decimal_or_none(values.get("price")), decimal_or_none(values.get("prev_close"))
    if change is None and price and prev_close:  # a source without change_pct: the move from the previous close
        change = ((price - prev_close) / prev_close * 100).quantize(Decimal("0.01"))
    if change is None:
        return None
    band = price_limit_pct(str(values.get("symbol") or ""), values.get("name"))
    if band is not None and abs(change) > band + _BAND_SLACK_PCT:
        reason = f"a daily move of {change} % is beyond the ±{band} % price-limit band of {values.get('symbol')}"
        return _named(reason, "change_pct", "quote_limit_bands")
    return None


def _traffic(values: Mapping[str, Any], bounds: BoundsConfig) -> Breach | None:
    visits = decimal_or_none(values.get("visits"))
    share = _PER_MONTH.get(str(values.get("granularity") or "month"))
    if visits is None or share is None:
        return None
    limit = bounds.traffic_visits_per_month_max * share
    if visits > limit:
        reason = f"{visits:,} visits in one {values.get('granularity')} is above the plausible {limit:,.0f}"
        return _named(reason, "visits", "traffic_visits_per_month_max")
    return None


def _funding(values: Mapping[str, Any], bounds: BoundsConfig, usd_rates: Mapping[str, Decimal]) -> Breach | None:
    amount = decimal_or_none(values.get("amount_max")) or decimal_or_none(values.get("amount_min"))
    rate = usd_rates.get(str(values.get("currency") or ""))
    if amount is None or rate is None:
        return None
    usd = amount * rate
    if usd > bounds.funding_usd_max:
        reason = f"a round of {usd:,.0f} USD is above the plausible {bounds.funding_usd_max:,.0f} USD"
        return _named(reason, "amount_max" if values.get("amount_max") is not None else "amount_min", "funding_usd_max")
    return None
