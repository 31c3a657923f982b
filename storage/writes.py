"""Idempotent writes of observations: a fact seen again extends what is stored instead of repeating it."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from storage.bulk import insert_rows, update_rows
from storage.gpu_days import forget_from
from storage.models import Base, FundingMention, FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.queries import SERIES, batched, latest_of_series
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

GPU_VALUES = (
    "gpu_model", "gpu_variant", "gpu_count", "vcpus", "memory_gb", "disk",
    "price", "currency", "price_per_gpu_hour", "available", "price_min", "offer_count",
)  # fmt: skip
TRAFFIC_VALUES = ("visits", "avg_visit_duration_s", "pages_per_visit", "bounce_rate", "global_rank")
FUNDING_MATCH_WINDOW = timedelta(days=14)
#: two reports of one round may differ by this much in amount (USD) and still be the same round
FUNDING_AMOUNT_TOLERANCE = Decimal("0.25")
#: how far past its series' last time an observation from a clock stepped backwards is placed
CLAMP_STEP = timedelta(microseconds=1)

logger = logging.getLogger(__name__)


@dataclass
class WriteStats:
    """What a write did: new facts stored, observations that only confirmed a stored fact."""

    stored: int = 0
    unchanged: int = 0
    #: new states observed before their series' last time (the clock stepped back), placed just after it
    clamped: int = 0

    def __iadd__(self, other: WriteStats) -> WriteStats:
        self.stored += other.stored
        self.unchanged += other.unchanged
        self.clamped += other.clamped
        return self


def _same(a: Any, b: Any) -> bool:
    if a == b:  # the common case, and exact for Decimals (27.197 == 27.1970)
        return True
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and canonical_decimal(a) == canonical_decimal(b)
    return bool(a == b)


def _differs(row: Mapping[str, Any], values: Mapping[str, Any], names: Iterable[str]) -> bool:
    return any(not _same(row.get(n), values.get(n)) for n in names)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _update_by_id(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Set the given columns of existing rows, found by their `row_id`."""
    if rows:
        update_rows(session, model, rows, [n for n in rows[0] if n != "row_id"])


