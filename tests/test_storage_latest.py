"""latest(): the newest row of every series, found through the series index, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.models import GpuOffer, Quote
from storage.queries import SERIES, latest
from tests.test_storage import CST, HOUR, T0, gpu_row, quote_row, write

GPU_KEY = SERIES["gpu"][1]


def key_of(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in GPU_KEY)


def newest_by_reading_every_row(
    sessions: sessionmaker[Session], at: datetime | None = None, **equal: Any
) -> dict[tuple[Any, ...], int]:
    """The expected answer, the slow way: every row read, the newest per series kept."""
    newest: dict[tuple[Any, ...], Any] = {}
    with sessions() as session:
        for row in session.scalars(select(GpuOffer)):
            if (at is not None and row.observed_at > at) or any(getattr(row, k) != v for k, v in equal.items()):
                continue
            if key_of(row) not in newest or row.observed_at > newest[key_of(row)].observed_at:
                newest[key_of(row)] = row
    return {key: row.id for key, row in newest.items()}


# Keys that sort next to each other: prefixes, case, a trailing space, non-ASCII: the index walk must not skip any.
REGIONS = ["eastus", "eastus2", "EastUS", "east us", "eastus ", "東京", "éast"]


def fill_series(sessions: sessionmaker[Session], changes: int) -> None:
    rng = random.Random(3)
    for step in range(changes):
        rows = [
            gpu_row(
                T0 + step * HOUR,
                region=region,
                instance_type=f"ND{n}",
                gpu_model="H100" if n % 2 else "A100-40G",
                price=Decimal(rng.randint(2000, 3000)) / 100,
            )
            for region in REGIONS
            for n in range(3)
            if rng.random() < 0.7  # not every series is seen every hour
        ]
        write(sessions, "gpu", *rows)


def test_latest_is_the_newest_row_of_every_series(sessions: sessionmaker[Session]) -> None:
    fill_series(sessions, changes=12)

    with sessions() as session:
        found = {key_of(o): o.id for o in latest(session, "gpu")}
    assert found == newest_by_reading_every_row(sessions)
    assert len(found) == len(REGIONS) * 3


def test_latest_as_of_a_time_is_the_newest_row_up_to_it_in_every_series(sessions: sessionmaker[Session]) -> None:
    fill_series(sessions, changes=12)
    at = (T0 + 5 * HOUR).astimezone(CST)

    with sessions() as session:
        found = {key_of(o): o.id for o in latest(session, "gpu", at=at)}
    assert found == newest_by_reading_every_row(sessions, at)


def test_latest_filtered_on_a_column_outside_the_series_key(sessions: sessionmaker[Session]) -> None:
    fill_series(sessions, changes=6)

    with sessions() as session:
        found = {key_of(o): o.id for o in latest(session, "gpu", gpu_model=["H100"], region="東京")}
    assert found == newest_by_reading_every_row(sessions, gpu_model="H100", region="東京")
    assert found


def test_a_filter_picks_the_newest_matching_row_not_the_newest_row(sessions: sessionmaker[Session]) -> None:
    write(sessions, "quotes", quote_row(T0))
    later = T0 + 24 * HOUR
    write(sessions, "quotes", quote_row(later, source="eastmoney_quotes", quote_time=later, price=Decimal("180")))

    with sessions() as session:
        (from_sina,) = latest(session, "quotes", source="sina_quotes")
        (newest,) = latest(session, "quotes")
    assert (from_sina.source, from_sina.price) == ("sina_quotes", Decimal("177.19"))
    assert (newest.source, newest.price) == ("eastmoney_quotes", Decimal("180"))


def test_two_sources_at_the_same_quote_time_give_the_one_stored_last(sessions: sessionmaker[Session]) -> None:
    write(sessions, "quotes", quote_row(T0))
    write(sessions, "quotes", quote_row(T0, source="eastmoney_quotes", price=Decimal("177.2")))

    with sessions() as session:
        (newest,) = latest(session, "quotes", symbol=["NVDA"])
        last_id = max(session.scalars(select(Quote.id)))
    assert (newest.id, newest.source) == (last_id, "eastmoney_quotes")


def test_seen_since_leaves_out_series_last_seen_before_it(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0, region="delisted"), gpu_row(T0, region="eastus"))
    write(sessions, "gpu", gpu_row(T0 + 48 * HOUR, region="eastus", price=Decimal("20")))

    with sessions() as session:
        now = {o.region for o in latest(session, "gpu", seen_since=T0 + 24 * HOUR)}
        then = {(o.region, o.price) for o in latest(session, "gpu", at=T0 + HOUR, seen_since=T0)}
        everything = {o.region for o in latest(session, "gpu")}
    assert now == {"eastus"}
    assert then == {("delisted", Decimal("27.197")), ("eastus", Decimal("27.197"))}
    assert everything == {"delisted", "eastus"}


def test_latest_of_an_empty_table_is_empty(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert latest(session, "gpu") == []
        assert latest(session, "traffic", at=T0) == []


def sqlite_steps(engine: Engine, sessions: sessionmaker[Session]) -> int:
    """Virtual machine steps (in thousands) SQLite takes to answer latest(), now and as of an hour ago."""
    steps = [0]

    def count(dbapi_connection: sqlite3.Connection, _: Any) -> None:
        dbapi_connection.set_progress_handler(lambda: steps.__setitem__(0, steps[0] + 1) or 0, 1000)

    event.listen(engine, "connect", count)
    engine.dispose()  # new connections get the counter
    with sessions() as session:
        latest(session, "gpu")
        latest(session, "gpu", at=T0 + 10 * HOUR)
    event.remove(engine, "connect", count)
    engine.dispose()
    return steps[0]


def test_latest_reads_the_same_however_long_the_history_on_sqlite(tmp_path: Any) -> None:
    """One probe per series: ten times the rows per series costs about the same (a GROUP BY grew tenfold)."""
    costs = []
    for changes in (20, 200):
        engine = create_db_engine(f"sqlite:///{tmp_path / f'h{changes}.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:  # 50 series of `changes` rows each, stored as crawls store them
            session.add_all(
                GpuOffer(
                    **{
                        **gpu_row(T0 + h * HOUR, region=f"r{s}", price=Decimal(20 + h % 7)),
                        "last_seen_at": T0 + h * HOUR,
                    }
                )
                for h in range(changes)
                for s in range(50)
            )
        costs.append(sqlite_steps(engine, sessions))
        engine.dispose()
    assert costs[1] < 2 * max(costs[0], 1)
