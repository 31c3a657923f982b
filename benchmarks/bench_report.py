"""Times the weekly report over a year of hourly data: 1,000 GPU series and 100 symbols (run with -m).

GPU rows are what a year of hourly crawls leaves in the store: an hourly observation equal to the series' last
state only extends that row's `last_seen_at`, a changed one starts a new row. `--gpu-change` sets how often a
marketplace series' price changes per hour (list-price clouds change a few times a year); `--gpu-change 1` makes
every hourly observation a new row, the worst case. Quotes are one row per symbol and hour, crawl runs one per
source and hour.

Two regimes, measured in the same run: the first report on a store (no GPU trend day kept yet: the trend groups
every offer in force over its 8 weeks, the reference) and the weekly one (last week's report kept the days up to
its Friday, so this one groups 9 days of offers and reads the rest as one `gpu_days` row per model, provider,
currency and day).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

import storage.alert_models  # noqa: F401 - registers the alert tables
from core.config import AppConfig
from monitor.report.build import build_weekly_report
from monitor.report.build_gpu import TREND_WEEKS, gpu_trend
from monitor.report.rendering import render_html
from monitor.report.week import report_week
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun, GpuDay, GpuDayCover, GpuOffer, Quote

END = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00 Shanghai: the report of 2026-11-16 is due
HOUR = timedelta(hours=1)
MODELS = ["A100-80G", "H100-80G", "A800-80G", "H800-80G", "H20-96G", "L40S-48G", "RTX4090-24G", "V100-32G"]
PROVIDERS = ["aliyun", "tencent", "aws", "azure", "vastai", "runpod", "lambda", "gpushare", "autodl", "hengyuan"]
MARKETPLACES = {"vastai", "runpod", "gpushare", "autodl"}
USD_PROVIDERS = {"aws", "azure", "vastai", "runpod", "lambda"}
GPU_COLUMNS = ("source", "provider", "instance_type", "region", "billing", "gpu_model", "gpu_count", "vcpus",
               "memory_gb", "price", "currency", "price_per_gpu_hour", "available", "url", "observed_at",
               "last_seen_at")  # fmt: skip
RUN_COLUMNS = ("source", "trigger", "status", "started_at", "finished_at", "items_stored", "items_unchanged",
               "items_dropped", "requests")  # fmt: skip
RUN_SOURCES = ["aliyun_gpu", "tencent_gpu", "vastai_gpu", "tencent_quotes", "eastmoney_klines"]
QUOTE_COLUMNS = ("source", "symbol", "name", "kind", "currency", "price", "prev_close", "change_pct", "quote_time",
                 "status", "url", "observed_at")  # fmt: skip


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert(session: Session, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    connection, batch, count = session.connection(), [], 0
    for row in rows:
        batch.append(row)
        if len(batch) == 100_000:
            connection.exec_driver_sql(sql, batch)
            count += len(batch)
            batch.clear()
    if batch:
        connection.exec_driver_sql(sql, batch)
        count += len(batch)
    return count


def gpu_rows(series: int, hours: int, change: float, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """State intervals of `series` GPU offers observed hourly for `hours` before END, in the order hourly crawls
    insert them (by first observation), so the table's physical layout is the one a real store has."""
    start = END - hours * HOUR
    intervals: list[tuple[int, int, int, float, bool]] = []  # (first hour, series, last hour, price, available)
    for s in range(series):
        provider = PROVIDERS[s % len(PROVIDERS)]
        rate = change if provider in MARKETPLACES else 0.0005
        level = 2.0 if provider in USD_PROVIDERS else 15.0
        price, available, first = level, True, 0
        for h in range(hours):
            if h < hours - 1 and rng.random() >= rate:
                continue
            intervals.append((first, s, h, price, available))
            price = max(0.1 * level, price * (1 + rng.uniform(-0.05, 0.05)))
            available = rng.random() > 0.1
            first = h + 1
    intervals.sort()
    for first, s, last, price, available in intervals:
        provider, model = PROVIDERS[s % len(PROVIDERS)], MODELS[(s // len(PROVIDERS)) % len(MODELS)]
        count, seen = 1 + s % 8, (_stamp(start + first * HOUR), _stamp(start + last * HOUR))
        currency = "USD" if provider in USD_PROVIDERS else "CNY"
        yield (f"{provider}_gpu", provider, f"{model}-x{count}-{s}", f"region-{s % 5}", "on_demand", model,
               str(count), 8 * count, str(64 * count), f"{price * count:.4f}", currency, f"{price:.4f}",
               available, "https://example.com/p", *seen)  # fmt: skip


def quote_rows(symbols: int, hours: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """One quote per symbol and hour for `hours` before END, hour by hour; the first five symbols are indices."""
    start = END - hours * HOUR
    prices = [4000.0 if s < 5 else 20.0 + s for s in range(symbols)]
    for h in range(hours):
        at = _stamp(start + h * HOUR)
        for s in range(symbols):
            symbol = f"{300 + s:06d}.SH" if s < 5 else f"{600000 + s:06d}.SH"
            previous = prices[s]
            price = prices[s] = previous * (1 + rng.uniform(-0.01, 0.01))
            yield ("tencent_quotes", symbol, f"S{s}", "index" if s < 5 else "stock", "CNY", f"{price:.2f}",
                   f"{previous:.2f}", f"{(price / previous - 1) * 100:.2f}", at, "trading", "https://example.com/q",
                   at)  # fmt: skip


def close_rows(symbols: int, days: int) -> Iterator[tuple[Any, ...]]:
    """Daily closes (eastmoney_klines) of the five indices, weekdays only."""
    first = END.date() - timedelta(days=days)
    for s in range(5):
        price = 4000.0
        for d in range(days):
            day = first + timedelta(days=d)
            if day.weekday() >= 5:
                continue
            previous, price = price, price * (1 + ((d * 7919 + s) % 41 - 20) / 1000)
            at = _stamp(datetime.combine(day, datetime.min.time(), ZoneInfo("Asia/Shanghai")).astimezone(UTC)
                        + timedelta(hours=15))  # fmt: skip
            yield ("eastmoney_klines", f"{300 + s:06d}.SH", f"I{s}", "index", "CNY", f"{price:.2f}",
                   f"{previous:.2f}", None, at, "closed", "https://example.com/k", at)  # fmt: skip


def run_rows(hours: int) -> Iterator[tuple[Any, ...]]:
    """An hourly crawl run per source; every 50th fails."""
    start = END - hours * HOUR
    for source in RUN_SOURCES:
        for h in range(hours):
            at = start + h * HOUR
            status = "failed" if h % 50 == 0 else "succeeded"
            yield (source, "schedule", status, _stamp(at), _stamp(at + timedelta(seconds=20)), 0, 100, 0, 2)


def fill(sessions: sessionmaker[Session], gpu: int, symbols: int, days: int, change: float) -> dict[str, int]:
    """Bulk-insert the year (text forms as storage.types writes them on SQLite; the ORM would take ~20x longer)."""
    rng = random.Random(7)
    with sessions.begin() as session:
        counts = {
            "gpu_offers": _insert(session, "gpu_offers", GPU_COLUMNS, gpu_rows(gpu, days * 24, change, rng)),
            "quotes": _insert(session, "quotes", QUOTE_COLUMNS, quote_rows(symbols, days * 24, rng)),
        }
        counts["quotes"] += _insert(session, "quotes", QUOTE_COLUMNS, close_rows(symbols, days))
        counts["crawl_runs"] = _insert(session, "crawl_runs", RUN_COLUMNS, run_rows(days * 24))
    return counts


def _forget(sessions: sessionmaker[Session], since: date) -> None:
    """Drop the GPU trend's kept days from `since` on, as a write into those days would."""
    with sessions.begin() as session:
        session.execute(delete(GpuDay).where(GpuDay.day >= since))
        session.execute(delete(GpuDayCover).where(GpuDayCover.day >= since))


def config(symbols: int) -> AppConfig:
    watch = [{"symbol": f"{600000 + s:06d}.SH", "eps": {"2025": "1.20", "2026E": "1.50"}} for s in range(5, symbols)]
    return AppConfig.model_validate(
        {
            "quotes": {"watch": watch[:20], "indices": [f"{300 + s:06d}.SH" for s in range(5)]},
            "fx": {"base": "CNY", "rates": {"USD": "7.10"}},
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpu-series", type=int, default=1000)
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--gpu-change", type=float, default=0.05, help="hourly change probability, marketplaces")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="SQLite file (default: a temporary one)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="aipulse-bench-"))
    path = Path(args.database) if args.database else folder / "bench.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        empty = not session.scalar(select(func.count()).select_from(GpuOffer))
        no_runs = not session.scalar(select(func.count()).select_from(CrawlRun))
    if not empty and no_runs:  # a database filled by an older version of this script
        with sessions.begin() as session:
            _insert(session, "crawl_runs", RUN_COLUMNS, run_rows(args.days * 24))
    if empty:
        started = time.perf_counter()
        counts = fill(sessions, args.gpu_series, args.symbols, args.days, args.gpu_change)
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"inserted {', '.join(f'{n:,} {t}' for t, n in counts.items())} in {time.perf_counter() - started:.0f}s")
    with sessions() as session:
        gpu_total = session.scalar(select(func.count()).select_from(GpuOffer)) or 0
        quote_total = session.scalar(select(func.count()).select_from(Quote)) or 0
    print(f"SQLite {path}: {args.gpu_series} GPU series, {args.symbols} symbols, {args.days} days hourly "
          f"({gpu_total:,} gpu_offers rows, {quote_total:,} quotes rows)")  # fmt: skip
    settings = config(args.symbols)
    week = report_week(date(2026, 11, 16), ZoneInfo("Asia/Shanghai"), END)
    kinds = {"aliyun_gpu": "gpu", "tencent_gpu": "gpu", "vastai_gpu": "gpu", "tencent_quotes": "quotes",
             "eastmoney_klines": "quotes"}  # fmt: skip
    first_day = week.monday - timedelta(days=7 * (TREND_WEEKS - 1))
    kept_until = week.monday - timedelta(days=3)  # last week's report kept the days up to its Friday
    regimes: dict[str, dict[str, list[float]]] = {}
    for regime, forget_from in (("first report (no day kept)", first_day), ("weekly (days kept last week)", None)):
        times = regimes[regime] = {"build": [], "render": [], "trend": []}
        for _ in range(args.repeat + 1):
            _forget(sessions, forget_from or kept_until + timedelta(days=1))
            started = time.perf_counter()
            with sessions() as session:
                gpu_trend(session, settings.fx, week, first_day, (), END)
            times["trend"].append(time.perf_counter() - started)
            _forget(sessions, forget_from or kept_until + timedelta(days=1))
            started = time.perf_counter()
            with sessions() as session:
                report = build_weekly_report(session, settings, week, language="zh", kinds=kinds, now=END)
            built = time.perf_counter()
            html = render_html(report)
            times["build"].append(built - started)
            times["render"].append(time.perf_counter() - built)
        for values in times.values():
            del values[0]  # the first run warms caches (fonts, templates, pages) and is not counted
    with sessions() as session:
        kept_rows = session.scalar(select(func.count()).select_from(GpuDay).where(GpuDay.day >= first_day)) or 0
    print(f"report of week {week.monday}: {len(report.gpu.lines)} GPU rows, {len(report.gpu.trend)} trend lines, "
          f"{len(report.watch.lines)} watched, HTML {len(html) / 1024:.0f} KiB; the trend's 8 weeks kept as "
          f"{kept_rows:,} gpu_days rows")  # fmt: skip
    cold = statistics.median(regimes["first report (no day kept)"]["trend"])
    for regime, times in regimes.items():
        totals = [b + r for b, r in zip(times["build"], times["render"], strict=True)]
        trend = statistics.median(times["trend"])
        print(f"  {regime}:")
        print(f"    GPU trend alone:      median {trend:.2f}s (min {min(times['trend']):.2f}s), "
              f"{trend / cold:.2f}× the first report's")  # fmt: skip
        print(f"    build from the store: median {statistics.median(times['build']):.2f}s "
              f"(min {min(times['build']):.2f}s)")  # fmt: skip
        print(f"    render HTML + charts: median {statistics.median(times['render']):.2f}s "
              f"(min {min(times['render']):.2f}s)")  # fmt: skip
        print(f"    total:                median {statistics.median(totals):.2f}s of {len(totals)} runs "
              "(target < 5 s)")  # fmt: skip
    engine.dispose()
    if not args.database:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
