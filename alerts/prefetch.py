"""Set-based reads for one evaluation pass: the history of every series a run touched, in a few statements.

Evaluated one series at a time, a pass asked each series for its previous rows, its window and its quarantine
flags (9 statements a series). `prefetch` asks once per kind for all of them: the last rows before each
observation (one UNION ALL of index-bounded `ORDER BY … LIMIT` probes), each rule window's values (one per
window), and the quarantine flags of every row read (one range query). What it read fills `History`'s caches;
a question outside them (a `days` baseline, a walk longer than what was read) still asks the database.
Series ordered by a time column (GPU offers, quotes) are prefetched; traffic and funding are asked as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Dialect, Table, select
from sqlalchemy.orm import Session

from alerts.series import Observation
from storage.alert_models import QuarantinedObservation
from storage.bulk import sqlite_datetime as _sqlite_datetime
from storage.queries import SERIES

if TYPE_CHECKING:
    from alerts.observations import History

__all__ = ["PREFETCHED_KINDS", "prefetch"]

#: kinds whose series are ordered by a datetime column (traffic's dates and revisions are asked per series)
PREFETCHED_KINDS = frozenset({"gpu", "quotes"})
#: rows read before each observation (History walks up to 5 back; the rare longer walk asks for the rest)
EARLIER_ROWS = 3
#: series per UNION ALL statement (SQLite allows 500 compound members; a window takes two per series)
SERIES_PER_STATEMENT = 200


def _chunks(items: Sequence[Observation]) -> Iterable[Sequence[Observation]]:
    for start in range(0, len(items), SERIES_PER_STATEMENT):
        yield items[start : start + SERIES_PER_STATEMENT]


def _bind(dialect: Dialect) -> tuple[str, Callable[[Any], Any]]:
    """The driver's placeholder and how a key or time value is passed to it (a datetime as the column stores it)."""
    if dialect.name == "sqlite":
        return "?", lambda v: _sqlite_datetime(v) if isinstance(v, datetime) else v
    return "%s", lambda v: v


def _union(session: Session, parts: Sequence[tuple[str, Sequence[Any]]]) -> list[tuple[Any, ...]]:
    """Rows of the UNION ALL of `parts` (each a SELECT and its parameters), through the driver.

    Built as text: SQLAlchemy spent more CPU keying and compiling a 200-member union than the database took.
    """
    sql = " UNION ALL ".join(f"SELECT * FROM ({part}) AS p{i}" for i, (part, _) in enumerate(parts))
    params = tuple(value for _, values in parts for value in values)
    return session.connection().exec_driver_sql(sql, params).fetchall()  # type: ignore[return-value]


def prefetch(
    history: History, kind: str, observations: Sequence[Observation], windows: Iterable[tuple[str, timedelta]]
) -> None:
    """Read what a pass will ask about `observations` (`windows`: the (field, window) pairs of its rules)."""
    if kind not in PREFETCHED_KINDS or not observations:
        return
    session = history.session
    model, _, order = SERIES[kind]
    table: Table = model.__table__  # type: ignore[assignment]
    # Most questions go one row back (the previous accepted value); a walk past what was read (quarantined rows
    # in a row, two sources at one time) asks the database for the rest.
    limit = EARLIER_ROWS
    mark, bind = _bind(session.get_bind().dialect)
    keys = SERIES[kind][1]
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    probe = (f"SELECT id FROM {table.name} WHERE {where} AND {order} < {mark} "
             f"ORDER BY {order} DESC, id DESC LIMIT {limit}")  # fmt: skip
    row_ids = [obs.row.id for obs in observations]
    for chunk in _chunks(observations):
        parts = [(probe, [*(bind(obs.series[k]) for k in keys), bind(obs.at)]) for obs in chunk]
        ids = [row[0] for row in _union(session, parts)]
        rows = session.scalars(select(model).where(model.id.in_(ids))).all()  # type: ignore[attr-defined]
        by_series: dict[tuple[Any, ...], list[Any]] = {}
        for row in rows:
            by_series.setdefault(tuple(getattr(row, k) for k in keys), []).append(row)
        for obs in chunk:
            found = sorted(by_series.get(tuple(obs.series[k] for k in keys), []),
                           key=lambda r: (getattr(r, order), r.id), reverse=True)  # fmt: skip
            history.remember_earlier(kind, obs, found, complete=len(found) < limit)
            row_ids += [row.id for row in found]
    low, high = min(row_ids), max(row_ids)
    for name, window in set(windows):
        read = _prefetch_window(history, kind, observations, name, window)
        if read is not None:
            low, high = min(low, read[0]), max(high, read[1])
    _prefetch_quarantine(history, session, kind, low, high)


