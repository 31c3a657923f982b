"""Strict models of the `[alerts]` config section: targets, templates, delivery, the data-quality gate and rules."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from core.durations import parse_duration
from core.secrets import SecretRef, secret_reference

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
#: Rough rates for `amount_usd_min`; override them in `[alerts] fx_to_usd`.
DEFAULT_FX_TO_USD = {
    "USD": Decimal("1"), "CNY": Decimal("0.14"), "HKD": Decimal("0.128"), "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"), "JPY": Decimal("0.0067"), "KRW": Decimal("0.00072"), "SGD": Decimal("0.74"),
    "INR": Decimal("0.012"),
}  # fmt: skip
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Query keys that carry a credential in Apprise URLs: their value must be a ${NAME} reference.
_SECRET_KEYS = frozenset({"pass", "password", "token", "secret", "apikey", "api_key", "key", "webhook"})


def _duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("write durations as text like '30s', '15m', '1h30m' or '2d'")
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _target_url(value: Any) -> Any:
    """`"${NAME}"` or `{ env = "NAME" }`: the whole URL lives in the environment; any other text is a literal URL."""
    if isinstance(value, dict) or (isinstance(value, str) and _ENV_REF.fullmatch(value.strip())):
        return SecretRef.model_validate(secret_reference(value))
    if not isinstance(value, str) or not value.strip():
        raise ValueError('a target URL is an Apprise URL text or an environment reference { env = "NAME" }')
    text = value.strip()
    if "${" in _ENV_REF.sub("", text):
        raise ValueError(f"{text!r}: write environment references as ${{NAME}} (letters, digits and _ only)")
    problem = literal_secret_problem(text)
    if problem:
        raise ValueError(problem)
    return text


TargetUrl = Annotated[SecretRef | str, BeforeValidator(_target_url)]


def literal_secret_problem(url: str) -> str | None:
    """Why a literal Apprise URL carries a secret in clear (a password or token not written as `${NAME}`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    password = userinfo.partition(":")[2]
    if password and not _ENV_REF.fullmatch(password):
        return f"{_masked(url)}: the password is a secret: write it as ${{NAME}} and set NAME in the environment"
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _SECRET_KEYS and value and not _ENV_REF.fullmatch(value):
            return f"{_masked(url)}: `{key}=` is a secret: write it as {key}=${{NAME}} and set NAME in the environment"
    return None


def _masked(url: str) -> str:
    return url.split("://", 1)[0] + "://…" if "://" in url else "URL"


def url_environment_names(url: SecretRef | str) -> list[str]:
    """The environment variables a target URL refers to."""
    return [url.env] if isinstance(url, SecretRef) else _ENV_REF.findall(url)


class DeliveryConfig(_Strict):
    """How the outbox retries: exponential backoff from `retry_base` up to `retry_max`, giving up after a while."""

    retry_base: Duration = timedelta(seconds=30)
    retry_max: Duration = timedelta(hours=1)
    give_up_after: Duration = timedelta(days=7)
    interval: Duration = timedelta(seconds=30)  # how often the daemon ticks alerts and flushes the outbox
    lease: Duration = timedelta(minutes=5)
    timeout: Duration = timedelta(seconds=30)
    batch: int = Field(default=200, ge=1, le=10_000)


class QualityConfig(_Strict):
    """The data-quality gate: a point this far from the series' last accepted one is quarantined, not alerted on."""

    enabled: bool = True
    max_ratio: Decimal = Field(default=Decimal(10), gt=1)
    traffic_max_ratio: Decimal = Field(default=Decimal(100), gt=1)
    max_amount_usd: Decimal = Field(default=Decimal("1e12"), gt=0)
    # A new level seen twice in a row (within this fraction) is real: the second point is accepted.
    confirm_tolerance: Decimal = Field(default=Decimal("0.2"), ge=0, lt=1)


class _RuleBase(_Strict):
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
    """A source's health: failing runs in a row, blocked, far fewer items than usual, stale, or quarantined data."""

    kind: Literal["health"]
    item: ItemKind = "runs"
    check: Literal["failing", "blocked", "low_items", "stale", "quality"]
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


class AlertsConfig(_Strict):
    """The `[alerts]` section: named targets (groups of Apprise URLs), message templates, delivery and rules."""

    enabled: bool = True
    language: Literal["zh", "en"] = "zh"
    template_dir: str | None = None
    timezone: str = "Asia/Shanghai"
    default_notify: list[str] = Field(default_factory=list)
    fx_to_usd: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_FX_TO_USD))
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    targets: dict[str, list[TargetUrl]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as 'Asia/Shanghai')") from None
        return value

    @field_validator("fx_to_usd")
    @classmethod
    def _fx(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in value.items():
            if not re.fullmatch(r"[A-Z]{3}", code) or rate <= 0:
                raise ValueError(f"{code} = {rate}: write ISO 4217 codes with a positive USD rate (CNY = 0.14)")
        return {**DEFAULT_FX_TO_USD, **value}

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, list[SecretRef | str]]) -> dict[str, list[SecretRef | str]]:
        for name, urls in value.items():
            if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", name):
                raise ValueError(f"{name!r}: target names are letters, digits, '_' or '-'")
            if not urls:
                raise ValueError(f"{name}: a target needs at least one Apprise URL")
            for url in urls:
                if isinstance(url, str) and not _ENV_REF.search(url):
                    from alerts.notify import apprise_url_problem  # the only module that touches Apprise

                    problem = apprise_url_problem(url)
                    if problem:
                        raise ValueError(f"{name}: {problem}")
        return value

    @model_validator(mode="after")
    def _rules_refer_to_targets(self) -> AlertsConfig:
        for name in self.default_notify:
            if name not in self.targets:
                raise ValueError(f"default_notify: unknown target {name!r} (targets: {_names(self.targets)})")
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.name in seen:
                raise ValueError(f"rules.{index}: a second rule named {rule.name!r} (rule names are unique)")
            seen.add(rule.name)
            for name in rule.notify or []:
                if name not in self.targets:
                    raise ValueError(
                        f"rules.{index} ({rule.name}): notify names unknown target {name!r} "
                        f"(targets: {_names(self.targets)})"
                    )
            if rule.notify is None and not self.default_notify:
                raise ValueError(
                    f'rules.{index} ({rule.name}): notifies nobody: set notify = ["target"] '
                    "(or notify = [] to record only), or alerts.default_notify"
                )
        return self

    def rule(self, name: str) -> AnyRule | None:
        """The rule called `name`, or None."""
        return next((r for r in self.rules if r.name == name), None)

    def targets_of(self, rule: AnyRule) -> list[str]:
        """The target names a rule notifies."""
        return list(self.default_notify if rule.notify is None else rule.notify)

    def environment_names(self) -> dict[str, list[str]]:
        """Every environment variable a target refers to, by target name (to check at start)."""
        return {
            name: [env for url in urls for env in url_environment_names(url)] for name, urls in self.targets.items()
        }


def _names(targets: dict[str, Any]) -> str:
    return ", ".join(sorted(targets)) or "none defined"


AnyRule = ThresholdRule | ChangeRule | SpikeRule | NewRule | AvailabilityRule | HealthRule
