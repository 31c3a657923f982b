"""The GPU price trend by day: the cheapest price per GPU-hour in force on each day, per (model, provider, currency).

A day that is over is kept in `gpu_days` (with a `gpu_day_covers` row saying it is complete), per time zone, so a
weekly report reads at most one row per (model, provider, currency) and day for the weeks it has shown before,
and groups raw `gpu_offers` only for the days it has not. Any write of an offer that is in force on a day drops
that day and every later one (`forget_from`), so a kept day never disagrees with the offers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, cast, delete, func, literal, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from storage.bulk import insert_rows
from storage.models import GpuDay, GpuDayCover, GpuOffer
from storage.queries import recently_seen
from storage.types import UTCDateTime

__all__ = ["KEEP_AFTER", "DayPrices", "cheapest_by_day", "forget_from"]

logger = logging.getLogger(__name__)

#: (gpu_model, provider, currency) -> {day: cheapest price per GPU-hour in force that day}
DayPrices = dict[tuple[str, str, str], dict[date, float]]

#: a day is kept once it ended this long ago: a run in flight or a clock a little off still writes into it
KEEP_AFTER = timedelta(days=2)

#: how long keeping days waits for GPU writes in progress before giving up (the report then groups itself)
LOCK_WAIT = timedelta(seconds=1)


def forget_from(session: Session, moment: datetime) -> None:
    """Drop the kept days an offer in force at `moment` can belong to, in any time zone (UTC ± 1 day), and later."""
    first = moment.astimezone(UTC).date() - timedelta(days=1)
    # covers first: a report keeping days holds their table's lock, so this waits before touching any `gpu_days`
    # row the report may be inserting (the other order could deadlock the two transactions on PostgreSQL)
    session.execute(delete(GpuDayCover).where(GpuDayCover.day >= first))
    session.execute(delete(GpuDay).where(GpuDay.day >= first))


def cheapest_by_day(
    session: Session,
    zone: ZoneInfo,
    first: date,
    last: date,
    *,
    models: Sequence[str] = (),
    keep_before: datetime | None = None,
) -> DayPrices:
    """The cheapest price per GPU-hour in force on each day `first`..`last` (days of `zone`), per (model, provider,
    currency), for offers observed before the end of `last`; `models` limits the models (empty: all).

    Days kept before are read from `gpu_days`; the others are grouped from `gpu_offers` in one query. When some
    of them ended before `keep_before` (None: keep nothing), that query runs in a transaction of its own that
    keeps them; a database that refuses the write (a read-only role) costs the next report the same work.
    """
    covered = set(
        session.scalars(
            select(GpuDayCover.day).where(GpuDayCover.zone == zone.key, GpuDayCover.day.between(first, last))
        )
    )
    prices: DayPrices = {}
    if covered:
        kept = select(GpuDay.day, GpuDay.gpu_model, GpuDay.provider, GpuDay.currency, GpuDay.cheapest).where(
            GpuDay.zone == zone.key, GpuDay.day.between(first, last)
        )
        if models:
            kept = kept.where(GpuDay.gpu_model.in_(list(models)))
        for day, model, provider, currency, cheapest in session.execute(kept):
            if day in covered:
                prices.setdefault((model, provider, currency), {})[day] = float(cheapest)
    missing = [first + timedelta(days=d) for d in range((last - first).days + 1)]
    missing = [day for day in missing if day not in covered]
    if not missing:
        return prices
    keep = [day for day in missing if keep_before is not None and _start(day + timedelta(days=1), zone) <= keep_before]
    grouped = _group_and_keep(session, zone, missing, keep) if keep else None
    if grouped is None:
        grouped = _group(session, zone, missing[0], missing[-1], models)
    for key, days in grouped.items():
        if models and key[0] not in models:
            continue
        wanted = {day: value for day, value in days.items() if day not in covered}
        if wanted:
            prices.setdefault(key, {}).update(wanted)
    return prices


def _start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def _day_index(column: Any, origin: datetime, dialect: str) -> Any:
    """Whole days from `origin` to `column`, computed by the database (SQLite keeps UTC datetimes as text)."""
    if dialect == "sqlite":
        stamp = origin.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return cast(func.julianday(column) - func.julianday(stamp), Integer)  # truncated: clamped to >= 0 below
    return cast(func.floor(func.extract("epoch", column - literal(origin, UTCDateTime())) / 86400), Integer)


def _group(session: Session, zone: ZoneInfo, first: date, last: date, models: Iterable[str]) -> DayPrices:
    """Days `first`..`last` from `gpu_offers`: the database groups the rows by the days they span (first day
    seen, last day seen), so a year of hourly rows comes back as a few thousand groups."""
    origin, end = _start(first, zone), _start(last + timedelta(days=1), zone)
    dialect = session.get_bind().dialect.name
    first_index = _day_index(GpuOffer.observed_at, origin, dialect)
    last_index = _day_index(GpuOffer.last_seen_at, origin, dialect)
    cheapest = func.min(cast(GpuOffer.price_per_gpu_hour, Float))
    query = (
        select(GpuOffer.gpu_model, GpuOffer.provider, GpuOffer.currency, first_index, last_index, cheapest)
        .where(GpuOffer.observed_at < end, recently_seen(GpuOffer, origin))
        .where(GpuOffer.price_per_gpu_hour.is_not(None))
        .group_by(GpuOffer.gpu_model, GpuOffer.provider, GpuOffer.currency, first_index, last_index)
    )
    if models := list(models):
        query = query.where(GpuOffer.gpu_model.in_(models))
    span = (last - first).days
    prices: DayPrices = {}
    for model, provider, currency, from_index, to_index, value in session.execute(query):
        days = prices.setdefault((model, provider, currency), {})
        for index in range(max(int(from_index), 0), min(int(to_index), span) + 1):
            day = first + timedelta(days=index)
            if day not in days or value < days[day]:
                days[day] = float(value)
    return prices


def _group_and_keep(
    session: Session, zone: ZoneInfo, missing: Sequence[date], keep: Sequence[date]
) -> DayPrices | None:
    """Group the missing days (every model) and keep `keep` of them, in one transaction that first locks out
    the writers' `forget_from`: a write committed before the lock is in what is grouped, one still running
    drops the kept days after this commits. The lock is waited for `LOCK_WAIT` at most (a write in progress,
    maybe in the caller's own session); None then, or when the database refuses: the caller groups itself."""
    try:
        with Session(session.get_bind()) as writer, writer.begin():
            _lock_out_writers(writer, zone, keep)
            grouped = _group(writer, zone, missing[0], missing[-1], ())
            wanted = set(keep)
            rows = [
                {"day": day, "zone": zone.key, "gpu_model": model, "provider": provider, "currency": currency,
                 "cheapest": value}
                for (model, provider, currency), values in grouped.items()
                for day, value in values.items()
                if day in wanted
            ]  # fmt: skip
            insert_rows(writer, GpuDay, rows, conflict=["day", "zone", "gpu_model", "provider", "currency"])
            covers = [{"day": day, "zone": zone.key} for day in keep]
            insert_rows(writer, GpuDayCover, covers, conflict=["day", "zone"])
    except SQLAlchemyError as exc:
        logger.warning("GPU trend days %s..%s not kept, grouped again next time: %s", keep[0], keep[-1], exc)
        return None
    return grouped


def _lock_out_writers(writer: Session, zone: ZoneInfo, keep: Sequence[date]) -> None:
    milliseconds = int(LOCK_WAIT.total_seconds() * 1000)
    if writer.get_bind().dialect.name == "postgresql":
        writer.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
        writer.execute(text("LOCK TABLE gpu_day_covers IN SHARE ROW EXCLUSIVE MODE"))
        return
    # SQLite: the first write takes the database's write lock for the rest of the transaction
    connection = writer.connection()
    waited = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
    try:
        writer.execute(delete(GpuDayCover).where(GpuDayCover.zone == zone.key, GpuDayCover.day.in_(keep)))
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(waited or 0)}")
