"""Idempotent writes of observations: a fact seen again extends what is stored instead of repeating it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session

from storage.models import Base, FundingMention, FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.queries import SERIES
from storage.types import canonical_decimal

__all__ = [
    "WRITERS",
    "WriteStats",
    "company_key",
    "write_funding_rounds",
    "write_gpu_offers",
    "write_items",
    "write_quotes",
    "write_traffic_snapshots",
]

M = TypeVar("M", bound=Base)

GPU_VALUES = (
    "gpu_model", "gpu_variant", "gpu_count", "vcpus", "memory_gb", "disk",
    "price", "currency", "price_per_gpu_hour", "available", "price_min", "offer_count",
)  # fmt: skip
TRAFFIC_VALUES = ("visits", "avg_visit_duration_s", "pages_per_visit", "bounce_rate", "global_rank")
FUNDING_MATCH_WINDOW = timedelta(days=14)
#: two reports of one round may differ by this much in amount (USD) and still be the same round
FUNDING_AMOUNT_TOLERANCE = Decimal("0.25")


@dataclass
class WriteStats:
    """What a write did: new facts stored, observations that only confirmed a stored fact."""

    stored: int = 0
    unchanged: int = 0

    def __iadd__(self, other: WriteStats) -> WriteStats:
        self.stored += other.stored
        self.unchanged += other.unchanged
        return self


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and canonical_decimal(a) == canonical_decimal(b)
    return bool(a == b)


def _differs(row: Base, values: Mapping[str, Any], names: Iterable[str]) -> bool:
    return any(not _same(getattr(row, n), values.get(n)) for n in names)


def _latest_by_key(
    session: Session, model: type[M], key: Sequence[str], order: str, keys: set[tuple[Any, ...]]
) -> dict[tuple[Any, ...], M]:
    """The newest row of each series in `keys`, in one query."""
    if not keys:
        return {}
    key_cols = [getattr(model, k) for k in key]
    order_col = getattr(model, order)
    newest = (
        select(*key_cols, func.max(order_col).label("newest"))
        .where(tuple_(*key_cols).in_(list(keys)))
        .group_by(*key_cols)
        .subquery()
    )
    join = and_(*(getattr(model, k) == newest.c[k] for k in key), order_col == newest.c.newest)
    found: dict[tuple[Any, ...], M] = {}
    for row in session.scalars(select(model).join(newest, join)):
        found[tuple(getattr(row, k) for k in key)] = row
    return found


def write_gpu_offers(session: Session, rows: Iterable[Mapping[str, Any]], run_id: int | None = None) -> WriteStats:
    """Store offers; an offer equal to its series' latest state only extends that state's `last_seen_at`."""
    _, key, _ = SERIES["gpu"]
    rows = list(rows)
    latest = _latest_by_key(session, GpuOffer, key, "observed_at", {tuple(r[k] for k in key) for r in rows})
    stats = WriteStats()
    for row in rows:
        series = tuple(row[k] for k in key)
        current = latest.get(series)
        if current is not None and (
            current.observed_at == row["observed_at"] or not _differs(current, row, GPU_VALUES)
        ):
            for name in GPU_VALUES:
                setattr(current, name, row.get(name))
            current.last_seen_at = max(current.last_seen_at, row["observed_at"])
            stats.unchanged += 1
            continue
        offer = GpuOffer(**_columns(GpuOffer, row), last_seen_at=row["observed_at"], run_id=run_id)
        session.add(offer)
        latest[series] = offer
        stats.stored += 1
    return stats


def write_traffic_snapshots(
    session: Session, rows: Iterable[Mapping[str, Any]], run_id: int | None = None
) -> WriteStats:
    """Store snapshots; a period released again with other numbers becomes the next revision."""
    key = ("source", "domain", "granularity", "period_start")
    rows = list(rows)
    latest = _latest_by_key(session, TrafficSnapshot, key, "revision", {tuple(r[k] for k in key) for r in rows})
    stats = WriteStats()
    for row in rows:
        period = tuple(row[k] for k in key)
        current = latest.get(period)
        # Only the values the row reports count: SimilarWeb's history repeats a month with visits only, and
        # that equal visits-only row is the same fact, not a revision that would lose the month's duration.
        reported = [name for name in TRAFFIC_VALUES if row.get(name) is not None]
        if current is not None and not _differs(current, row, reported):
            current.last_seen_at = max(current.last_seen_at, row["observed_at"])
            stats.unchanged += 1
            continue
        revision = 1 if current is None else current.revision + 1
        snapshot = TrafficSnapshot(
            **_columns(TrafficSnapshot, row), revision=revision, last_seen_at=row["observed_at"], run_id=run_id
        )
        session.add(snapshot)
        latest[period] = snapshot
        stats.stored += 1
    return stats


def write_quotes(session: Session, rows: Iterable[Mapping[str, Any]], run_id: int | None = None) -> WriteStats:
    """Store quotes; the same source, symbol and exchange time is one fact however often it is fetched."""
    stats = WriteStats()
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        ident = (row["source"], row["symbol"], row["quote_time"])
        exists = ident in seen or session.scalar(
            select(Quote.id).where(Quote.source == ident[0], Quote.symbol == ident[1], Quote.quote_time == ident[2])
        )
        if exists:
            stats.unchanged += 1
            continue
        seen.add(ident)
        session.add(Quote(**_columns(Quote, row), run_id=run_id))
        stats.stored += 1
    return stats


def company_key(name: str) -> str:
    """A company name folded for matching: width, case, spaces, punctuation and legal suffixes removed."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = re.sub(
        r"(股份有限公司|有限责任公司|有限公司|集团|(?:,\s*|\s+)(inc|ltd|llc|corp|co)\.?)$", "", folded.strip()
    )
    return re.sub(r"[\s\W_]+", "", folded)


