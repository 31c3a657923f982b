"""A dashboard over a store filled from the recorded fixtures (tests/report_store.py), for the web tests."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette

from alerts.series import series_key
from core.config import AppConfig, load_config
from monitor.web.app import WebServer, create_app
from spiders.parsers import aliyun_gpu
from spiders.parsers.contract import Request
from storage.alert_models import AlertState
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.runs import finish_run, start_run
from storage.writes import write_items
from tests.crawl_support import write_config
from tests.fixture_cases import load_case
from tests.report_store import CURRENT, store_two_weeks

KINDS = {"azure_gpu": "gpu", "aliyun_gpu": "gpu", "tencent_gpu": "gpu", "similarweb_api_traffic": "traffic",
         "kr36_funding": "funding", "techcrunch_funding": "funding", "tencent_quotes": "quotes",
         "eastmoney_klines": "quotes", "eastmoney_boards": "quotes"}  # fmt: skip
WATCH = """
[fx]
base = "CNY"
rates = { USD = "7.10" }

[quotes]
indices = ["000300.SH"]
boards = ["BK0800"]

[[quotes.watch]]
symbol = "600519.SH"
name = "贵州茅台"
eps = { "2025" = "68.64", "2026E" = "75.00" }
rating = "买入"

[[quotes.watch]]
symbol = "002230.SZ"
eps = { "2025" = "0" }

[[alerts.rules]]
name = "gpu_price_drop"
kind = "change"
item = "gpu"
pct = 5
direction = "down"
notify = []
"""


def store_aliyun(session: Any) -> None:
    """Alibaba's CNY price file (a constructed case of real prices, see its meta.json) on its fetch day: the
    store's offers in China."""
    case = load_case("aliyun_gpu", "cny_derived_gpu_excerpt")
    fetched = datetime.fromisoformat(case.meta["fetched_at"])
    items = aliyun_gpu.parse(case.response_text, url=case.url, fetched_at=fetched, request=Request(step="price_file"))
    run = start_run(session, "aliyun_gpu", "schedule", fetched, None)
    finish_run(session, run.id, status="succeeded", finished_at=fetched, stored=len(items.items))
    write_items(session, "gpu", [asdict(item) for item in items.items], run.id)


def filled_store(url: str) -> Engine:
    """A migrated store holding the two fixture weeks and Alibaba's CNY offers."""
    engine = create_db_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        store_two_weeks(session)
        store_aliyun(session)
    return engine


def web_config(directory: Path, url: str, *, extra: str = "", language: str = "zh") -> AppConfig:
    """aipulse.toml for the fixture store: weekly sources, the fx table, a watch list, `extra` TOML appended."""
    sources = {name: {"every": "7d"} for name in KINDS}
    path = write_config(directory, url, sources)
    report = f'\n[report]\nlanguage = "{language}"\nout_dir = "reports"\n'
    path.write_text(path.read_text(encoding="utf-8") + WATCH + report + extra, encoding="utf-8")
    return load_config(path)


def fixture_app(directory: Path, url: str, **options: Any) -> tuple[Starlette, AppConfig, Engine]:
    """The app over a fresh fixture store at `url`."""
    engine = filled_store(url)
    config = web_config(directory, url, **options)
    return create_app(config, engine, KINDS), config, engine


#: the alerts store_active_alerts leaves firing and pending: (state, series labels)
ACTIVE_ALERTS = [("firing", {"provider": "azure", "instance": "Standard_ND96amsr_A100_v4"}),
                 ("pending", {"provider": "aliyun", "instance": "ecs.gn7e-c16g1.4xlarge"})]  # fmt: skip


def store_active_alerts(session: Any) -> None:
    """gpu_price_drop firing for one series and pending for another, as the engine leaves them mid-week."""
    for state, series in ACTIVE_ALERTS:
        since = CURRENT + timedelta(hours=1)
        session.add(AlertState(rule="gpu_price_drop", series_key=series_key(series), series=series, state=state,
                               active_since=since, fired_at=since if state == "firing" else None, notified_at=None,
                               resolved_at=None, last_run_id=None, context={}, updated_at=since))  # fmt: skip


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """`app` served by a real WebServer on a free loopback port: its base URL, the server stopped at the end."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = WebServer(app, f"127.0.0.1:{port}")
    server.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
