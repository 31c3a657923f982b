"""What the weekly report says, as plain data: built from the store by `build`, rendered by `render`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from monitor.show_funding import FundingLine
from monitor.show_market import BoardMovers, IndexWeek
from monitor.show_traffic import TrafficLine

__all__ = [
    "AlertLine",
    "FundingSection",
    "GpuLine",
    "GpuSection",
    "GpuTrend",
    "HealthSection",
    "MarketMove",
    "MarketSection",
    "NoData",
    "ReportWeek",
    "SourceWeek",
    "TrafficSection",
    "WatchLine",
    "WatchSection",
    "WeeklyReport",
]


@dataclass(frozen=True)
class ReportWeek:
    """Monday 00:00 to the next Monday 00:00 in the report's time zone; `partial` while that week is still running."""

    monday: date
    zone: ZoneInfo
    start: datetime
    end: datetime
    partial: bool

    @property
    def sunday(self) -> date:
        return date.fromordinal(self.monday.toordinal() + 6)


@dataclass(frozen=True)
class NoData:
    """Why a section is empty. `code`: not_configured, disabled, never_ran, failing, nothing; `detail`: the facts
    (source names, the last error) in the sources' own words."""

    code: str
    detail: str = ""


@dataclass(frozen=True)
class GpuLine:
    """One GPU offer as the report's table shows it: its state at the end of the week, in its own currency."""

    model: str
    provider: str
    instance: str
    region: str
    billing: str
    gpus: Decimal
    vcpus: int | None
    memory_gb: Decimal | None
    disk: str | None
    price: Decimal | None
    per_gpu_hour: Decimal | None
    currency: str
    #: per GPU-hour vs the state in force one week earlier; None when either is unknown
    change_pct: Decimal | None
    sold_out: bool
    #: the price is the last known one (the offer is sold out and lists none now)
    price_is_last_known: bool
    #: not observed during the week: the row is the offer's state when it was last seen (`last_seen`)
    stale: bool
    last_seen: datetime
    source: str


@dataclass(frozen=True)
class GpuTrend:
    """The cheapest price per GPU-hour of one model at one provider per day, in `GpuSection.trend_currency`."""

    model: str
    provider: str
    points: list[tuple[date, Decimal]]


@dataclass(frozen=True)
class GpuSection:
    lines: list[GpuLine]
    trend: list[GpuTrend]
    trend_currency: str
    trend_first_day: date
    #: currencies left out of the trend for want of an [fx] rate
    unconverted: list[str]
    fx_date: str | None
    empty: NoData | None = None


@dataclass(frozen=True)
class TrafficSection:
    granularity: str
    source: str | None
    period_start: date | None
    period_end: date | None
    lines: list[TrafficLine]
    #: the newest complete period ended before this report's week began (numbers are older than the week)
    stale: bool
    empty: NoData | None = None


@dataclass(frozen=True)
class FundingSection:
    lines: list[FundingLine]
    fx_as_of: str
    empty: NoData | None = None


@dataclass(frozen=True)
class MarketMove:
    """One index's largest daily rise or fall of the week."""

    symbol: str
    name: str
    day: date
    pct: Decimal


@dataclass(frozen=True)
class MarketSection:
    days: list[date]
    indices: list[IndexWeek]
    largest_rise: MarketMove | None
    largest_fall: MarketMove | None
    boards: list[BoardMovers]
    #: boards configured but without a stored member list
    boards_missing: list[str]
    empty: NoData | None = None


@dataclass(frozen=True)
class WatchLine:
    symbol: str
    name: str
    price: Decimal | None
    quote_time: datetime | None
    #: the quote is older than the week (no fresh observation during it)
    stale: bool
    change_pct: Decimal | None
    halted: bool
    eps: dict[str, Decimal | None]
    #: PE = price / EPS per year, as text: a number, 亏损 (loss), n.m. (EPS 0) or — (unknown)
    pe: dict[str, str]
    rating: str | None


@dataclass(frozen=True)
class WatchSection:
    years: list[str]
    lines: list[WatchLine]
    empty: NoData | None = None


@dataclass(frozen=True)
class AlertLine:
    at: datetime
    rule: str
    rule_kind: str
    transition: str
    label: str


@dataclass(frozen=True)
class SourceWeek:
    """One source's week: runs that succeeded and failed, its last success by the week's end, the state then."""

    source: str
    kind: str
    enabled: bool
    succeeded: int
    failed: int
    last_success: datetime | None
    last_error: str | None
    #: the source's health at the week's end (storage.health): ok, failing, stale, never, disabled
    state: str


@dataclass(frozen=True)
class HealthSection:
    sources: list[SourceWeek]
    quarantined: int

    @property
    def problems(self) -> list[SourceWeek]:
        """Sources to flag: failing, stale, or enabled and never run by the week's end."""
        return [s for s in self.sources if s.state in ("failing", "stale", "never")]


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the report shows, for one week, built from the store only."""

    week: ReportWeek
    language: str
    generated_at: datetime
    gpu: GpuSection
    traffic: TrafficSection
    funding: FundingSection
    market: MarketSection
    watch: WatchSection
    alerts: list[AlertLine]
    health: HealthSection
    notes: list[str] = field(default_factory=list)