def _prefetch_window(
    history: History, kind: str, observations: Sequence[Observation], name: str, window: timedelta
) -> tuple[int, int] | None:
    """Every series' values of `name` in [at − window, at) and the one in force at its start (History.window_values).

    Each series' window comes back as one row of two comma-joined lists (ids, values as text; '' for no value):
    one row per series instead of one per value, the rows then split in C. Returns the range of the ids read.
    """
    model, keys, order = SERIES[kind]
    table: Table = model.__table__  # type: ignore[assignment]
    dialect = history.session.get_bind().dialect
    mark, bind = _bind(dialect)
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    # Both lists are aggregated over the same rows in the same order (PostgreSQL is told so; SQLite's aggregates of
    # one group always see one order), so the n-th value belongs to the n-th id.
    ordered = " ORDER BY id" if dialect.name == "postgresql" else ""
    join = "string_agg" if dialect.name == "postgresql" else "group_concat"
    ids_text = f"{join}(CAST(id AS TEXT), ','{ordered})"
    values_text = f"{join}(coalesce(CAST({name} AS TEXT), ''), ','{ordered})"
    inside = f"SELECT id, {name} FROM {table.name} WHERE {where} AND {order} > {mark} AND {order} < {mark}"
    before = (f"SELECT * FROM (SELECT id, {name} FROM {table.name} WHERE {where} AND {order} <= {mark} "
              f"ORDER BY {order} DESC, id DESC LIMIT 1) AS b")  # fmt: skip
    low: int | None = None
    high: int | None = None
    decimals: dict[str, Decimal] = {}
    for chunk in _chunks(observations):
        parts: list[tuple[str, list[Any]]] = []
        for i, obs in enumerate(chunk):
            series = [bind(obs.series[k]) for k in keys]
            since = obs.at - window
            sql = f"SELECT {i}, {ids_text}, {values_text} FROM ({inside} UNION ALL {before}) AS w"
            parts.append((sql, [*series, bind(since), bind(obs.at), *series, bind(since)]))
        for i, joined_ids, joined_values in _union(history.session, parts):
            ids = [int(row_id) for row_id in joined_ids.split(",")] if joined_ids else []
            values = [_decimal(text, decimals) for text in joined_values.split(",")] if ids else []
            history.remember_window(chunk[i], name, window, ids, values)
            if ids:
                low = min(ids) if low is None else min(low, *ids)
                high = max(ids) if high is None else max(high, *ids)
    return (low, high) if low is not None and high is not None else None


def _decimal(text: str, seen: dict[str, Decimal]) -> Decimal | None:
    """A stored value's text as a Decimal ('' for no value); values repeat a lot in a window, each is parsed once."""
    if not text:
        return None
    value = seen.get(text)
    if value is None:
        value = seen[text] = Decimal(text)
    return value


def _prefetch_quarantine(history: History, session: Session, kind: str, low: int, high: int) -> None:
    """The quarantine flags of every row with an id in [low, high] (every row read), from one range query."""
    held = set(
        session.scalars(
            select(QuarantinedObservation.row_id).where(
                QuarantinedObservation.kind == kind,
                QuarantinedObservation.row_id >= low,
                QuarantinedObservation.row_id <= high,
            )
        )
    )
    history.remember_quarantine(kind, low, high, held)
