"""The weekly report's numbers, read from the store for one week (nothing here fetches or renders)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, Integer, cast, func, literal, select
from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.gpu import GpuConfig
from core.config.report import ReportConfig
from core.config.traffic import watched_apps
from monitor.health import schedule_interval
from monitor.report.model import (
    AlertLine,
    FundingSection,
    GpuLine,
    GpuSection,
    GpuTrend,
    HealthSection,
    MarketMove,
    MarketSection,
    NoData,
    ReportWeek,
    SourceWeek,
    TrafficSection,
    WatchLine,
    WatchSection,
    WeeklyReport,
)
from monitor.report.week import ReportError
from monitor.show_funding import FX_AS_OF, build_funding_table
from monitor.show_gpu import last_priced
from monitor.show_market import (
    BOARDS_SOURCE,
    CLOSES_SOURCE,
    board_members,
    board_movers,
    daily_closes,
    holidays_by_market,
    index_week,
    trading_days,
)
from monitor.show_quotes import pe_ratio, quotes_config
from monitor.show_traffic import GRANULARITY_SOURCES, build_traffic_table, change_pct, next_period
from spiders.market_hours import market_of
from storage.alert_models import AlertEvent, QuarantinedObservation
from storage.health import source_health
from storage.models import CrawlRun, GpuOffer
from storage.queries import SERIES, latest, recently_seen
from storage.runs import recent_runs
from storage.types import UTCDateTime

__all__ = ["TREND_WEEKS", "build_weekly_report", "first_data_at"]

#: how many weeks the GPU price chart covers, this one included
TREND_WEEKS = 8
#: an offer not seen for this long before the week is gone from the table (it is listed as stale until then)
GPU_GONE_AFTER = timedelta(days=28)
#: alert transitions that count as "fired"
FIRED = ("firing", "event")
FAILED_RUNS = ("failed", "blocked", "aborted")
_TINY = timedelta(microseconds=1)


def first_data_at(session: Session) -> datetime | None:
    """When aipulse first ran a crawl against this store (None: never)."""
    first: datetime | None = session.scalar(select(func.min(CrawlRun.started_at)))
    return first


def build_weekly_report(
    session: Session,
    config: AppConfig,
    week: ReportWeek,
    *,
    language: str,
    kinds: Mapping[str, str],
    now: datetime | None = None,
) -> WeeklyReport:
    """Every section of the report for `week`; `kinds` maps each known source id to its item kind.

    An empty store, or a week that ended before its first crawl, is a ReportError (there is nothing to say).
    """
    now = now or datetime.now(UTC)
    first = first_data_at(session)
    if first is None:
        raise ReportError("nothing is stored yet: run `aipulse crawl SOURCE` or the daemon first")
    if week.end <= first:
        raise ReportError(
            f"the week of {week.monday} ended before aipulse's first crawl "
            f"({first.astimezone(week.zone):%Y-%m-%d}): there is no data for it"
        )
    section: ReportConfig = getattr(config, "report", None) or ReportConfig()
    runs = _Runs(session, config, kinds, week)
    return WeeklyReport(
        week=week,
        language=language,
        generated_at=now,
        gpu=gpu_section(session, config.gpu, week, section.gpu_models, runs),
        traffic=traffic_section(session, config, week, runs),
        funding=funding_section(session, week, section.funding_ai_only, runs),
        market=market_section(session, config, week, runs),
        watch=watch_section(session, config, week, runs),
        alerts=fired_alerts(session, week),
        health=runs.health(session),
    )


# --- why a section is empty ------------------------------------------------------------------------


class _Runs:
    """The week's crawl runs per source, to say why a section is empty and how healthy each source was."""

    def __init__(self, session: Session, config: AppConfig, kinds: Mapping[str, str], week: ReportWeek) -> None:
        self.config, self.kinds, self.week = config, kinds, week
        query = (
            select(CrawlRun)
            .where(CrawlRun.started_at >= week.start, CrawlRun.started_at < week.end, CrawlRun.status != "running")
            .order_by(CrawlRun.started_at, CrawlRun.id)
        )
        self.by_source: dict[str, list[CrawlRun]] = {}
        for run in session.scalars(query):
            self.by_source.setdefault(run.source, []).append(run)

    def enabled(self, source: str) -> bool:
        section = self.config.sources.get(source)
        return bool(section and section.enabled)

    def why_empty(self, sources: Sequence[str]) -> NoData:
        """Why `sources` produced nothing this week: disabled, never ran, failing, or nothing happened."""
        enabled = [s for s in sources if self.enabled(s)]
        ran = [s for s in sources if self.by_source.get(s)]
        if not enabled and not ran:
            return NoData("disabled", ", ".join(sources))
        if not ran:
            return NoData("never_ran", ", ".join(enabled))
        succeeded = [s for s in ran if any(r.status == "succeeded" for r in self.by_source[s])]
        if not succeeded:
            errors = [f"{s}: {self._last_error(s)}" for s in ran]
            return NoData("failing", "; ".join(errors))
        return NoData("nothing", ", ".join(succeeded))

    def of_kind(self, kind: str) -> list[str]:
        return sorted(s for s, k in self.kinds.items() if k == kind)

    def _last_error(self, source: str) -> str:
        failed = [r for r in self.by_source.get(source, []) if r.status != "succeeded"]
        error = failed[-1].error if failed else None
        return ((error or failed[-1].status) if failed else "no error recorded")[:300]

    def health(self, session: Session) -> HealthSection:
        """Each enabled source (and each that ran) over the week."""
        out: list[SourceWeek] = []
        for source in sorted(set(self.kinds) | set(self.config.sources)):
            runs = self.by_source.get(source, [])
            enabled = self.enabled(source)
            if not enabled and not runs:
                continue
            succeeded = sum(1 for r in runs if r.status == "succeeded")
            failed = sum(1 for r in runs if r.status in FAILED_RUNS)
            # The state is the source's health at the week's end, exactly as `aipulse status` said it then.
            section = self.config.sources.get(source)
            interval = schedule_interval(section, self.week.end) if section else None
            before_end = recent_runs(session, source, limit=50, before=self.week.end)
            verdict = source_health(before_end, interval, self.week.end, enabled=enabled)
            out.append(
                SourceWeek(
                    source=source,
                    kind=self.kinds.get(source, "?"),
                    enabled=enabled,
                    succeeded=succeeded,
                    failed=failed,
                    last_success=verdict.last_success_at,
                    last_error=self._last_error(source) if failed else None,
                    state=verdict.state,
                )
            )
        quarantined = session.scalar(
            select(func.count()).where(
                QuarantinedObservation.at >= self.week.start, QuarantinedObservation.at < self.week.end
            )
        )
        return HealthSection(out, int(quarantined or 0))


