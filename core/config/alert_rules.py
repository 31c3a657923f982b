"""Models of `[[alerts.rules]]`: threshold, change, spike, new, availability and health rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from core.strict import Duration, Strict

ItemKind = Literal["gpu", "traffic", "funding", "quotes", "runs"]
SelectorValue = str | int | float | bool | list[str]
StockChange = Literal["back_in_stock", "sold_out"]
STOCK_CHANGES: tuple[StockChange, ...] = ("back_in_stock", "sold_out")

#: Columns a selector may name, per item kind (the stored columns, less ids and bookkeeping).
SELECTABLE: dict[str, frozenset[str]] = {
    "gpu": frozenset({"source", "provider", "instance_type", "region", "billing", "gpu_model", "gpu_variant",
                      "gpu_count", "vcpus", "memory_gb", "currency", "available"}),
    "traffic": frozenset({"source", "domain", "granularity"}),
    "funding": frozenset({"company", "company_key", "round", "status", "currency", "sector", "ai_related"}),
    "quotes": frozenset({"source", "symbol", "name", "kind", "currency", "status"}),
    "runs": frozenset({"source", "trigger"}),
}  # fmt: skip
#: Numeric columns a threshold, change or spike rule may watch, per item kind.
NUMERIC: dict[str, frozenset[str]] = {
    "gpu": frozenset({"price", "price_per_gpu_hour", "gpu_count", "vcpus", "memory_gb"}),
    "traffic": frozenset({"visits", "avg_visit_duration_s", "pages_per_visit", "bounce_rate", "global_rank"}),
    "funding": frozenset({"amount_min", "amount_max", "valuation_min", "valuation_max"}),
    "quotes": frozenset({"price", "change", "change_pct", "volume", "turnover", "market_cap", "pe_ttm"}),
    "runs": frozenset(),
}
#: The field a change or spike rule watches when it names none.
DEFAULT_FIELD = {"gpu": "price_per_gpu_hour", "traffic": "visits", "quotes": "price", "funding": "amount_min"}


class _RuleBase(Strict):
    name: str = Field(pattern=r"^[\w.:\-]{1,128}$")
    item: ItemKind
    select: dict[str, SelectorValue] = Field(default_factory=dict)
    notify: list[str] | None = None
    for_: Duration | None = Field(default=None, alias="for")
    repeat_interval: Duration | None = None
    cooldown: Duration | None = None
    send_resolved: bool = False
    group: bool = False
    description: str | None = None

    @model_validator(mode="after")
    def _selector_names_known_fields(self) -> _RuleBase:
        known = SELECTABLE[self.item]
        for name in self.select:
            if name not in known:
                raise ValueError(f"select: unknown field {name!r} for {self.item} (known: {', '.join(sorted(known))})")
        return self

    def _check_field(self, field: str) -> None:
        if field not in NUMERIC[self.item]:
            known = ", ".join(sorted(NUMERIC[self.item])) or "none"
            raise ValueError(f"field: {field!r} is not a numeric field of {self.item} (known: {known})")

    def _check_event_options(self) -> None:
        for option, value in (("for", self.for_), ("repeat_interval", self.repeat_interval)):
            if value is not None:
                raise ValueError(f"{option}: a {self.kind_name()} rule fires once per event; {option} does not apply")
        if self.send_resolved:
            raise ValueError(f"send_resolved: a {self.kind_name()} rule fires once per event and never resolves")

    def is_event(self) -> bool:
        """True for one-shot rules (an event, not a condition): no `for`, no resolution, no repeat."""
        return False

    def kind_name(self) -> str:
        """The rule's kind (threshold, change, …)."""
        return str(getattr(self, "kind", "?"))


class ThresholdRule(_RuleBase):
    """Fires while `field op value` holds on a series' newest observation."""

    kind: Literal["threshold"]
    field: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Decimal

    @model_validator(mode="after")
    def _valid(self) -> ThresholdRule:
        if self.item == "runs":
            raise ValueError("item: threshold rules watch gpu, traffic, funding or quotes; use a health rule for runs")
        self._check_field(self.field)
        return self


class ChangeRule(_RuleBase):
    """Fires while the newest value moved by `pct` % or `abs` units against a baseline, in `direction`."""

    kind: Literal["change"]
    field: str | None = None
    pct: Decimal | None = Field(default=None, gt=0)
    abs: Decimal | None = Field(default=None, gt=0)
    direction: Literal["up", "down", "any"] = "any"
    baseline: Literal["previous", "n_days_ago", "rolling_median", "prev_close"] = "previous"
    days: int | None = Field(default=None, ge=1, le=3660)
    window: Duration | None = None
    min_points: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _valid(self) -> ChangeRule:
        if self.item in ("runs", "funding"):
            raise ValueError("item: change rules watch gpu, traffic or quotes")
        self._check_field(self.watched())
        if (self.pct is None) == (self.abs is None):
            raise ValueError("give exactly one of pct (percent) or abs (absolute change)")
        if self.baseline == "n_days_ago" and self.days is None:
            raise ValueError('baseline "n_days_ago" needs days = N')
        if self.baseline == "rolling_median" and self.window is None:
            raise ValueError('baseline "rolling_median" needs window = "30d" (how far back the median looks)')
        if self.baseline == "prev_close" and self.item != "quotes":
            raise ValueError('baseline "prev_close" exists for quotes only')
        if self.baseline == "prev_close" and self.watched() != "price":
            raise ValueError('baseline "prev_close" compares the price: field must be "price"')
        if self.days is not None and self.baseline != "n_days_ago":
            raise ValueError('days applies to baseline "n_days_ago" only')
        return self

    def watched(self) -> str:
        """The field this rule watches."""
        return self.field or DEFAULT_FIELD[self.item]