def _amount_usd(
    low: Decimal | None, high: Decimal | None, currency: str | None, usd: Mapping[str, Decimal]
) -> Decimal | None:
    amounts = [a for a in (low, high) if a is not None]
    if not amounts or currency is None:
        return None
    rate = Decimal(1) if currency == "USD" else usd.get(currency)
    return None if rate is None else sum(amounts, Decimal(0)) / len(amounts) * rate


def _same_amount(stored: FundingRound, row: Mapping[str, Any], usd: Mapping[str, Decimal]) -> bool:
    """True unless both reports give an amount and they differ by more than the tolerance (in USD)."""
    mine = _amount_usd(stored.amount_min, stored.amount_max, stored.currency, usd)
    theirs = _amount_usd(row.get("amount_min"), row.get("amount_max"), row.get("currency"), usd)
    if mine is None or theirs is None or not mine or not theirs:
        return True
    return abs(mine - theirs) <= FUNDING_AMOUNT_TOLERANCE * max(mine, theirs)


def write_funding_rounds(
    session: Session,
    rows: Iterable[Mapping[str, Any]],
    run_id: int | None = None,
    usd_rates: Mapping[str, Decimal] | None = None,
) -> WriteStats:
    """Store rounds; the same company, round and amount (±25 % in USD, `usd_rates` per currency) reported again
    within 14 days, by another outlet, is one more mention of one round."""
    usd = usd_rates or {}
    stats = WriteStats()
    for row in rows:
        if session.scalar(
            select(FundingMention.id).where(FundingMention.source == row["source"], FundingMention.url == row["url"])
        ):
            stats.unchanged += 1
            continue
        key = company_key(row["company"])
        published: datetime = row["published_at"]
        candidates = session.scalars(
            select(FundingRound)
            .where(
                FundingRound.company_key == key,
                FundingRound.round == row["round"],
                FundingRound.published_at.between(published - FUNDING_MATCH_WINDOW, published + FUNDING_MATCH_WINDOW),
            )
            .order_by(FundingRound.published_at)
        )
        match = next((c for c in candidates if _same_amount(c, row, usd)), None)
        if match is None:
            match = FundingRound(**_columns(FundingRound, row), company_key=key, first_seen_at=row["observed_at"])
            session.add(match)
            stats.stored += 1
        else:
            for name in (
                "amount_min",
                "amount_max",
                "currency",
                "amount_text",
                "valuation_min",
                "valuation_max",
                "sector",
            ):
                if getattr(match, name) is None and row.get(name) is not None:
                    setattr(match, name, row[name])
            if row.get("ai_related") or (match.ai_related is None and row.get("ai_related") is not None):
                match.ai_related = row["ai_related"]  # any mention saying AI wins: one outlet's "not AI" is corrected
            match.lead_investors = sorted(set(match.lead_investors) | set(row.get("lead_investors") or []))
            match.investors = sorted(set(match.investors) | set(row.get("investors") or []))
            stats.unchanged += 1
        session.add(
            FundingMention(
                funding_round=match,
                source=row["source"],
                url=row["url"],
                headline=row["headline"],
                published_at=published,
                observed_at=row["observed_at"],
                run_id=run_id,
            )
        )
        session.flush()
    return stats


WRITERS = {
    "gpu": write_gpu_offers,
    "traffic": write_traffic_snapshots,
    "funding": write_funding_rounds,
    "quotes": write_quotes,
}


def write_items(
    session: Session,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    run_id: int | None = None,
    usd_rates: Mapping[str, Decimal] | None = None,
) -> WriteStats:
    """Write rows of one item kind (`gpu`, `traffic`, `funding`, `quotes`); `usd_rates` matter for funding only."""
    if kind == "funding":
        return write_funding_rounds(session, rows, run_id, usd_rates)
    return WRITERS[kind](session, rows, run_id)


def _columns(model: type[Base], row: Mapping[str, Any]) -> dict[str, Any]:
    names = set(model.__table__.columns.keys())
    return {k: v for k, v in row.items() if k in names and k not in ("id", "run_id")}