# --- 1. GPU ----------------------------------------------------------------------------------------


def _key(offer: Any) -> tuple[Any, ...]:
    return tuple(getattr(offer, name) for name in SERIES["gpu"][1])


def gpu_section(session: Session, fx: GpuConfig, week: ReportWeek, models: Sequence[str], runs: _Runs) -> GpuSection:
    """The week-end state of every offer (change vs a week earlier) and the 8-week price-per-GPU-hour trend."""
    filters: dict[str, Any] = {"gpu_model": list(models)} if models else {}
    at, week_before = week.end - _TINY, week.start - _TINY
    # An offer not seen for GPU_GONE_AFTER before the week was delisted: not part of this week's market.
    recent = week.start - GPU_GONE_AFTER
    previous = {_key(o): o for o in latest(session, "gpu", at=week_before, seen_since=recent, **filters)}
    lines: list[GpuLine] = []
    for offer in latest(session, "gpu", at=at, seen_since=recent, **filters):
        priced = offer if offer.price is not None else last_priced(session, offer, at)
        before = previous.get(_key(offer))
        if before is not None and before.price is None:
            before = last_priced(session, before, week_before)
        per_gpu = priced.price_per_gpu_hour if priced is not None else None
        lines.append(
            GpuLine(
                model=offer.gpu_model + (f" {offer.gpu_variant}" if offer.gpu_variant else ""),
                provider=offer.provider,
                instance=offer.instance_type,
                region=offer.region,
                billing=offer.billing,
                gpus=offer.gpu_count,
                vcpus=offer.vcpus,
                memory_gb=offer.memory_gb,
                disk=offer.disk,
                price=priced.price if priced is not None else None,
                per_gpu_hour=per_gpu,
                currency=offer.currency,
                change_pct=change_pct(per_gpu, before.price_per_gpu_hour if before is not None else None),
                sold_out=not offer.available,
                price_is_last_known=offer.price is None and priced is not None,
                stale=offer.last_seen_at < week.start,
                last_seen=offer.last_seen_at,
                source=offer.source,
            )
        )
    lines.sort(key=lambda g: (g.model, g.per_gpu_hour is None, g.per_gpu_hour or 0, g.provider, g.instance))
    first_day = week.monday - timedelta(days=7 * (TREND_WEEKS - 1))
    trend, unconverted = gpu_trend(session, fx, week, first_day, models)
    empty = None if lines else runs.why_empty(runs.of_kind("gpu"))
    return GpuSection(lines, trend, fx.fx_base, first_day, unconverted, fx.fx_date, empty)