class SpikeRule(_RuleBase):
    """Fires while the newest value is a robust outlier: |0.6745·(x − median)/MAD| ≥ z over `window`."""

    kind: Literal["spike"]
    field: str | None = None
    window: Duration
    z: Decimal = Field(default=Decimal("3.5"), gt=0)
    min_abs_change: Decimal = Field(default=Decimal(0), ge=0)
    min_pct: Decimal = Field(default=Decimal(0), ge=0)
    min_points: int = Field(default=5, ge=3)
    direction: Literal["up", "down", "any"] = "any"

    @model_validator(mode="after")
    def _valid(self) -> SpikeRule:
        if self.item in ("runs", "funding"):
            raise ValueError("item: spike rules watch gpu, traffic or quotes")
        self._check_field(self.watched())
        return self

    def watched(self) -> str:
        """The field this rule watches."""
        return self.field or DEFAULT_FIELD[self.item]


class NewRule(_RuleBase):
    """One message per new thing: a funding round matching the filter, or a GPU offer or model not seen before."""

    kind: Literal["new"]
    # funding
    ai_related: bool | None = None
    amount_usd_min: Decimal | None = Field(default=None, ge=0)
    companies: list[str] = Field(default_factory=list)
    rounds: list[str] = Field(default_factory=list)
    max_age: Duration = timedelta(days=7)
    # gpu
    what: Literal["offer", "model"] | None = None

    def is_event(self) -> bool:
        """Always: one message per new thing."""
        return True

    @model_validator(mode="after")
    def _valid(self) -> NewRule:
        self._check_event_options()
        if self.item not in ("funding", "gpu"):
            raise ValueError("item: new rules watch funding (new rounds) or gpu (new offers or models)")
        if self.item == "gpu":
            for option in ("ai_related", "amount_usd_min"):
                if getattr(self, option) is not None:
                    raise ValueError(f"{option}: applies to funding rules only")
            if self.companies or self.rounds:
                raise ValueError("companies / rounds: apply to funding rules only")
        elif self.what is not None:
            raise ValueError('what: applies to gpu rules only ("offer" or "model")')
        return self


class AvailabilityRule(_RuleBase):
    """One message when an offer goes from sold out to available (`back_in_stock`) or back (`sold_out`)."""

    kind: Literal["availability"]
    on: list[StockChange] = Field(default_factory=lambda: list(STOCK_CHANGES))

    def is_event(self) -> bool:
        """Always: one message per change of availability."""
        return True

    @model_validator(mode="after")
    def _valid(self) -> AvailabilityRule:
        self._check_event_options()
        if self.item != "gpu":
            raise ValueError("item: availability rules watch gpu offers")
        if not self.on:
            raise ValueError('on: name at least one of "back_in_stock", "sold_out"')
        return self


class HealthRule(_RuleBase):
    """A source's health: failing runs in a row, blocked, far fewer items than usual, stale, quarantined data,
    or answers whose structure drifted from the accepted shape (`drift`)."""

    kind: Literal["health"]
    item: ItemKind = "runs"
    check: Literal["failing", "blocked", "low_items", "stale", "quality", "drift"]
    runs: int = Field(default=3, ge=1, le=100)
    ratio: Decimal = Field(default=Decimal("0.5"), gt=0, lt=1)
    stale_after: Duration | None = None

    @model_validator(mode="after")
    def _valid(self) -> HealthRule:
        if self.item != "runs":
            raise ValueError('item: health rules watch runs (item = "runs"); select = { source = "…" } narrows them')
        if self.check == "stale" and self.stale_after is None:
            raise ValueError('check "stale" needs stale_after = "2d" (how old the last success may be)')
        if self.check != "stale" and self.stale_after is not None:
            raise ValueError('stale_after applies to check "stale" only')
        if self.check == "quality":
            self._check_event_options()
        return self

    def is_event(self) -> bool:
        """A quarantined point is an event; the other checks are conditions that resolve."""
        return self.check == "quality"


Rule = Annotated[
    ThresholdRule | ChangeRule | SpikeRule | NewRule | AvailabilityRule | HealthRule, Field(discriminator="kind")
]


AnyRule = ThresholdRule | ChangeRule | SpikeRule | NewRule | AvailabilityRule | HealthRule
