"""`aipulse demo`: replay the recorded fixtures on 127.0.0.1, run every source once, print what was stored."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from core.config import load_config
from core.tables import render_table
from monitor.crawling import CrawlRunner, spider_classes
from monitor.replay import ReplayServer, Reply, Route, fixtures_root
from storage.db import create_db_engine, masked, session_factory
from storage.migrate import upgrade
from storage.queries import latest

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
    "eastmoney_klines": {"symbols": "600519.SH", "days": "3"},
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
    """What the demo serves besides fixture cases: gpushare's store page, which the browser loads first."""
    page = root / "gpushare_gpu" / "store_page.html"
    return [Route("/store", [Reply.file(page, content_type="text/html; charset=utf-8")])]


def demo_config(server_url: str, database_url: str) -> str:
    """A configuration that points every demo source at the replay server (its default endpoint's path there)."""
    lines = ["[database]", f'url = "{database_url}"', "", "[daemon]", 'log_level = "WARNING"', ""]
    spiders = spider_classes()
    for source_id in sorted(demo_sources()):
        path = urlsplit(spiders[source_id].default_endpoint).path if source_id in spiders else ""
        lines += [f"[sources.{source_id}]", 'every = "1h"', f'endpoint = "{server_url}{path}"']
        extra = {k: v.replace("{server}", server_url) for k, v in DEMO_ARGS.get(source_id, {}).items()}
        if extra:
            lines.append("args = { " + ", ".join(f'{k} = "{v}"' for k, v in extra.items()) + " }")
        lines.append("")
    return "\n".join(lines)


def run_demo(database_url: str | None, out: TextIO, fixtures: Path | None = None) -> int:
    """Run the whole chain offline once; returns 0 when every source succeeded."""
    root = fixtures or fixtures_root()
    if not root.is_dir():
        print(f"aipulse demo needs the recorded fixtures in {root} (run it from a source checkout)", file=out)
        return 2
    sources_cases = demo_sources(root)
    server = ReplayServer.from_fixtures(sources_cases, root=root, extra=demo_extra_routes(root))
    with tempfile.TemporaryDirectory(prefix="aipulse-demo-") as tmp, server:
        url = database_url or f"sqlite:///{tmp}/demo.db"
        config_path = Path(tmp) / "aipulse.toml"
        config_path.write_text(demo_config(server.url, url), encoding="utf-8")
        config = load_config(config_path)
        engine = create_db_engine(config.database_url())
        upgrade(engine)
        print(f"replaying recorded responses on {server.url}; database {masked(config.database_url())}", file=out)
        runner = CrawlRunner(config, engine)
        sources = [source_id for source_id in sorted(sources_cases) if source_id in spider_classes()]
        results = [runner.run(source_id, "demo") for source_id in sources]
        for result in results:
            error = f" — {result.error}" if result.error else ""
            counts = f"{result.items_stored} stored, {result.items_dropped} dropped"
            print(f"{result.source}: {result.status}, {counts}{error}", file=out)
        with session_factory(engine)() as session:
            offers = sorted(latest(session, "gpu"), key=lambda o: (o.gpu_model, o.provider, o.region, o.billing))
            rows = [
                (o.provider, o.instance_type, o.region, f"{o.gpu_count:g}× {o.gpu_model}", o.billing,
                 f"{o.price} {o.currency}" if o.price is not None else "sold out",
                 f"{o.price_per_gpu_hour:.4f}" if o.price_per_gpu_hour is not None else "—")
                for o in offers
            ]  # fmt: skip
            series = {kind: len(latest(session, kind)) for kind in ("gpu", "traffic", "quotes", "funding")}
        print("\nseries stored: " + ", ".join(f"{kind} {count}" for kind, count in series.items()), file=out)
        print("\nGPU offers stored (price per instance-hour; per GPU-hour):", file=out)
        headers = ("provider", "instance", "region", "GPUs", "billing", "price/h", "per GPU-h")
        print(render_table(headers, rows, right=(5, 6)), file=out)
        engine.dispose()
        return 0 if results and all(r.status == "succeeded" for r in results) else 1