def _day_index(column: Any, origin: datetime, dialect: str) -> Any:
    """Whole days from `origin` to `column`, computed by the database (SQLite keeps UTC datetimes as text)."""
    if dialect == "sqlite":
        text = origin.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return cast(func.julianday(column) - func.julianday(text), Integer)  # truncated: clamped to >= 0 below
    return cast(func.floor(func.extract("epoch", column - literal(origin, UTCDateTime())) / 86400), Integer)


def gpu_trend(
    session: Session, fx: GpuConfig, week: ReportWeek, first_day: date, models: Sequence[str]
) -> tuple[list[GpuTrend], list[str]]:
    """Per model and provider, the cheapest price per GPU-hour in force on each day from `first_day` to the
    week's Sunday, converted to the fx base currency; also the currencies that had no rate.

    The database groups the rows by the days they span (first day seen, last day seen), so a year of hourly
    rows comes back as a few thousand groups; a chart needs no more than float precision.
    """
    origin = week.start - timedelta(days=(week.monday - first_day).days)
    dialect = session.get_bind().dialect.name
    first = _day_index(GpuOffer.observed_at, origin, dialect)
    last = _day_index(GpuOffer.last_seen_at, origin, dialect)
    cheapest_value = func.min(cast(GpuOffer.price_per_gpu_hour, Float))
    query = (
        select(GpuOffer.gpu_model, GpuOffer.provider, GpuOffer.currency, first, last, cheapest_value)
        .where(GpuOffer.observed_at < week.end, recently_seen(GpuOffer, origin))
        .where(GpuOffer.price_per_gpu_hour.is_not(None))
        .group_by(GpuOffer.gpu_model, GpuOffer.provider, GpuOffer.currency, first, last)
    )
    if models:
        query = query.where(GpuOffer.gpu_model.in_(list(models)))
    days_shown = (week.sunday - first_day).days
    cheapest: dict[tuple[str, str], dict[int, float]] = {}
    unconverted: set[str] = set()
    for model, provider, currency, first_index, last_index, value in session.execute(query):
        rate = fx.convert(Decimal(1), currency, fx.fx_base)
        if rate is None:
            unconverted.add(currency)
            continue
        converted = float(value) * float(rate)
        days = cheapest.setdefault((model, provider), {})
        for day in range(max(int(first_index), 0), min(int(last_index), days_shown) + 1):
            if day not in days or converted < days[day]:
                days[day] = converted
    trend = [
        GpuTrend(
            model,
            provider,
            [(first_day + timedelta(days=d), Decimal(repr(round(v, 6)))) for d, v in sorted(days.items())],
        )
        for (model, provider), days in sorted(cheapest.items())
        if days
    ]
    return trend, sorted(unconverted)


# --- 2. traffic ------------------------------------------------------------------------------------


def traffic_section(session: Session, config: AppConfig, week: ReportWeek, runs: _Runs) -> TrafficSection:
    """The newest traffic period complete by the week's end, each change against the period before it."""
    table = build_traffic_table(session, watched_apps(config), None, week.sunday + timedelta(days=1))
    if table.source is None or table.period_start is None:
        sources = sorted({s for names in GRANULARITY_SOURCES.values() for s in names})
        return TrafficSection(table.granularity, None, None, None, table.lines, False, runs.why_empty(sources))
    period_end = next_period(table.period_start, table.granularity)
    # Stale: a newer period had also ended by the week's end, but the source has not delivered it.
    stale = next_period(period_end, table.granularity) <= week.sunday + timedelta(days=1)
    return TrafficSection(
        table.granularity, table.source, table.period_start, period_end - timedelta(days=1), table.lines, stale
    )


# --- 3. funding ------------------------------------------------------------------------------------


