"""The four item contracts every spider emits (DESIGN §3): plain dataclasses with the exact field names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass
class GpuOffer:
    """One rentable GPU configuration at one provider, priced per instance-hour."""

    source: str
    url: str
    observed_at: datetime
    provider: str
    instance_type: str
    region: str
    gpu_model: str
    gpu_count: Decimal
    billing: str
    currency: str
    price: Decimal | None
    available: bool = True
    gpu_variant: str | None = None
    vcpus: int | None = None
    memory_gb: Decimal | None = None
    disk: str | None = None
    price_per_gpu_hour: Decimal | None = None
    #: marketplaces (vastai_gpu): the cheapest offer summarised into this one, and how many offers there were
    price_min: Decimal | None = None
    offer_count: int | None = None

    def __post_init__(self) -> None:
        # Computed once, here, so no spider can divide twice.
        if self.price_per_gpu_hour is None and self.price is not None and self.gpu_count:
            self.price_per_gpu_hour = self.price / self.gpu_count


@dataclass
class TrafficSnapshot:
    """One site in one period (day, week or month) from one source."""

    source: str
    url: str
    observed_at: datetime
    domain: str
    period_start: date
    granularity: str
    visits: int | None = None
    avg_visit_duration_s: Decimal | None = None
    pages_per_visit: Decimal | None = None
    bounce_rate: Decimal | None = None
    global_rank: int | None = None


@dataclass
class FundingRound:
    """One financing event extracted from one news item."""

    source: str
    url: str
    observed_at: datetime
    company: str
    round: str
    headline: str
    published_at: datetime
    status: str = "completed"
    round_raw: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    currency: str | None = None
    amount_text: str | None = None
    lead_investors: list[str] = field(default_factory=list)
    investors: list[str] = field(default_factory=list)
    valuation_min: Decimal | None = None
    valuation_max: Decimal | None = None
    sector: str | None = None
    ai_related: bool | None = None


@dataclass
class Quote:
    """One instrument (stock or index) at one moment."""

    source: str
    url: str
    observed_at: datetime
    symbol: str
    name: str
    kind: str
    currency: str
    quote_time: datetime
    status: str
    price: Decimal | None = None
    prev_close: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    volume: int | None = None
    turnover: Decimal | None = None
    market_cap: Decimal | None = None
    pe_ttm: Decimal | None = None
    limit_up: Decimal | None = None
    limit_down: Decimal | None = None


Item = GpuOffer | TrafficSnapshot | FundingRound | Quote

#: item class -> the kind name used by storage, config and alerts
ITEM_KINDS: dict[type, str] = {
    GpuOffer: "gpu",
    TrafficSnapshot: "traffic",
    FundingRound: "funding",
    Quote: "quotes",
}
