"""`aipulse demo`: replay the recorded fixtures on 127.0.0.1 over simulated weeks into a kept database; `--serve`."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import AppConfig, load_config
from monitor.crawling import CrawlResult, CrawlRunner, spider_classes
from monitor.demo_history import redate_real_run, replay_run, run_times
from monitor.replay import ReplayServer, Reply, Route, fixtures_root
from spiders.catalog import SOURCE_KINDS
from storage.db import create_db_engine, masked, session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun
from storage.queries import latest
from storage.runs import DEMO_TRIGGER

#: source id -> the fixture cases the demo replays for it (routes from each case's recorded request); a source
#: not listed here replays every case it has (see demo_sources), so a new one-page source needs no entry
DEMO_SOURCES: dict[str, tuple[str, ...]] = {
    "aliyun_gpu": ("version_page", "seed_rows_gn7_gn7e"),
    "aws_gpu": ("p4d_p4de_p5_g5",),
    "azure_gpu": ("gpu_two_pages_page1", "gpu_two_pages_page2"),
    "tencent_gpu": ("gt4_beijing", "doc_sample_cn_wrapped", "doc_sample_en_wrapped"),
    "techcrunch_funding": ("venture_feed_funding", "ai_feed_duplicates_and_undated"),
    "crunchbase_funding": ("venture_feed_roundup",),
    "googlenews_funding": ("ai_funding_query",),
    "kr36_funding": ("gateway_funding_items", "article_feed_funding"),
    "pedaily_funding": ("vcpeevent_list",),
    "vastai_gpu": ("marketplace_mixed",),
    "runpod_gpu": ("gpu_types_pricing_page_20250909",),
    "lambda_gpu": ("tabbed_all_sizes_20260822",),  # the current lambda.ai layout, at the default /pricing path
    "gpushare_gpu": ("store_machine_list",),
    "autodl_gpu": ("market_two_pages_page1", "market_two_pages_page2"),  # both POST to one path, in order
    "similarweb_traffic": ("wrtn_ai_2024_09",),
    "similarweb_api_traffic": ("weekly_visits_chatgpt_com", "weekly_duration_chatgpt_com"),
    "tranco_traffic": ("chatgpt_com_38_days", "gemini_google_com_not_ranked"),
    "tencent_quotes": ("a_shares_gbk",),
    "sina_quotes": ("a_shares_gbk",),
    "eastmoney_quotes": ("a_share_scaled",),
    "eastmoney_klines": ("day_trimmed",),
    "eastmoney_boards": ("bk0800_page1_constructed", "bk0800_page2_constructed"),
    "yahoo_quotes": ("hk_five_days",),
}
#: source id -> spider arguments besides `endpoint`; "{server}" becomes the replay server's base URL
DEMO_ARGS: dict[str, dict[str, str]] = {
    "aliyun_gpu": {"cdn": "{server}/aliyun/ecs-price-info"},
    "tencent_gpu": {"regions": "ap-beijing,ap-guangzhou"},  # the regions the recorded cases answer
    "autodl_gpu": {"token": "demo-token-not-a-secret"},  # only ever sent to the replay server
    "tencent_quotes": {"symbols": "600519.SH,000001.SZ"},
    "sina_quotes": {"symbols": "600519.SH,000001.SZ"},
    "eastmoney_quotes": {"symbols": "600519.SH"},
    "eastmoney_klines": {"symbols": "600519.SH,000300.SH", "days": "3"},
    "eastmoney_boards": {"boards": "BK0800", "page_size": "3"},  # the two-page constructed fixture
    "yahoo_quotes": {"symbols": "0700.HK"},
    "similarweb_traffic": {"domains": "wrtn.ai"},  # one domain: the 30 s delay is only between requests
    "similarweb_api_traffic": {"domains": "chatgpt.com", "api_key": "demo-key-not-secret"},
    "tranco_traffic": {"domains": "chatgpt.com,gemini.google.com"},
}


def demo_sources(root: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Every source the demo runs, with its cases: DEMO_SOURCES, then each other source with fixture cases."""
    folder = root or fixtures_root()
    found = dict(DEMO_SOURCES)
    for source_id in sorted(spider_classes()):
        cases = folder / source_id
        if source_id not in found and cases.is_dir():
            found[source_id] = tuple(sorted(p.name for p in cases.iterdir() if (p / "meta.json").is_file()))
    return found


def demo_extra_routes(root: Path) -> list[Route]:
    """What the demo serves besides fixture cases: gpushare's store page, which the browser loads first, and the
    CSI 300 k-lines for the market review (on the path of the 600519.SH case, told apart by `secid` alone)."""
    page = root / "gpushare_gpu" / "store_page.html"
    index = root / "eastmoney_klines" / "index_today_partial_constructed" / "response.json"
    return [
        Route("/store", [Reply.file(page, content_type="text/html; charset=utf-8")]),
        Route("/api/qt/stock/kline/get", [Reply.file(index)], {"secid": "1.000300"}),
    ]


