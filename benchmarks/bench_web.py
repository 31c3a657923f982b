"""Times the dashboard's Overview over the report benchmark's one-year store (1,000 GPU series, 100 symbols,
hourly for a year; built by bench_report.fill). Prints the Overview's latency through the ASGI app next to
references measured in the same run: `show gpu`'s own query (gpu_rows), which the Overview's GPU block runs, and
the GROUP BY form latest() had before it probed the series index (grouped_latest below, the old query kept here
only as a yardstick), run twice as gpu_rows runs latest().

The Overview (and the GPU rows per filter) are computed once per data version (a new run, alert or silence)
and then served from memory; both the first (cold) view and the following (warm) ones are timed.
Target: a view under 200 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench_report import END, config, fill  # the sibling script: the same store, built the same way
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from monitor.show_gpu import gpu_rows
from monitor.web.app import create_app
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.models import GpuOffer

KINDS = {"aliyun_gpu": "gpu", "tencent_gpu": "gpu", "vastai_gpu": "gpu", "tencent_quotes": "quotes",
         "eastmoney_klines": "quotes"}  # fmt: skip


def grouped_latest(session: Session, at: object) -> int:
    """The GPU rows latest() read before (a GROUP BY over every row of the kind up to `at`): how many."""
    key = [GpuOffer.source, GpuOffer.provider, GpuOffer.instance_type, GpuOffer.region, GpuOffer.billing]
    newest = select(*key, func.max(GpuOffer.observed_at).label("newest")).where(GpuOffer.observed_at <= at)
    sub = newest.group_by(*key).subquery()
    join = and_(*(c == sub.c[c.key] for c in key), GpuOffer.observed_at == sub.c.newest)
    return len(list(session.scalars(select(GpuOffer).join(sub, join))))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpu-series", type=int, default=1000)
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--gpu-change", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="SQLite file (default: a temporary one; an existing one is reused)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="aipulse-bench-web-"))
    path = Path(args.database) if args.database else folder / "bench.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        empty = not session.scalar(select(func.count()).select_from(GpuOffer))
    if empty:
        started = time.perf_counter()
        counts = fill(sessions, args.gpu_series, args.symbols, args.days, args.gpu_change)
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
        print(f"inserted {', '.join(f'{n:,} {t}' for t, n in counts.items())} in {time.perf_counter() - started:.0f}s")
    settings = config(args.symbols)
    app = create_app(settings, engine, KINDS)
    app.state.web.now = lambda: END
    client = TestClient(app)

    references, grouped = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        with sessions() as session:
            grouped_latest(session, END)
            grouped_latest(session, END - timedelta(days=7))
        grouped.append(time.perf_counter() - started)
        started = time.perf_counter()
        with sessions() as session:
            rows = gpu_rows(session, settings.fx, END)
        references.append(time.perf_counter() - started)
    colds, warms = [], []
    for _ in range(args.repeat):
        app.state.web.results.clear()  # as after a new data version: the Overview is computed again
        started = time.perf_counter()
        answer = client.get("/")
        colds.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text[:500]
        started = time.perf_counter()
        assert client.get("/").status_code == 200
        warms.append(time.perf_counter() - started)
    gpu_cold, gpu_warm = [], []
    for _ in range(args.repeat):
        app.state.web.results.clear()
        started = time.perf_counter()
        assert client.get("/gpu?page=2").status_code == 200
        gpu_cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert client.get("/gpu?page=3").status_code == 200
        gpu_warm.append(time.perf_counter() - started)
    print(f"store {path}: {len(rows)} current GPU offers")
    print(f"  reference, show gpu's query (gpu_rows): median {_ms(statistics.median(references))}")
    print(f"  reference, the GROUP BY latest() twice:  median {_ms(statistics.median(grouped))}")
    cold = statistics.median(colds)
    print(
        f"  Overview, first view of a data version:  median {_ms(cold)} (target < 200 ms; "
        f"{cold / statistics.median(references):.2f}x gpu_rows, {cold / statistics.median(grouped):.2f}x the GROUP BY)"
    )
    print(f"  Overview, later views:                   median {_ms(statistics.median(warms))}")
    print(f"  GPU page (50 rows of {len(rows)}), first view: median {_ms(statistics.median(gpu_cold))}")
    print(f"  GPU page, later views:                   median {_ms(statistics.median(gpu_warm))}")
    engine.dispose()
    if not args.database:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
