"""Reads of stored observations: the latest row of each series, the row in force at a time, a series' history."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import islice
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Select, Table, and_, bindparam, func, literal, literal_column, select, true, tuple_
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from storage.bulk import column_converter
from storage.models import Base, FundingRound, GpuOffer, Quote, TrafficSnapshot

__all__ = [
    "FAR_FUTURE",
    "SERIES",
    "batched",
    "history",
    "latest",
    "latest_of_series",
    "recently_seen",
    "series_keys",
    "value_at",
]

#: kind -> (model, columns that name one series, the column that orders it in time)
SERIES: dict[str, tuple[type[Base], tuple[str, ...], str]] = {
    "gpu": (GpuOffer, ("source", "provider", "instance_type", "region", "billing"), "observed_at"),
    "traffic": (TrafficSnapshot, ("source", "domain", "granularity"), "period_start"),
    "quotes": (Quote, ("symbol",), "quote_time"),
    "funding": (FundingRound, ("company_key", "round"), "published_at"),
}
#: the upper bound of recently_seen(): no observation is later
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
T = TypeVar("T")


def batched(items: Sequence[T] | Collection[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, in order."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def latest_of_series(
    session: Session, model: type[Base], key: Sequence[str], order: str, series: Collection[tuple[Any, ...]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The newest row (as a dict of its columns) of each series in `series`, by its `key` values, in one query.

    The wanted series travel as one JSON parameter unpacked by the database (SQLite `json_each`, PostgreSQL
    `json_populate_recordset`), each one's newest row found through the series index: no limit on their
    number (a `(key) IN (...)` list of 9,000 series failed on PostgreSQL) and one cached statement.
    """
    if not series:
        return {}
    table = cast(Table, model.__table__)
    if session.get_bind().dialect.name == "sqlite" and len(series) > TEMP_TABLE_SERIES:
        return _latest_through_temp_table(session, table, key, order, series)
    records = [dict(zip(key, map(_json_key, s), strict=True)) for s in series]
    if session.get_bind().dialect.name == "postgresql":
        rows = func.json_populate_recordset(
            literal_column(f"NULL::{table.name}"), bindparam("wanted", records, type_=JSON)
        )
        wanted_from = rows.table_valued(*key).alias("wanted")
        wanted: list[Any] = [wanted_from.c[k] for k in key]
    else:
        wanted_from = func.json_each(json.dumps(records)).table_valued("value").alias("wanted")
        wanted = [func.json_extract(wanted_from.c.value, f"$.{k}") for k in key]
    newer = table.alias("newer")
    newest = select(func.max(newer.c[order])).where(*(newer.c[k] == w for k, w in zip(key, wanted, strict=True)))
    query = (
        select(table)
        .select_from(wanted_from)
        .join(table, and_(*(table.c[k] == w for k, w in zip(key, wanted, strict=True))))
        .where(table.c[order] == newest.scalar_subquery())
    )
    return {tuple(row[k] for k in key): dict(row) for row in session.execute(query).mappings()}


#: SQLite: more series than this are listed in a temporary table (100 k json_extract calls took 2 s)
TEMP_TABLE_SERIES = 2_000


