"""Bulk writes on SQLite and PostgreSQL: many series at once; bad rows or a lost database leave nothing behind."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.bulk import BATCH_ROWS
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base, GpuOffer, Quote, TrafficSnapshot
from storage.writes import WriteStats, write_items
from tests.test_storage import HOUR, T0, gpu_row, quote_row, traffic_row

#: more series than PostgreSQL took in one `(key) IN (...)` list (it failed from about 9,000)
MANY = 20_000


def write(sessions: sessionmaker[Session], kind: str, rows: list[dict[str, Any]]) -> WriteStats:
    with sessions.begin() as session:
        return write_items(session, kind, rows)


def count(sessions: sessionmaker[Session], model: type[Base]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def offers(observed_at: Any, n: int = MANY, **changes: Any) -> list[dict[str, Any]]:
    return [gpu_row(observed_at, instance_type=f"Standard_ND{i}", **changes) for i in range(n)]


def test_twenty_thousand_series_seen_again_extend_their_states(sessions: sessionmaker[Session]) -> None:
    first = write(sessions, "gpu", offers(T0))
    again = write(sessions, "gpu", offers(T0 + HOUR))

    with sessions() as session:
        spans = set(session.execute(select(GpuOffer.observed_at, GpuOffer.last_seen_at)))
    assert (first, again) == (WriteStats(stored=MANY), WriteStats(unchanged=MANY))
    assert spans == {(T0, T0 + HOUR)}


def test_twenty_thousand_series_with_new_prices_start_new_states(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", offers(T0))
    changed = write(sessions, "gpu", offers(T0 + HOUR, price=Decimal("24.48")))

    assert changed == WriteStats(stored=MANY)
    assert count(sessions, GpuOffer) == 2 * MANY


def test_twenty_thousand_traffic_periods_released_again_keep_one_revision(sessions: sessionmaker[Session]) -> None:
    periods = [traffic_row(T0, domain=f"site{i}.example") for i in range(MANY)]
    write(sessions, "traffic", periods)
    again = write(sessions, "traffic", [{**p, "observed_at": T0 + HOUR} for p in periods])

    assert again == WriteStats(unchanged=MANY)
    with sessions() as session:
        assert set(session.scalars(select(TrafficSnapshot.last_seen_at))) == {T0 + HOUR}


def test_quote_batch_repeating_a_key_stores_it_once(sessions: sessionmaker[Session]) -> None:
    stats = write(sessions, "quotes", [quote_row(T0), quote_row(T0 + HOUR, price=Decimal("1")), quote_row(T0)])

    assert stats == WriteStats(stored=1, unchanged=2)
    with sessions() as session:
        assert session.scalars(select(Quote.price)).all() == [Decimal("177.19")]


def test_gpu_batch_repeating_an_observation_keeps_its_last_values(sessions: sessionmaker[Session]) -> None:
    stats = write(sessions, "gpu", [gpu_row(T0), gpu_row(T0, price=Decimal("26.50"))])

    assert stats == WriteStats(stored=1, unchanged=1)
    with sessions() as session:
        assert session.scalars(select(GpuOffer.price)).all() == [Decimal("26.50")]


def test_an_older_observation_written_late_corrects_the_state_stored_at_that_time(
    sessions: sessionmaker[Session],
) -> None:
    write(sessions, "gpu", [gpu_row(T0)])
    write(sessions, "gpu", [gpu_row(T0 + HOUR, price=Decimal("24.48"))])
    stats = write(sessions, "gpu", [gpu_row(T0, price=Decimal("26.50"))])

    assert stats == WriteStats(stored=1)
    with sessions() as session:
        prices = session.execute(select(GpuOffer.observed_at, GpuOffer.price).order_by(GpuOffer.observed_at)).all()
    assert [tuple(p) for p in prices] == [(T0, Decimal("26.50")), (T0 + HOUR, Decimal("24.48"))]


def test_quote_violating_a_constraint_mid_batch_stores_none_of_the_batch(sessions: sessionmaker[Session]) -> None:
    rows = [quote_row(T0, quote_time=T0 - i * HOUR) for i in range(2 * BATCH_ROWS)]
    rows[BATCH_ROWS + 10]["name"] = None  # NOT NULL, in the second executemany

    with pytest.raises(IntegrityError):
        write(sessions, "quotes", rows)
    assert count(sessions, Quote) == 0


def test_gpu_batch_with_a_bad_row_neither_extends_nor_adds_states(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", offers(T0, n=100))
    batch = [*offers(T0 + HOUR, n=100), gpu_row(T0 + HOUR, instance_type="new", gpu_model=None)]

    with pytest.raises(IntegrityError):
        write(sessions, "gpu", batch)
    with sessions() as session:
        assert set(session.scalars(select(GpuOffer.last_seen_at))) == {T0}
    assert count(sessions, GpuOffer) == 100


@pytest.mark.postgres
def test_database_lost_mid_batch_keeps_none_of_the_batch(postgres: Any) -> None:
    engine = create_db_engine(postgres.new_database())
    upgrade(engine)
    sessions = session_factory(engine)
    admin = psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=aipulse dbname=postgres", autocommit=True)
    executed = []

    @event.listens_for(engine, "before_cursor_execute")
    def lose_database_at_the_merge(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO quotes"):  # after the rows were COPYed into the stage table
            executed.append(statement)
            if len(executed) == 1:
                admin.execute("SELECT pg_terminate_backend(%s)", [conn.connection.dbapi_connection.info.backend_pid])

    rows = [quote_row(T0, quote_time=T0 - i * timedelta(minutes=1)) for i in range(3 * BATCH_ROWS)]
    try:
        with pytest.raises(DBAPIError):
            write(sessions, "quotes", rows)
        event.remove(engine, "before_cursor_execute", lose_database_at_the_merge)
        assert len(executed) == 1
        assert count(sessions, Quote) == 0
    finally:
        admin.close()
        engine.dispose()
