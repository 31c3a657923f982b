"""Bulk INSERT … ON CONFLICT through the driver itself: what a raw executemany costs, with the column types' rules.

SQLAlchemy's executemany spends most of its time on per-value bind processing; a write of 100 k rows spent
four fifths of it there. Here each column's conversion (exact decimals, UTC datetimes, ISO dates on SQLite) is
chosen once per table, equal values are converted once per batch, and the rows go to the DBAPI cursor of the
session's own connection, inside its transaction. On PostgreSQL a large batch is COPYed into a temporary
table and merged by one INSERT … SELECT. Statements run through `exec_driver_sql` (SQLAlchemy's events and
error wrapping apply), COPY through the driver's cursor, its errors wrapped the same way (IntegrityError, …).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Boolean, Date, Float, Integer, String, Table, Text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage.db import DatabaseError
from storage.models import Base
from storage.types import ExactDecimal, UTCDateTime, canonical_decimal

__all__ = ["COPY_MIN_ROWS", "column_converter", "insert_rows", "sqlite_datetime", "update_rows"]

#: PostgreSQL batches of at least this many rows go through COPY and one merge statement
COPY_MIN_ROWS = 1_000
#: rows per executemany: bounds the parameter lists held at once
BATCH_ROWS = 5_000

Converter = Callable[[Any], Any]


def sqlite_datetime(value: datetime) -> str:
    """An aware datetime as SQLAlchemy stores it on SQLite (UTC, microseconds, no zone)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: aipulse stores aware datetimes only")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME format


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: aipulse stores aware datetimes only")
    return value.astimezone(UTC)


def _decimal_text(value: Decimal) -> str:
    return format(canonical_decimal(value), "f")


def _iso_date(value: date) -> str:
    return value.isoformat()


def column_converter(column_type: Any, sqlite: bool) -> Converter | None:
    """How one column's Python value becomes the driver's; None: as it is. TypeError for a type not handled."""
    if isinstance(column_type, ExactDecimal):
        return _decimal_text if sqlite else canonical_decimal
    if isinstance(column_type, UTCDateTime):
        return sqlite_datetime if sqlite else _utc
    if isinstance(column_type, Date):
        return _iso_date if sqlite else None
    if isinstance(column_type, Boolean | Integer | Float | String | Text):
        return None
    raise TypeError(f"bulk insert does not convert {type(column_type).__name__} columns")


def _memo(convert: Converter) -> Converter:
    """`convert` with equal values converted once (a batch repeats its times and prices); zero is not shared."""
    seen: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        if value is None:
            return None
        if not value:  # Decimal("-0") == Decimal("0"), yet each keeps its own text
            return convert(value)
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = convert(value)
            return converted

    return cached


def insert_rows(
    session: Session,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    extra: Mapping[str, Any] | None = None,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> int:
    """Insert `rows` (each column from the row, else `extra`, else NULL) in order; returns how many were inserted.

    With `conflict` (a unique key), a row meeting a stored one is skipped (`ON CONFLICT DO NOTHING`), or, with
    `update`, sets those columns of the stored row (`DO UPDATE`; then the count includes the rows updated).
    Without `conflict` a duplicate key fails the whole statement (IntegrityError).
    """
    if not rows:
        return 0
    session.flush()
    dialect = session.get_bind().dialect
    if dialect.name not in ("sqlite", "postgresql"):
        raise DatabaseError(f"aipulse stores to SQLite or PostgreSQL, not {dialect.name}")
    sqlite = dialect.name == "sqlite"
    table = cast(Table, model.__table__)
    columns = [c for c in table.columns if c.name != "id"]
    names = [c.name for c in columns]
    defaults = {
        c.name: getattr(c.default, "arg", None) for c in columns if c.default is not None and c.default.is_scalar
    }
    defaults.update(extra or {})
    params = _parameters(rows, [(c.name, column_converter(c.type, sqlite), defaults.get(c.name)) for c in columns])
    quote = dialect.identifier_preparer.quote
    column_list = ", ".join(quote(n) for n in names)
    on_conflict = ""
    if conflict:
        target = ", ".join(quote(n) for n in conflict)
        sets = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in update)
        on_conflict = f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if update else "DO NOTHING")
    connection = session.connection()
    table_name = quote(table.name)
    if not sqlite and len(params) >= COPY_MIN_ROWS:
        return _copy_and_merge(session, table_name, column_list, params, on_conflict)
    marks = ", ".join("?" if sqlite else "%s" for _ in names)
    statement = f"INSERT INTO {table_name} ({column_list}) VALUES ({marks}){on_conflict}"
    inserted = 0
    for start in range(0, len(params), BATCH_ROWS):
        inserted += max(connection.exec_driver_sql(statement, params[start : start + BATCH_ROWS]).rowcount, 0)
    return inserted


def update_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> None:
    """Set the columns `names` of stored rows to each row's values, the rows found by their `row_id`."""
    if not rows:
        return
    session.flush()
    dialect = session.get_bind().dialect
    sqlite = dialect.name == "sqlite"
    table = cast(Table, model.__table__)
    quote = dialect.identifier_preparer.quote
    mark = "?" if sqlite else "%s"
    plan = [*((n, column_converter(table.c[n].type, sqlite), None) for n in names), ("row_id", None, None)]
    params = _parameters(rows, plan)
    sets = ", ".join(f"{quote(n)} = {mark}" for n in names)
    statement = f"UPDATE {quote(table.name)} SET {sets} WHERE id = {mark}"
    connection = session.connection()
    for start in range(0, len(params), BATCH_ROWS):
        connection.exec_driver_sql(statement, params[start : start + BATCH_ROWS])


def _parameters(
    rows: Sequence[Mapping[str, Any]], plan: Sequence[tuple[str, Converter | None, Any]]
) -> list[tuple[Any, ...]]:
    """The driver's parameter tuples, built column by column (name, conversion, value when the row has none)."""
    columns: list[list[Any]] = []
    for name, convert, default in plan:
        values = [row.get(name) for row in rows]
        if default is not None:
            values = [default if value is None else value for value in values]
        if convert is not None:
            cached = _memo(convert)
            values = [cached(value) for value in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def _copy_and_merge(session: Session, table: str, columns: str, params: list[tuple[Any, ...]], on_conflict: str) -> int:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT in their order."""
    connection = session.connection()
    stage = f"aipulse_stage_{table.strip(chr(34))}"
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {stage}")
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
    )
    connection.exec_driver_sql(f"ALTER TABLE {stage} ADD COLUMN aipulse_order bigint")
    dialect = connection.dialect
    copy_statement = f"COPY {stage} ({columns}, aipulse_order) FROM STDIN"
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(copy_statement) as copy:
            for order, row in enumerate(params):
                copy.write_row((*row, order))
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(copy_statement, None, exc, dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()
    merge = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ORDER BY aipulse_order{on_conflict}"
    inserted = max(connection.exec_driver_sql(merge).rowcount, 0)
    connection.exec_driver_sql(f"DROP TABLE {stage}")
    return inserted