def _latest_through_temp_table(
    session: Session, table: Table, key: Sequence[str], order: str, series: Collection[tuple[Any, ...]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """latest_of_series on SQLite for many series: they are inserted into a temporary table and joined."""
    connection = session.connection()
    names = [f"k{i}" for i in range(len(key))]
    connection.exec_driver_sql("DROP TABLE IF EXISTS temp.aipulse_wanted")
    connection.exec_driver_sql(f"CREATE TEMP TABLE aipulse_wanted ({', '.join(names)})")
    try:
        converters = [column_converter(table.c[k].type, sqlite=True) for k in key]
        rows = [tuple(c(v) if c is not None and v is not None else v for c, v in zip(converters, s, strict=True))
                for s in series]  # fmt: skip
        marks = ", ".join("?" for _ in names)
        connection.exec_driver_sql(f"INSERT INTO aipulse_wanted VALUES ({marks})", rows)
        wanted_from = sql_table("aipulse_wanted", *(sql_column(n) for n in names), schema="temp")
        wanted = [wanted_from.c[n] for n in names]
        newer = table.alias("newer")
        newest = select(func.max(newer.c[order])).where(*(newer.c[k] == w for k, w in zip(key, wanted, strict=True)))
        query = (
            select(table)
            .select_from(wanted_from)
            .join(table, and_(*(table.c[k] == w for k, w in zip(key, wanted, strict=True))))
            .where(table.c[order] == newest.scalar_subquery())
        )
        return {tuple(row[k] for k in key): dict(row) for row in session.execute(query).mappings()}
    finally:
        connection.exec_driver_sql("DROP TABLE temp.aipulse_wanted")


def _json_key(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _filtered(kind: str, filters: Mapping[str, Any]) -> tuple[type[Base], Select[Any]]:
    model = SERIES[kind][0]
    query = select(model)
    for name, value in filters.items():
        column: InstrumentedAttribute[Any] = getattr(model, name)
        query = query.where(column.in_(value) if isinstance(value, (list, tuple, set)) else column == value)
    return model, query


def recently_seen(model: type[Base], since: datetime) -> Any:
    """Rows last seen at or after `since`, as a condition the index on last_seen_at serves.

    With only a lower bound SQLite's planner guesses a quarter of the table matches and scans the whole series
    index instead; a closed range (up to FAR_FUTURE, which cuts nothing) makes it read just the recent rows: a
    year of hourly GPU rows grouped in 1.1 s instead of 9.9 s.
    """
    column = model.last_seen_at  # type: ignore[attr-defined]
    return and_(column >= since, column <= FAR_FUTURE)


@lru_cache(maxsize=32)
def series_keys(table: Table, key: tuple[str, ...], order: str, dialect: str) -> Any:
    """Every distinct series key of `table` as a recursive CTE that seeks the series index once per series (a
    loose index scan: each step jumps to the first index entry past the previous series), so it costs one probe
    per series however many rows each has. Built once per table and dialect (building it cost 9 ms a call).

    The step compares (key, order) row values with the previous key and an order past any stored one: SQLite
    seeks a `>` on row values to the first equal entry and walks over the equal ones (every row of the series),
    and ranges the index on the whole row value only when its right side has no column affinity (hence `+`)."""
    first = table.alias("first_row")
    lowest = select(first.c.id).order_by(*(first.c[k] for k in key)).limit(1).scalar_subquery()
    anchor = table.alias("anchor_row")
    keys = select(*(anchor.c[k] for k in key)).where(anchor.c.id == lowest).cte("series_keys", recursive=True)
    ahead = table.alias("ahead")
    previous: list[Any] = [keys.c[k] for k in key]
    if dialect == "sqlite":
        previous = [UnaryExpression(c, operator=operators.custom_op("+")) for c in previous]
    beyond = literal(FAR_FUTURE.date() if order == "period_start" else FAR_FUTURE, table.c[order].type)
    past_previous = tuple_(*(ahead.c[k] for k in (*key, order))) > tuple_(*previous, beyond)
    following = select(*(ahead.c[k] for k in key)).where(past_previous).order_by(*(ahead.c[k] for k in key)).limit(1)
    if dialect == "postgresql":  # a correlated subquery in a join condition would not be an index probe there
        step = following.lateral("following")
        return keys.union(select(*(step.c[k] for k in key)).select_from(keys).join(step, true()))
    step_row = table.alias("step_row")
    following_id = following.with_only_columns(ahead.c.id).scalar_subquery()
    return keys.union(
        select(*(step_row.c[k] for k in key)).select_from(keys).join(step_row, step_row.c.id == following_id)
    )


def latest(
    session: Session,
    kind: str,
    at: datetime | None = None,
    *,
    seen_since: datetime | None = None,
    columns: Sequence[str] | None = None,
    **filters: Any,
) -> list[Any]:
    """The latest row of every series matching `filters` (as of `at`, when given): per series, its newest row by
    time (then revision, then id) among the rows matching `filters`.

    One query whose cost grows with the number of series, not of rows: the series are listed by series_keys,
    filters on the series key pick among them, and each one's newest row is one probe of the series index (a
    filter on another column, such as gpu_model, walks back through a series until a row matches).
    `seen_since` (gpu, traffic) leaves out series whose latest state was last seen before it (delisted): the
    rows of one series never overlap in time, so when its state in force at `at` was seen before `seen_since`,
    no older row of it was seen since either. With `columns`, rows of just those columns (no ORM objects: a
    tenth of the cost of loading a thousand offers).
    """
    model, key, order = SERIES[kind]
    table = cast(Table, model.__table__)
    wanted: list[Any] = [model] if columns is None else [table.c[c] for c in columns]
    dialect = session.get_bind().dialect.name
    if all(k in filters and not isinstance(filters[k], (list, tuple, set)) for k in key):  # one series: one probe
        keys: Any = select(*(literal(filters[k], table.c[k].type).label(k) for k in key)).subquery("series_keys")
    else:
        keys = series_keys(table, tuple(key), order, dialect)
    probe = table.alias("probe")
    conditions = [probe.c[k] == keys.c[k] for k in key]
    series_conditions: list[Any] = []  # a filter on the series key picks series, one on another column rows
    for name, value in filters.items():
        column = keys.c[name] if name in key else probe.c[name]
        matched = column.in_(value) if isinstance(value, (list, tuple, set)) else column == value
        (series_conditions if name in key else conditions).append(matched)
    if at is not None:
        conditions.append(probe.c[order] <= (at.date() if order == "period_start" else at))
    newest_first = [probe.c[order].desc(), *([probe.c.revision.desc()] if kind == "traffic" else []), probe.c.id.desc()]
    newest = select(probe.c.id).where(*conditions).order_by(*newest_first).limit(1)
    if dialect == "postgresql":
        found = newest.lateral("newest")
        ids = select(found.c.id).select_from(keys).join(found, true()).where(*series_conditions)
        newest_ids = ids.subquery("newest_ids")
        query = select(*wanted).join(newest_ids, table.c.id == newest_ids.c.id)
    else:
        query = select(*wanted).select_from(keys).join(table, table.c.id == newest.scalar_subquery())
        query = query.where(*series_conditions)
    if seen_since is not None:
        query = query.where(recently_seen(model, seen_since))
    return list(session.scalars(query) if columns is None else session.execute(query))


def value_at(session: Session, kind: str, series: Mapping[str, Any], at: datetime) -> Any | None:
    """The series' row in force at `at`: the newest observation at or before that time."""
    found = latest(session, kind, at=at, **series)
    return found[0] if found else None


def history(
    session: Session, kind: str, series: Mapping[str, Any], since: datetime, until: datetime | None = None
) -> list[Any]:
    """A series' rows over a window, oldest first, starting with the state in force at `since`."""
    model, _, order = SERIES[kind]
    order_col = getattr(model, order)
    start: Any = since.date() if order == "period_start" else since
    _, query = _filtered(kind, series)
    query = query.where(order_col > start)
    if until is not None:
        query = query.where(order_col <= (until.date() if order == "period_start" else until))
    rows = list(session.scalars(query.order_by(order_col)))
    before = value_at(session, kind, series, since)
    return ([before] if before is not None else []) + rows
