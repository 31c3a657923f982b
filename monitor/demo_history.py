"""`aipulse demo --weeks N`: the simulated weeks after the real crawl, replayed from what that crawl stored.

The first run of every source is a real crawl of the recorded fixtures (monitor.demo). Every later simulated run
replays that run's stored items at its own time: observations at the run's time, content dates (quote times,
traffic periods) moved forward by whole weeks, months or days so they stay on the same weekday, and prices varied
deterministically from the fixture values. Each replay is a `crawl_runs` row with `trigger = demo`, written
through storage.writes and evaluated by the alert rules at its simulated time, exactly like a crawl.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import after_run
from core.config import AppConfig
from storage.models import Base, CrawlRun, FundingMention, FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.runs import DEMO_TRIGGER, finish_run, start_run
from storage.writes import write_items

__all__ = [
    "DEMO_TRIGGER",
    "Replayed",
    "price_factor",
    "redate_real_run",
    "replay_run",
    "run_times",
    "shifted_period",
    "varied",
    "weeks_shift",
]

WEEK = timedelta(days=7)
#: a GPU offer's price holds for this many simulated days before it may move
GPU_PRICE_DAYS = 3
#: one step of price variation (six steps at most either way): GPU prices move by up to 9 %, quotes by 1.8 %
GPU_STEP = Decimal("0.015")
QUOTE_STEP = Decimal("0.003")
GPU_PRICES = ("price", "price_per_gpu_hour", "price_min")
QUOTE_PRICES = ("price", "prev_close", "open", "high", "low", "change", "limit_up", "limit_down", "turnover")
#: the columns a replay does not copy from the stored row (the writers set them)
_NOT_COPIED = ("id", "run_id", "last_seen_at", "revision")


def run_times(now: datetime, weeks: int) -> list[datetime]:
    """One simulated run day per day of `weeks` weeks, the last one an hour before `now` (oldest first)."""
    last = now.replace(second=0, microsecond=0) - timedelta(hours=1)
    days = 7 * weeks
    return [last - timedelta(days=days - 1 - day) for day in range(days)]


def price_factor(*key: object, step: Decimal = GPU_STEP) -> Decimal:
    """A deterministic factor in 1 ± 6 `step`s for `key`: the same key always varies alike."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return Decimal(1) + step * (digest[0] % 13 - 6)


