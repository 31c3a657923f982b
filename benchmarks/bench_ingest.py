"""Prints how fast the repository stores quotes and GPU offers against a raw executemany of the same rows."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402

from spiders import items  # noqa: E402
from storage.db import create_db_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import GpuOffer, Quote  # noqa: E402
from storage.types import canonical_decimal  # noqa: E402
from storage.writes import write_items  # noqa: E402

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def quote_rows(n: int) -> list[dict[str, Any]]:
    """`n` quotes of 500 symbols, one a minute, as the spiders emit them."""
    template = asdict(items.Quote(
        source="sina_quotes", url="https://hq.sinajs.cn/list=sh600519", observed_at=T0, symbol="SH600519",
        name="贵州茅台", kind="stock", currency="CNY", quote_time=T0, status="trading", price=Decimal("1688.50"),
        prev_close=Decimal("1675.00"), open=Decimal("1676.10"), high=Decimal("1690.00"), low=Decimal("1670.02"),
        volume=2_345_678, turnover=Decimal("3961234567.89"),
    ))  # fmt: skip
    return [
        {**template, "symbol": f"SH{600000 + i % 500}", "quote_time": T0 + timedelta(minutes=i // 500),
         "price": Decimal(1600) + Decimal(i % 9000) / 100}
        for i in range(n)
    ]  # fmt: skip


def gpu_rows(n: int) -> list[dict[str, Any]]:
    """`n` offers, each its own series (a whole-market scan seen for the first time)."""
    template = asdict(items.GpuOffer(
        source="aws_gpu", provider="aws", instance_type="p5.48xlarge", region="us-east-1", billing="on_demand",
        url="https://pricing.us-east-1.amazonaws.com/", observed_at=T0, gpu_model="H100", gpu_variant="SXM",
        gpu_count=Decimal("8"), vcpus=192, memory_gb=Decimal("2048"), currency="USD", price=Decimal("98.32"),
    ))  # fmt: skip
    return [{**template, "instance_type": f"p5.{i}xlarge", "price": Decimal(90) + Decimal(i % 1000) / 100}
            for i in range(n)]  # fmt: skip


def db_value(value: Any, sqlite: bool) -> Any:
    """A value as the column types bind it (exact decimals as text on SQLite, UTC datetimes)."""
    if isinstance(value, Decimal):
        return format(canonical_decimal(value), "f") if sqlite else canonical_decimal(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if not sqlite else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def raw_write(engine: Engine, table: str, rows: list[dict[str, Any]], extra: dict[str, Any]) -> float:
    """Seconds for one DBAPI executemany of `rows` (converted beforehand, not timed) and the commit."""
    sqlite = engine.dialect.name == "sqlite"
    model = Quote if table == "quotes" else GpuOffer
    columns = [c.name for c in model.__table__.c if c.name != "id"]
    marks = ", ".join("?" if sqlite else "%s" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    params = [tuple(db_value({**row, **extra}.get(c), sqlite) for c in columns) for row in rows]
    connection = engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = connection.cursor()
        cursor.executemany(sql, params)
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def repository_write(engine: Engine, kind: str, rows: list[dict[str, Any]]) -> float:
    """Seconds for storage.writes to store `rows` in one transaction, as a crawl's pipeline does."""
    sessions = session_factory(engine)
    started = time.perf_counter()
    with sessions.begin() as session:
        stats = write_items(session, kind, rows)
    elapsed = time.perf_counter() - started
    assert stats.stored == len(rows), stats
    return elapsed


@contextmanager
def fresh_databases(kind: str, postgres_url: Callable[[], str] | None) -> Iterator[Callable[[], Engine]]:
    """A factory of empty migrated databases of `kind` (sqlite or postgresql)."""
    engines: list[Engine] = []
    with tempfile.TemporaryDirectory() as tmp:

        def make() -> Engine:
            if kind == "sqlite":
                url = f"sqlite:///{tmp}/bench{len(engines)}.db"
            else:
                assert postgres_url is not None
                url = postgres_url()
            engine = create_db_engine(url)
            upgrade(engine)
            engines.append(engine)
            return engine

        try:
            yield make
        finally:
            for engine in engines:
                engine.dispose()


def bench(database: str, make: Callable[[], Engine], rows: int, repeat: int) -> list[tuple[str, float, float]]:
    """(target, raw seconds, repository seconds): the best of `repeat` alternating runs of each (the machine is
    shared, the best run is the one least disturbed)."""
    results = []
    for kind, table, data, extra in (
        ("quotes", "quotes", quote_rows(rows), {}),
        ("gpu", "gpu_offers", gpu_rows(rows), {"last_seen_at": T0}),  # the raw rows carry what the repository adds
    ):
        raw, repository = [], []
        for _ in range(repeat):
            raw.append(raw_write(make(), table, data, extra))
            repository.append(repository_write(make(), kind, data))
        results.append((f"{database} {table}", min(raw), min(repository)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Repository writes vs a raw executemany of the same rows.")
    parser.add_argument("--rows", type=int, default=100_000, help="rows per table (default 100000)")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL server to create databases on (URL of one)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, the best one counted (default 2)")
    args = parser.parse_args()
    results = []
    with fresh_databases("sqlite", None) as make:
        results += bench("sqlite", make, args.rows, args.repeat)
    if not args.no_postgres:
        cluster = None
        if args.postgres_url:
            new_database = _databases_on(args.postgres_url)
        else:
            from tests.conftest import PostgresCluster  # the suite's throwaway cluster

            cluster = PostgresCluster()
            new_database = cluster.new_database
        try:
            with fresh_databases("postgresql", new_database) as make:
                results += bench("postgresql", make, args.rows, args.repeat)
        finally:
            if cluster is not None:
                cluster.stop()
    print(f"{args.rows} rows per table, one transaction each, into empty migrated databases (best of {args.repeat})")
    print(f"{'target':<24} {'raw rows/s':>12} {'repository rows/s':>18} {'ratio':>7}")
    for name, raw, repository in results:
        print(f"{name:<24} {args.rows / raw:>12,.0f} {args.rows / repository:>18,.0f} {raw / repository:>6.2f}x")


def _databases_on(url: str) -> Callable[[], str]:
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    def new_database() -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        base = make_url(url)
        dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return base.set(database=name).render_as_string(hide_password=False)

    return new_database


if __name__ == "__main__":
    main()
