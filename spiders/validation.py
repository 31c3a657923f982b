"""Checks an item against its contract before storage: a list of reasons, empty when the item is whole."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal

from spiders.items import FundingRound, GpuOffer, Item, Quote, TrafficSnapshot

GPU_BILLINGS = frozenset({"on_demand", "spot", "community", "monthly", "reserved", "interruptible"})
GRANULARITIES = frozenset({"day", "week", "month"})
ROUND_STATUSES = frozenset({"completed", "announced", "planned"})
QUOTE_KINDS = frozenset({"stock", "index"})
#: what a decoder puts where a byte was not of its encoding: a text holding it is mojibake, never a value
REPLACEMENT_CHARACTER = "\ufffd"
QUOTE_STATUSES = frozenset({"trading", "halted", "closed"})

_REQUIRED: dict[type, tuple[str, ...]] = {
    GpuOffer: ("provider", "instance_type", "region", "gpu_model", "gpu_count", "billing", "currency"),
    TrafficSnapshot: ("domain", "period_start", "granularity"),
    FundingRound: ("company", "round", "headline", "published_at"),
    Quote: ("symbol", "name", "kind", "currency", "quote_time", "status"),
}


def problems(item: Item) -> list[str]:
    """Return why `item` must not be stored; an empty list means it is valid."""
    found: list[str] = []
    for name in ("source", "url", "observed_at", *_REQUIRED[type(item)]):
        value = getattr(item, name)
        if value is None or value == "":
            found.append(f"{name} is missing")
    for f in fields(item):
        value = getattr(item, f.name)
        if isinstance(value, datetime) and value.tzinfo is None:
            found.append(f"{f.name} is a naive datetime")
        if isinstance(value, Decimal) and not value.is_finite():
            found.append(f"{f.name} is not a finite number")
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and REPLACEMENT_CHARACTER in text for text in texts):
            found.append(f"{f.name} {value!r} holds U+FFFD: the answer was decoded with the wrong encoding (mojibake)")
    if isinstance(item, GpuOffer):
        found += _gpu_problems(item)
    elif isinstance(item, TrafficSnapshot):
        found += _traffic_problems(item)
    elif isinstance(item, FundingRound):
        found += _funding_problems(item)
    else:
        found += _quote_problems(item)
    return found


def _currency_problem(code: str | None) -> list[str]:
    if code is not None and not (len(code) == 3 and code.isalpha() and code.isupper()):
        return [f"currency {code!r} is not an ISO 4217 code"]
    return []


def _gpu_problems(item: GpuOffer) -> list[str]:
    found = _currency_problem(item.currency)
    if item.billing and item.billing not in GPU_BILLINGS:
        found.append(f"billing {item.billing!r} is not one of {sorted(GPU_BILLINGS)}")
    if item.gpu_count is not None and item.gpu_count <= 0:
        found.append(f"gpu_count {item.gpu_count} is not positive")
    if item.price is None and item.available:
        found.append("price is missing on an available offer")
    if item.price is not None and item.price <= 0:
        found.append(f"price {item.price} is not positive (0 means no price, never free)")
    if item.price is not None and item.gpu_count and item.price_per_gpu_hour != item.price / item.gpu_count:
        found.append("price_per_gpu_hour is not price / gpu_count")
    return found


def _traffic_problems(item: TrafficSnapshot) -> list[str]:
    found: list[str] = []
    if item.granularity and item.granularity not in GRANULARITIES:
        found.append(f"granularity {item.granularity!r} is not one of {sorted(GRANULARITIES)}")
    measures = (item.visits, item.avg_visit_duration_s, item.pages_per_visit, item.bounce_rate, item.global_rank)
    if all(m is None for m in measures):
        found.append("no measure at all (a source that knows nothing yields nothing)")
    if item.visits is not None and item.visits < 0:
        found.append(f"visits {item.visits} is negative")
    if item.bounce_rate is not None and not (0 <= item.bounce_rate <= 1):
        found.append(f"bounce_rate {item.bounce_rate} is outside 0..1")
    if item.global_rank is not None and item.global_rank < 1:
        found.append(f"global_rank {item.global_rank} is below 1")
    return found


def _funding_problems(item: FundingRound) -> list[str]:
    found = _currency_problem(item.currency)
    if item.status not in ROUND_STATUSES:
        found.append(f"status {item.status!r} is not one of {sorted(ROUND_STATUSES)}")
    for low_name, high_name in (("amount_min", "amount_max"), ("valuation_min", "valuation_max")):
        low, high = getattr(item, low_name), getattr(item, high_name)
        if (low is not None and low < 0) or (high is not None and high < 0):
            found.append(f"{low_name}/{high_name} is negative")
        if low is not None and high is not None and low > high:
            found.append(f"{low_name} {low} is above {high_name} {high}")
    if (item.amount_min is not None or item.amount_max is not None) and not item.currency:
        found.append("an amount without a currency")
    return found


def _quote_problems(item: Quote) -> list[str]:
    found = _currency_problem(item.currency)
    if item.kind not in QUOTE_KINDS:
        found.append(f"kind {item.kind!r} is not one of {sorted(QUOTE_KINDS)}")
    if item.status not in QUOTE_STATUSES:
        found.append(f"status {item.status!r} is not one of {sorted(QUOTE_STATUSES)}")
    if item.price is not None and item.price <= 0:
        found.append(f"price {item.price} is not positive (a zero price is a missing price)")
    if item.volume is not None and item.volume < 0:
        found.append(f"volume {item.volume} is negative")
    return found