def varied(value: Decimal | None, factor: Decimal) -> Decimal | None:
    """`value` times `factor`, rounded half up to the value's own number of decimal places (at least 2)."""
    if value is None:
        return None
    exponent = min(int(value.as_tuple().exponent), -2)
    return (value * factor).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def weeks_shift(anchor: datetime, at: datetime) -> timedelta:
    """The whole weeks that move `anchor` to the last week before `at` (same weekday and time, never later)."""
    return WEEK * ((at - anchor) // WEEK)


def shifted_period(period: date, granularity: str, newest: date, at: datetime) -> date:
    """`period` moved so that the `newest` period of its granularity is the newest one complete at `at`."""
    today = at.date()
    if granularity == "month":
        months = (today.year * 12 + today.month - 1) - (newest.year * 12 + newest.month)
        index = period.year * 12 + period.month - 1 + months
        return date(index // 12, index % 12 + 1, 1)
    if granularity == "week":
        return period + WEEK * ((today - WEEK - newest) // WEEK)
    return period + timedelta(days=(today - timedelta(days=1) - newest).days)


@dataclass(frozen=True)
class Replayed:
    """One replayed run, as the demo prints it."""

    source: str
    run_id: int
    at: datetime
    stored: int
    unchanged: int


def _row(obj: Base) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in _NOT_COPIED}


def _newest_periods(rows: Iterable[TrafficSnapshot]) -> dict[str, date]:
    newest: dict[str, date] = {}
    for row in rows:
        newest[row.granularity] = max(newest.get(row.granularity, row.period_start), row.period_start)
    return newest


def redate_real_run(session: Session, run: CrawlRun, span: Sequence[datetime]) -> None:
    """Move the content dates the real crawl stored into the simulated weeks (it observed them at `span[0]`).

    Quote times move by whole weeks to the run's week, traffic periods to the newest ones complete then, and the
    funding rounds are spread evenly over the whole simulated span (oldest first), so every week has news.
    """
    at = run.started_at
    quotes = list(session.scalars(select(Quote).where(Quote.run_id == run.id)))
    if quotes:
        shift = weeks_shift(max(q.quote_time for q in quotes), at)
        for quote in quotes:
            quote.quote_time += shift
    snapshots = list(session.scalars(select(TrafficSnapshot).where(TrafficSnapshot.run_id == run.id)))
    newest = _newest_periods(snapshots)
    for snapshot in snapshots:
        snapshot.period_start = shifted_period(
            snapshot.period_start, snapshot.granularity, newest[snapshot.granularity], at
        )
    mentions = list(session.scalars(select(FundingMention).where(FundingMention.run_id == run.id)))
    rounds = sorted({m.funding_round.id: m.funding_round for m in mentions}.values(), key=lambda r: r.published_at)
    length = span[-1] - span[0]
    for index, funding_round in enumerate(rounds):
        published = span[0] + length * (index + 1) / (len(rounds) + 1)
        funding_round.published_at = published
        for mention in funding_round.mentions:
            mention.published_at = published


def _gpu_rows(session: Session, run: CrawlRun, at: datetime, day: int) -> list[dict[str, Any]]:
    rows = []
    for offer in session.scalars(select(GpuOffer).where(GpuOffer.run_id == run.id)):
        row = _row(offer) | {"observed_at": at}
        series = (offer.source, offer.provider, offer.instance_type, offer.region, offer.billing)
        factor = price_factor(*series, day // GPU_PRICE_DAYS)
        rows.append(row | {name: varied(row[name], factor) for name in GPU_PRICES})
    return rows


def _quote_rows(session: Session, run: CrawlRun, at: datetime) -> list[dict[str, Any]]:
    quotes = list(session.scalars(select(Quote).where(Quote.run_id == run.id)))
    if not quotes:
        return []
    shift = weeks_shift(max(q.quote_time for q in quotes), at)
    rows = []
    for quote in quotes:
        row = _row(quote) | {"observed_at": at, "quote_time": quote.quote_time + shift}
        factor = price_factor(quote.symbol, row["quote_time"].date(), step=QUOTE_STEP)
        rows.append(row | {name: varied(row[name], factor) for name in QUOTE_PRICES})
    return rows


def _traffic_rows(session: Session, run: CrawlRun, at: datetime) -> list[dict[str, Any]]:
    snapshots = list(session.scalars(select(TrafficSnapshot).where(TrafficSnapshot.run_id == run.id)))
    newest = _newest_periods(snapshots)
    rows = []
    for snapshot in snapshots:
        period = shifted_period(snapshot.period_start, snapshot.granularity, newest[snapshot.granularity], at)
        factor = price_factor(snapshot.domain, snapshot.granularity, period)
        row = _row(snapshot) | {"observed_at": at, "period_start": period}
        if snapshot.visits is not None:
            row["visits"] = int(snapshot.visits * factor)
        if snapshot.global_rank is not None:
            row["global_rank"] = max(1, int(snapshot.global_rank * factor))
        rows.append(row)
    return rows


def replay_run(
    sessions: sessionmaker[Session], config: AppConfig, real: CrawlRun, kind: str, at: datetime, day: int
) -> Replayed:
    """Store run `real`'s items again as a new demo run at `at` (simulated day `day`), then evaluate the alerts.

    Funding news is not repeated: the rounds were spread over the weeks when the real crawl stored them, so a
    replayed funding run finds the feed unchanged.
    """
    duration = (real.finished_at - real.started_at) if real.finished_at else timedelta(seconds=3)
    builders: dict[str, Callable[[Session, CrawlRun, datetime], list[dict[str, Any]]]] = {
        "gpu": lambda s, r, t: _gpu_rows(s, r, t, day),
        "quotes": _quote_rows,
        "traffic": _traffic_rows,
    }
    with sessions.begin() as session:
        run_id = start_run(session, real.source, DEMO_TRIGGER, at, None).id
        stored = unchanged = 0
        if kind in builders:
            stats = write_items(session, kind, builders[kind](session, real, at), run_id)
            stored, unchanged = stats.stored, stats.unchanged
        else:
            count = select(FundingMention.id).where(FundingMention.run_id == real.id)
            unchanged = len(session.scalars(count).all())
        details = {**(real.details or {}), "demo": "replayed", "replay_of": real.id}
        finish_run(
            session, run_id, status="succeeded", finished_at=at + duration, stored=stored, unchanged=unchanged,
            requests=real.requests, details=details,
        )  # fmt: skip
    after_run(sessions, config.alerts, run_id, now=at + duration, deliver=False)
    return Replayed(real.source, run_id, at, stored, unchanged)


def funding_rounds_in(session: Session, start: datetime, end: datetime) -> int:
    """How many rounds are dated in [start, end) (the demo's summary)."""
    query = select(FundingRound.id).where(FundingRound.published_at >= start, FundingRound.published_at < end)
    return len(session.scalars(query).all())