def _new_row(model: type[Base], row: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """Every column of a new row of `model` (executemany wants the same keys in every row)."""
    names = [n for n in _table(model).columns.keys() if n != "id"]  # noqa: SIM118 - names, not Column objects
    values = {**row, **extra}
    return {n: values.get(n) for n in names}


def write_gpu_offers(session: Session, rows: Iterable[Mapping[str, Any]], run_id: int | None = None) -> WriteStats:
    """Store offers; an offer equal to its series' latest state only extends that state's `last_seen_at`.

    The latest state of every series in the batch is read in one query; the batch is then folded into it in
    order, in memory, and written with one executemany of new states and one of extended ones.

    A new value observed before its series' last time, at no moment a state was stored at, comes from a
    clock stepped backwards (NTP, a VM restore): it is placed just after that last time, with a warning,
    so it is the series' newest state and the next run does not store it again. An observation at the
    exact time of a stored state stays where it is: it corrects that state.
    """
    _, key, _ = SERIES["gpu"]
    rows = list(rows)
    series_of = itemgetter(*key)
    current = latest_of_series(session, GpuOffer, key, "observed_at", set(map(series_of, rows)))
    stored_state = {series: dict(state) for series, state in current.items()}
    recorded = _recorded_moments(session, key, rows, current)
    new_states: list[dict[str, Any]] = []
    stats = WriteStats()
    for row in rows:
        series = series_of(row)
        state = current.get(series)
        if (
            state is not None
            and row["observed_at"] < state["last_seen_at"]
            and (*series, row["observed_at"]) not in recorded
            and _differs(state, row, GPU_VALUES)
        ):
            row = {**row, "observed_at": state["last_seen_at"] + CLAMP_STEP}
            stats.clamped += 1
        if state is not None and (state["observed_at"] == row["observed_at"] or not _differs(state, row, GPU_VALUES)):
            state.update({name: row.get(name) for name in GPU_VALUES})
            state["last_seen_at"] = max(state["last_seen_at"], row["observed_at"])
            stats.unchanged += 1
            continue
        state = {**row, "last_seen_at": row["observed_at"], "run_id": run_id}
        new_states.append(state)
        current[series] = state
        stats.stored += 1
    if stats.clamped:
        logger.warning(
            "gpu: %d changed offers were observed before their series' last time (did the clock step back? "
            "observed at %s): each is stored just after its series' last time, as its newest state",
            stats.clamped, min(row["observed_at"] for row in rows),
        )  # fmt: skip
    extended = [
        {"row_id": state["id"], "last_seen_at": state["last_seen_at"], **{n: state[n] for n in GPU_VALUES}}
        for series, state in current.items()
        if "id" in state and _changed(stored_state[series], state)
    ]
    _update_by_id(session, GpuOffer, extended)
    # the kept trend days these states are now in force on (an extension reaches back to where it was last seen)
    touched = [state["observed_at"] for state in new_states]
    touched += [stored_state[series]["last_seen_at"] for series, state in current.items() if "id" in state
                and _changed(stored_state[series], state)]  # fmt: skip
    if touched:
        forget_from(session, min(touched))
    # Only a state older than its series' latest can meet a stored one at the same time: a correction.
    insert_rows(session, GpuOffer, new_states, conflict=[*key, "observed_at"], update=GPU_VALUES)
    return stats


def _recorded_moments(
    session: Session, key: Sequence[str], rows: Sequence[Mapping[str, Any]], current: Mapping[tuple[Any, ...], Any]
) -> set[tuple[Any, ...]]:
    """(series…, observed_at) of the stored states the batch's late rows (older than their series' last time) hit.

    One query per 500 distinct late times (a run observes at one or a few): nothing is read when no row is late.
    """
    late = [
        row for row in rows
        if (state := current.get(tuple(row[k] for k in key))) is not None and row["observed_at"] < state["last_seen_at"]
    ]  # fmt: skip
    if not late:
        return set()
    table = _table(GpuOffer)
    sources = sorted({row["source"] for row in late})
    found: set[tuple[Any, ...]] = set()
    for times in batched(sorted({row["observed_at"] for row in late}), 500):
        query = select(*(table.c[k] for k in key), table.c.observed_at).where(
            table.c.source.in_(sources), table.c.observed_at.in_(times)
        )
        found.update(tuple(r) for r in session.execute(query))
    return found


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return before["last_seen_at"] != after["last_seen_at"] or _differs(before, after, GPU_VALUES)


def write_traffic_snapshots(
    session: Session, rows: Iterable[Mapping[str, Any]], run_id: int | None = None
) -> WriteStats:
    """Store snapshots; a period released again with other numbers becomes the next revision."""
    key = ("source", "domain", "granularity", "period_start")
    rows = list(rows)
    period_of = itemgetter(*key)
    current = latest_of_series(session, TrafficSnapshot, key, "revision", set(map(period_of, rows)))
    first_seen = {period: snapshot["last_seen_at"] for period, snapshot in current.items()}
    revisions: list[dict[str, Any]] = []
    stats = WriteStats()
    for row in rows:
        period = period_of(row)
        snapshot = current.get(period)
        # Only the values the row reports count: SimilarWeb's history repeats a month with visits only, and
        # that equal visits-only row is the same fact, not a revision that would lose the month's duration.
        reported = [name for name in TRAFFIC_VALUES if row.get(name) is not None]
        if snapshot is not None and not _differs(snapshot, row, reported):
            snapshot["last_seen_at"] = max(snapshot["last_seen_at"], row["observed_at"])
            stats.unchanged += 1
            continue
        revision = 1 if snapshot is None else snapshot["revision"] + 1
        snapshot = _new_row(TrafficSnapshot, row, revision=revision, last_seen_at=row["observed_at"], run_id=run_id)
        revisions.append(snapshot)
        current[period] = snapshot
        stats.stored += 1
    seen_again = [
        {"row_id": snapshot["id"], "last_seen_at": snapshot["last_seen_at"]}
        for period, snapshot in current.items()
        if "id" in snapshot and snapshot["last_seen_at"] != first_seen[period]
    ]
    _update_by_id(session, TrafficSnapshot, seen_again)
    # A plain INSERT: a revision number already taken means another writer raced this one, and the
    # whole batch fails (IntegrityError) rather than dropping a release.
    insert_rows(session, TrafficSnapshot, revisions)
    return stats


def write_quotes(session: Session, rows: Iterable[Mapping[str, Any]], run_id: int | None = None) -> WriteStats:
    """Store quotes; the same source, symbol and exchange time is one fact however often it is fetched.

    One `INSERT … ON CONFLICT DO NOTHING` (executemany, or COPY and one merge on PostgreSQL): the database
    skips what it holds already, and the second of two equal keys inside the batch.
    """
    fresh = list(rows)
    stored = insert_rows(session, Quote, fresh, extra={"run_id": run_id}, conflict=["source", "symbol", "quote_time"])
    return WriteStats(stored=stored, unchanged=len(fresh) - stored)


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
