"""Times alert evaluation after a run touching 100 series on 1, then 2 years of hourly history (run with -m)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

import storage.alert_models  # noqa: F401 - registers the alert tables
from alerts.engine import evaluate_after_run
from core.config.alerts import AlertsConfig
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.models import Quote
from storage.runs import finish_run, start_run
from storage.types import canonical_decimal
from storage.writes import write_quotes

START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
RULES = [
    # One rule of each history-reading kind: previous observation, a rolling window, a constant.
    {"name": "move", "kind": "change", "item": "quotes", "pct": 8, "notify": []},
    {"name": "spike", "kind": "spike", "item": "quotes", "window": "7d", "z": 6, "notify": []},
    {"name": "cheap", "kind": "threshold", "item": "quotes", "field": "price", "op": "<", "value": 1, "notify": []},
    {"name": "quality", "kind": "health", "check": "quality", "notify": []},
]


def _price(series: int, hour: int) -> Decimal:
    # A slow, deterministic wobble around a per-series level: realistic enough for medians and MADs.
    level = 20 + series % 80
    return Decimal(level) + Decimal((hour * 7919 + series * 104729) % 200 - 100) / 100


def _rows(series: int, hours: range, origin: datetime) -> Iterator[dict[str, Any]]:
    for s in range(series):
        symbol = f"{600000 + s:06d}.SH"
        for h in hours:
            at = origin + h * HOUR
            yield {"source": "bench_quotes", "symbol": symbol, "name": f"S{s}", "kind": "stock", "currency": "CNY",
                   "price": _price(s, h), "prev_close": Decimal(20 + s % 80), "quote_time": at, "status": "trading",
                   "url": "https://example.com/q", "observed_at": at}  # fmt: skip


def fill(sessions: sessionmaker[Session], series: int, hours: range, origin: datetime) -> int:
    """Bulk-insert hourly quotes for `series` symbols over `hours` (offsets from `origin`).

    Values are written in the exact text forms storage.types gives them on SQLite (a plain executemany is ~20x
    faster than going through the ORM); the repository reads them back as usual.
    """
    columns = ("source", "symbol", "name", "kind", "currency", "price", "prev_close", "quote_time", "status",
               "url", "observed_at")  # fmt: skip
    sql = f"INSERT INTO quotes ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    batch: list[tuple[Any, ...]] = []
    count = 0
    with sessions.begin() as session:
        connection = session.connection()
        for s in range(series):
            symbol, level = f"{600000 + s:06d}.SH", 20 + s % 80
            prices: dict[int, str] = {}
            for h in hours:
                stamp = (origin + h * HOUR).strftime("%Y-%m-%d %H:%M:%S.%f")
                wobble = (h * 7919 + s * 104729) % 200
                if wobble not in prices:
                    prices[wobble] = format(canonical_decimal(_price(s, h)), "f")
                batch.append(("bench_quotes", symbol, f"S{s}", "stock", "CNY", prices[wobble], str(level), stamp,
                              "trading", "https://example.com/q", stamp))  # fmt: skip
                if len(batch) == 100_000:
                    connection.exec_driver_sql(sql, batch)
                    count += len(batch)
                    batch.clear()
        if batch:
            connection.exec_driver_sql(sql, batch)
            count += len(batch)
    return count


class StatementCounter:
    """Counts the SQL statements an engine runs (the work an evaluation does, free of timing noise)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def time_runs(
    sessions: sessionmaker[Session],
    config: AlertsConfig,
    touched: int,
    first_hour: datetime,
    repeat: int,
    counter: StatementCounter,
) -> tuple[list[float], list[int]]:
    """Store `repeat` runs of `touched` fresh quotes each; the evaluation's CPU seconds and SQL statements."""
    timings, statements = [], []
    for i in range(repeat):
        at = first_hour + i * HOUR
        with sessions.begin() as session:
            run = start_run(session, "bench_quotes", "schedule", at, None)
            rows = [{**row, "quote_time": at, "observed_at": at} for row in _rows(touched, range(1), at)]
            write_quotes(session, rows, run.id)
            finish_run(session, run.id, status="succeeded", finished_at=at, stored=len(rows))
            run_id = run.id
        # CPU time of this process: on a shared machine, wall time mostly measures the neighbours.
        started, before = time.process_time(), counter.count
        with sessions.begin() as session:
            evaluate_after_run(session, config, run_id, at + timedelta(seconds=5))
        timings.append(time.process_time() - started)
        statements.append(counter.count - before)
    return timings, statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--touched", type=int, default=100, help="series a run stores a new observation for")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per history size")
    parser.add_argument("--database", help="SQLite file (default: a temporary one)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="aipulse-bench-"))
    path = Path(args.database) if args.database else folder / "bench.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    counter = StatementCounter(engine)
    config = AlertsConfig.model_validate({"rules": RULES})
    hours = args.days * 24
    print(f"SQLite {path}: {args.series} series x {args.days} days hourly, runs touching {args.touched} series")

    results = []
    for label, origin in (("1x history", START), ("2x history", START - hours * HOUR)):
        started = time.perf_counter()
        rows = fill(sessions, args.series, range(hours), origin)
        with sessions() as session:
            total = session.scalar(select(func.count()).select_from(Quote))
        print(f"  {label}: inserted {rows:,} rows in {time.perf_counter() - started:.0f}s ({total:,} quotes in all)")
        # Runs happen after the newest stored hour; the doubled history is prepended (older), so they still do.
        with engine.connect() as connection:  # leave no big WAL behind the bulk insert
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        first = START + (hours + 1 + len(results) * (args.repeat + 1)) * HOUR
        time_runs(sessions, config, args.touched, first, 1, counter)  # warm-up, untimed
        timings, statements = time_runs(sessions, config, args.touched, first + HOUR, args.repeat, counter)
        typical = statistics.median(timings)
        results.append(typical)
        print(f"  {label}: evaluation after a run = {typical * 1000:.0f} ms CPU (median of {len(timings)}; "
              f"min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms), "
              f"{statistics.median(statements):.0f} SQL statements")  # fmt: skip
    print(f"doubling history changes evaluation time by x{results[1] / results[0]:.2f} (1.00 = independent of history)")
    engine.dispose()
    if not args.database:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