def funding_section(session: Session, week: ReportWeek, ai_only: bool, runs: _Runs) -> FundingSection:
    """The rounds published during the week, largest first (sources' non-AI rounds left out when `ai_only`)."""
    lines = build_funding_table(session, since=week.start, until=week.end)
    if ai_only:
        lines = [line for line in lines if line.ai_related is not False]
    empty = None if lines else runs.why_empty(runs.of_kind("funding"))
    return FundingSection(lines, FX_AS_OF, empty)


# --- 4. market -------------------------------------------------------------------------------------


def market_section(session: Session, config: AppConfig, week: ReportWeek, runs: _Runs) -> MarketSection:
    """Each configured index's daily moves, the week's largest rise and fall, each board's top movers."""
    section = quotes_config(config)
    holidays = holidays_by_market(section)
    days = trading_days(week.monday, holidays)
    if not section.indices and not section.boards:
        return MarketSection(days, [], None, None, [], [], NoData("not_configured", "[quotes] indices, boards"))
    closes = daily_closes(session, section.indices, week.monday - timedelta(days=20), week.monday + timedelta(4))
    weeks = [index_week(s, closes[s], days, holidays[market_of(s)]) for s in section.indices]
    weeks = [w for w in weeks if any(p is not None for p in w.daily_pct.values())]
    rises = [MarketMove(w.symbol, w.name, *w.best) for w in weeks if w.best is not None and w.best[1] > 0]
    falls = [MarketMove(w.symbol, w.name, *w.worst) for w in weeks if w.worst is not None and w.worst[1] < 0]
    boards, missing = [], []
    for board in section.boards:
        members, _ = board_members(session, board)
        if not members:
            missing.append(board)
            continue
        rows = latest(session, "quotes", at=week.end - _TINY, symbol=members)
        rows = [r for r in rows if r.quote_time >= week.start]  # movers of this week only
        boards.append(board_movers(board, members, rows))
    empty = None
    if not weeks and not any(b.gainers or b.losers for b in boards):
        empty = runs.why_empty([CLOSES_SOURCE, BOARDS_SOURCE])
    return MarketSection(
        days=days,
        indices=weeks,
        largest_rise=max(rises, key=lambda m: m.pct, default=None),
        largest_fall=min(falls, key=lambda m: m.pct, default=None),
        boards=boards,
        boards_missing=missing,
        empty=empty,
    )


# --- 5. watch list ---------------------------------------------------------------------------------


def watch_section(session: Session, config: AppConfig, week: ReportWeek, runs: _Runs) -> WatchSection:
    """The watch list at the week's end: price, EPS and PE = price / EPS per year, the day's change, rating."""
    section = quotes_config(config)
    years = sorted({year for entry in section.watch for year in entry.eps})
    if not section.watch:
        return WatchSection(years, [], NoData("not_configured", "[[quotes.watch]]"))
    rows = {r.symbol: r for r in latest(session, "quotes", at=week.end - _TINY, symbol=section.symbols())}
    lines: list[WatchLine] = []
    for entry in section.watch:
        row = rows.get(entry.symbol)
        # A halted share has no price that day: PE is taken on its last close, as the analysts' report does.
        price = None if row is None else (row.price if row.price is not None else row.prev_close)
        eps = {year: entry.eps.get(year) for year in years}
        lines.append(
            WatchLine(
                symbol=entry.symbol,
                name=entry.name or (row.name if row is not None else entry.symbol),
                price=price,
                quote_time=row.quote_time if row is not None else None,
                stale=row is None or row.quote_time < week.start,
                change_pct=row.change_pct if row is not None else None,
                halted=row is not None and row.status == "halted",
                eps=eps,
                pe={year: pe_ratio(price, value) for year, value in eps.items()},
                rating=entry.rating,
            )
        )
    empty = None if rows else runs.why_empty(runs.of_kind("quotes"))
    return WatchSection(years, lines, empty)


# --- 6. alerts -------------------------------------------------------------------------------------


def fired_alerts(session: Session, week: ReportWeek) -> list[AlertLine]:
    """The alerts that fired during the week (new firings and one-shot events), oldest first."""
    query = (
        select(AlertEvent)
        .where(AlertEvent.at >= week.start, AlertEvent.at < week.end, AlertEvent.transition.in_(FIRED))
        .order_by(AlertEvent.at, AlertEvent.id)
    )
    return [
        AlertLine(e.at, e.rule, e.rule_kind, e.transition, str((e.context or {}).get("label") or e.series_key))
        for e in session.scalars(query)
    ]
