"""Section 1 of the weekly report: GPU rental offers at the week's end and the cheapest price per GPU-hour trend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.config.fx import FxConfig
from monitor.report.build_runs import WeekRuns
from monitor.report.model import GpuLine, GpuSection, GpuTrend, ReportWeek
from monitor.report.week import TICK
from monitor.show_gpu import gpu_rank_key, last_priced
from monitor.show_traffic import change_pct
from storage.gpu_days import KEEP_AFTER, cheapest_by_day
from storage.queries import SERIES, latest

__all__ = ["GPU_GONE_AFTER", "TREND_WEEKS", "gpu_section", "gpu_trend"]

#: how many weeks the GPU price chart covers, this one included
TREND_WEEKS = 8
#: an offer not seen for this long before the week is gone from the table (it is listed as stale until then)
GPU_GONE_AFTER = timedelta(days=28)


def _key(offer: Any) -> tuple[Any, ...]:
    return tuple(getattr(offer, name) for name in SERIES["gpu"][1])


def gpu_section(
    session: Session,
    fx: FxConfig,
    week: ReportWeek,
    models: Sequence[str],
    runs: WeekRuns,
    now: datetime | None = None,
) -> GpuSection:
    """The week-end state of every offer (change vs a week earlier) and the 8-week price-per-GPU-hour trend."""
    filters: dict[str, Any] = {"gpu_model": list(models)} if models else {}
    at, week_before = week.end - TICK, week.start - TICK
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
    # cheapest per GPU-hour first within a model, compared in the [fx] base; a currency without a rate apart
    lines.sort(key=lambda g: (g.model, *gpu_rank_key(g.per_gpu_hour, g.currency, fx), g.provider, g.instance))
    first_day = week.monday - timedelta(days=7 * (TREND_WEEKS - 1))
    trend, unconverted = gpu_trend(session, fx, week, first_day, models, now)
    empty = None if lines else runs.why_empty(runs.of_kind("gpu"))
    unranked = {g.currency for g in lines if fx.convert(Decimal(1), g.currency, fx.base) is None}
    return GpuSection(lines, trend, fx.base, first_day, sorted(set(unconverted) | unranked), fx.date, empty)


def gpu_trend(
    session: Session,
    fx: FxConfig,
    week: ReportWeek,
    first_day: date,
    models: Sequence[str],
    now: datetime | None = None,
) -> tuple[list[GpuTrend], list[str]]:
    """Per model and provider, the cheapest price per GPU-hour in force on each day from `first_day` to the
    week's Sunday, converted to the fx base currency; also the currencies that had no rate.

    Days over by `now` (default: the current time) for more than `KEEP_AFTER` are rolled up in the store
    (`storage.gpu_days`), so next week's report groups raw offers for its new days only.
    """
    keep_before = (now or datetime.now(UTC)) - KEEP_AFTER
    daily = cheapest_by_day(session, week.zone, first_day, week.sunday, models=models, keep_before=keep_before)
    cheapest: dict[tuple[str, str], dict[date, float]] = {}
    unconverted: set[str] = set()
    for (model, provider, currency), days in daily.items():
        rate = fx.convert(Decimal(1), currency, fx.base)
        if rate is None:
            unconverted.add(currency)
            continue
        best = cheapest.setdefault((model, provider), {})
        for day, value in days.items():
            converted = value * float(rate)
            if day not in best or converted < best[day]:
                best[day] = converted
    trend = [
        GpuTrend(model, provider, [(day, Decimal(repr(round(v, 6)))) for day, v in sorted(days.items())])
        for (model, provider), days in sorted(cheapest.items())
        if days
    ]
    return trend, sorted(unconverted)