#: what the demo's configuration adds for the report: FX rates for the GPU trend, the watch list (EPS of the
#: bundled config's example), the market review's index and board, and rules that fire on the simulated weeks
DEMO_SECTIONS = """
[fx]
base = "CNY"
rates = { USD = 7.10, EUR = 7.70, HKD = 0.91 }
date = "2026-11-20"

[quotes]
indices = ["000300.SH"]
boards = ["BK0800"]

[[quotes.watch]]
symbol = "002230.SZ"
name = "科大讯飞"
eps = { "2023" = 0.28, "2024E" = 0.30 }
rating = "买入"

[[quotes.watch]]
symbol = "603918.SH"
name = "金桥信息"

[[quotes.watch]]
symbol = "600519.SH"
name = "贵州茅台"

[alerts]
language = "en"

[[alerts.rules]]
name = "gpu-price-move"
kind = "change"
item = "gpu"
pct = 10
direction = "any"
notify = []

[[alerts.rules]]
name = "source-failing"
kind = "health"
check = "failing"
runs = 2
notify = []

[report]
formats = ["html", "md"]
"""


def demo_config(server_url: str, database_url: str) -> str:
    """A configuration that points every demo source at the replay server (its default endpoint's path there),
    runs each once a day (the simulated cadence) and configures what the weekly report shows."""
    lines = [
        "# Written by `aipulse demo`: the demo's sources point at its replay server (gone when it exits).",
        "[database]", f'url = "{database_url}"', "", "[daemon]", 'log_level = "WARNING"', "",
    ]  # fmt: skip
    spiders = spider_classes()
    for source_id in sorted(demo_sources()):
        path = urlsplit(spiders[source_id].default_endpoint).path if source_id in spiders else ""
        lines += [f"[sources.{source_id}]", 'every = "1d"', f'endpoint = "{server_url}{path}"']
        extra = {k: v.replace("{server}", server_url) for k, v in DEMO_ARGS.get(source_id, {}).items()}
        if extra:
            lines.append("args = { " + ", ".join(f'{k} = "{v}"' for k, v in extra.items()) + " }")
        lines.append("")
    return "\n".join(lines) + DEMO_SECTIONS


class DemoError(Exception):
    """The demo cannot run as asked (a database that is not the demo's, missing fixtures); the message says why."""


def demo_target(database: str) -> tuple[str, Path, Path | None]:
    """The database URL, the config file written beside it, and the SQLite file (None for another database)."""
    if "://" not in database:
        file = Path(database)
    elif database.startswith("sqlite:///") and database != "sqlite:///:memory:":
        file = Path(database.removeprefix("sqlite:///"))
    else:
        return database, Path("data") / "demo.toml", None
    return f"sqlite:///{file.resolve()}", file.with_suffix(".toml"), file


def _reset(url: str, file: Path | None) -> None:
    """Start from an empty store: a demo database is emptied, any other database is refused (nothing lost)."""
    if file is not None and not file.exists():
        return
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("crawl_runs"):
                others, total = 0, 0
            else:
                total = connection.scalar(select(func.count()).select_from(CrawlRun)) or 0
                others = connection.scalar(select(func.count()).where(CrawlRun.trigger != DEMO_TRIGGER)) or 0
    finally:
        engine.dispose()
    if others or (total and file is None):
        what = f"{others} run(s) that are not the demo's" if others else f"{total} run(s)"
        raise DemoError(f"database {masked(url)} holds {what}: give the demo its own with --database")
    if file is not None:
        for path in (file, file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm")):
            path.unlink(missing_ok=True)


def _print(out: TextIO, text: str = "") -> None:
    print(text, file=out, flush=True)


def _result_line(result: CrawlResult) -> str:
    error = f" — {result.error}" if result.error else ""
    counts = f"{result.items_stored} stored, {result.items_dropped} dropped"
    return f"{result.source}: {result.status}, {counts} ({result.duration_s:.1f}s){error}"


def _real_crawls(runner: CrawlRunner, sources: list[str], at: datetime, workers: int, out: TextIO) -> list[CrawlResult]:
    """Every source's real crawl at the simulated time `at`, `workers` at once, each printed as it finishes."""
    results: list[CrawlResult] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = {pool.submit(runner.run, s, DEMO_TRIGGER, None, at=at + timedelta(minutes=i)): s
                   for i, s in enumerate(sources)}  # fmt: skip
        for done in as_completed(pending):
            result = done.result()
            results.append(result)
            _print(out, f"  [{len(results):2d}/{len(sources)}] {_result_line(result)}")
    return sorted(results, key=lambda r: r.source)


def _history(
    sessions: sessionmaker[Session], config: AppConfig, real: list[CrawlResult], times: list[datetime], out: TextIO
) -> None:
    """Re-date what the real crawls stored into the first week, then replay them on every later simulated day."""
    kinds = dict(SOURCE_KINDS)
    with sessions.begin() as session:
        runs = [session.get(CrawlRun, r.run_id) for r in real if r.status == "succeeded" and r.run_id is not None]
        for run in runs:
            assert run is not None
            redate_real_run(session, run, times)
    ids = [run.id for run in runs if run is not None]
    for day, at in enumerate(times[1:], start=1):
        stored = 0
        with sessions() as session:
            reals = [session.get(CrawlRun, run_id) for run_id in ids]
        for index, run in enumerate(reals):
            assert run is not None
            stored += replay_run(sessions, config, run, kinds[run.source], at + timedelta(minutes=index), day).stored
        _print(out, f"  day {day + 1:2d}/{len(times)} {at:%a %Y-%m-%d}: {len(reals)} runs replayed, {stored} new rows")


def run_demo(
    database: str,
    out: TextIO,
    *,
    weeks: int = 2,
    fixtures: Path | None = None,
    workers: int = 3,
    now: datetime | None = None,
) -> int:
    """Replay the fixtures over `weeks` simulated weeks into `database` (kept); 0 when every real crawl succeeded."""
    root = fixtures or fixtures_root()
    if not root.is_dir():
        _print(out, f"aipulse demo needs the recorded fixtures in {root} (run it from a source checkout)")
        return 2
    url, config_path, file = demo_target(database)
    _reset(url, file)
    times = run_times(now or datetime.now(UTC), max(weeks, 0)) or [(now or datetime.now(UTC)) - timedelta(hours=1)]
    sources_cases = demo_sources(root)
    server = ReplayServer.from_fixtures(sources_cases, root=root, extra=demo_extra_routes(root))
    with server:
        config_path.parent.mkdir(parents=True, exist_ok=True)
        local = f"sqlite:///{file.name}" if file is not None and file.parent == config_path.parent else url
        config_path.write_text(demo_config(server.url, local), encoding="utf-8")
        config = load_config(config_path)
        engine = create_db_engine(config.database_url())
        upgrade(engine)
        sessions = session_factory(engine)
        sources = [source_id for source_id in sorted(sources_cases) if source_id in spider_classes()]
        _print(out, f"replaying recorded responses on {server.url} into {masked(config.database_url())}")
        _print(out, f"{len(times)} simulated day(s) from {times[0]:%Y-%m-%d} to {times[-1]:%Y-%m-%d} (UTC)")
        _print(out, f"day  1/{len(times)} {times[0]:%a %Y-%m-%d}: the real crawl of {len(sources)} sources")
        started = time.monotonic()
        results = _real_crawls(CrawlRunner(config, engine), sources, times[0], workers, out)
        crawled = time.monotonic()
        _history(sessions, config, results, times, out)
        _print(out, f"real crawls {crawled - started:.0f} s, replayed days {time.monotonic() - crawled:.0f} s")
    with sessions() as session:
        series = {kind: len(latest(session, kind)) for kind in ("gpu", "traffic", "quotes", "funding")}
    engine.dispose()
    _print(out, "\nseries stored: " + ", ".join(f"{kind} {count}" for kind, count in series.items()))
    _print(out, f"demo data kept in {masked(config.database_url())}, configuration {config_path}; next:")
    _print(out, f"  aipulse report weekly --config {config_path}")
    _print(out, f"  aipulse show gpu --config {config_path}")
    return 0 if results and all(r.status == "succeeded" for r in results) else 1


def serve_fixtures(port: int, out: TextIO, stop: threading.Event | None = None, fixtures: Path | None = None) -> int:
    """Serve the demo's recorded responses on 127.0.0.1:`port` until Ctrl-C (or `stop`), printing each endpoint."""
    root = fixtures or fixtures_root()
    try:
        server = ReplayServer.from_fixtures(demo_sources(root), root=root, extra=demo_extra_routes(root), port=port)
    except OSError as exc:
        raise DemoError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    spiders = spider_classes()
    with server:
        _print(out, f"serving the recorded responses on {server.url} (Ctrl-C stops)")
        for source_id in sorted(demo_sources(root)):
            if source_id in spiders:
                endpoint = f"{server.url}{urlsplit(spiders[source_id].default_endpoint).path}"
                _print(out, f"  scrapy crawl {source_id} -a endpoint={endpoint} -O {source_id}.jsonl")
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass
    return 0
