"""`aipulse demo`: replay the recorded fixtures on 127.0.0.1, run every source once, print what was stored."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from core.config import load_config
from core.tables import render_table
from monitor.crawling import CrawlRunner, spider_classes
from monitor.replay import ReplayServer, Reply, Route
from storage.db import create_db_engine, masked, session_factory
from storage.migrate import upgrade
from storage.queries import latest

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
RouteBuilder = Callable[[Path], list[Route]]


def _azure_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "azure_gpu"
    return [
        Route("/api/retail/prices", [Reply.file(case / "gpu_two_pages_page1" / "response.json")], {"$skip": None}),
        Route("/api/retail/prices", [Reply.file(case / "gpu_two_pages_page2" / "response.json")], {"$skip": "1000"}),
    ]


def _aliyun_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "aliyun_gpu"
    page = Reply.file(case / "version_page" / "response.html", content_type="text/html; charset=utf-8")
    price_file = Reply.file(case / "seed_rows_gn7_gn7e" / "response.json")
    return [
        Route("/price/ecs/ecs-pricing/zh", [page]),
        Route("/aliyun/ecs-price-info/2.0.211/price/download/instancePrice.json", [price_file]),
    ]


def _tencent_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "tencent_gpu"
    answers = {
        "ap-beijing": "gt4_beijing",
        "ap-shanghai": "doc_sample_cn_wrapped",
        "ap-guangzhou": "doc_sample_en_wrapped",
    }
    return [
        Route("/cgi/api", [Reply.file(case / answer / "response.json")], {"region": region}, method="POST")
        for region, answer in answers.items()
    ]


def _aws_routes(fixtures: Path) -> list[Route]:
    return [Route("/instances.json", [Reply.file(fixtures / "aws_gpu" / "p4d_p4de_p5_g5" / "response.json")])]


def _quote_routes(source: str, endpoint: str, answers: dict[str, tuple[str, dict[str, str | None]]]) -> RouteBuilder:
    def build(fixtures: Path) -> list[Route]:
        routes = []
        for path, (case, query) in answers.items():
            [response] = (fixtures / source / case).glob("response.*")
            routes.append(Route(endpoint + path, [Reply.file(response, content_type="text/plain")], query))
        return routes

    return build


def _eastmoney_boards_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "eastmoney_boards"
    return [
        Route(
            "/em/api/qt/clist/get",
            [Reply.file(case / f"bk0800_page{page}_constructed" / "response.json")],
            {"fs": "b:BK0800 f:!50", "pn": str(page)},
        )
        for page in (1, 2)
    ]


def _similarweb_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "similarweb_traffic" / "wrtn_ai_2024_09" / "response.json"
    return [Route("/api/v1/data", [Reply.file(case)], {"domain": "wrtn.ai"})]


def _tranco_routes(fixtures: Path) -> list[Route]:
    cases = fixtures / "tranco_traffic"
    not_ranked = cases / "gemini_google_com_not_ranked" / "response.json"
    return [
        Route("/api/ranks/domain/chatgpt.com", [Reply.file(cases / "chatgpt_com_38_days" / "response.json")]),
        Route("/api/ranks/domain/gemini.google.com", [Reply.file(not_ranked)]),
    ]


def _similarweb_api_routes(fixtures: Path) -> list[Route]:
    cases = fixtures / "similarweb_api_traffic"
    base = "/v1/website/chatgpt.com/total-traffic-and-engagement"
    return [
        Route(f"{base}/visits", [Reply.file(cases / "weekly_visits_chatgpt_com" / "response.json")]),
        Route(f"{base}/average-visit-duration", [Reply.file(cases / "weekly_duration_chatgpt_com" / "response.json")]),
    ]


def _vastai_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "vastai_gpu" / "marketplace_mixed" / "response.json"
    return [Route("/api/v0/bundles/", [Reply.file(case)], method="POST")]


def _runpod_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "runpod_gpu" / "gpu_types_pricing_page_20250909" / "response.json"
    return [Route("/graphql", [Reply.file(case)], method="POST")]


def _lambda_routes(fixtures: Path) -> list[Route]:
    case = fixtures / "lambda_gpu" / "pricing_table_20241103" / "response.html"
    return [Route("/service/gpu-cloud", [Reply.file(case, content_type="text/html; charset=utf-8")])]


def _gpushare_routes(fixtures: Path) -> list[Route]:
    folder = fixtures / "gpushare_gpu"
    return [
        Route("/store", [Reply.file(folder / "store_page.html", content_type="text/html; charset=utf-8")]),
        Route("/app/api/market/machine/list", [Reply.file(folder / "store_machine_list" / "response.json")]),
    ]


def _autodl_routes(fixtures: Path) -> list[Route]:
    folder = fixtures / "autodl_gpu"
    pages = [Reply.file(folder / f"market_two_pages_page{n}" / "response.json") for n in (1, 2)]
    return [Route("/api/v1/user/machine/list", pages, method="POST")]  # both pages POST to one path, in order


RSS = "application/rss+xml; charset=utf-8"


def _funding_reply(fixtures: Path, source: str, case: str, content_type: str = RSS) -> Reply:
    return Reply.file(next((fixtures / source / case).glob("response.*")), content_type=content_type)


def _techcrunch_funding_routes(fixtures: Path) -> list[Route]:
    venture = _funding_reply(fixtures, "techcrunch_funding", "venture_feed_funding")
    ai = _funding_reply(fixtures, "techcrunch_funding", "ai_feed_duplicates_and_undated")
    return [Route("/category/venture/feed/", [venture]), Route("/category/artificial-intelligence/feed/", [ai])]


def _crunchbase_funding_routes(fixtures: Path) -> list[Route]:
    return [Route("/sections/venture/feed/", [_funding_reply(fixtures, "crunchbase_funding", "venture_feed_roundup")])]


def _googlenews_funding_routes(fixtures: Path) -> list[Route]:
    return [Route("/rss/search", [_funding_reply(fixtures, "googlenews_funding", "ai_funding_query")])]


def _kr36_funding_routes(fixtures: Path) -> list[Route]:
    # the article feed follows the overridden endpoint's host: GET /feed on the same server
    flash = _funding_reply(fixtures, "kr36_funding", "gateway_funding_items", "application/json")
    return [
        Route("/api/mis/nav/newsflash/flow", [flash], method="POST"),
        Route("/feed", [_funding_reply(fixtures, "kr36_funding", "article_feed_funding")]),
    ]


def _pedaily_funding_routes(fixtures: Path) -> list[Route]:
    page = _funding_reply(fixtures, "pedaily_funding", "vcpeevent_list", "text/html; charset=utf-8")
    return [Route("/vcpeevent/", [page])]


#: source id -> (endpoint path on the replay server, the routes that replay its recorded responses)
DEMO_SOURCES: dict[str, tuple[str, Callable[[Path], list[Route]]]] = {
    "aliyun_gpu": ("/price/ecs/ecs-pricing/zh", _aliyun_routes),
    "aws_gpu": ("/instances.json", _aws_routes),
    "azure_gpu": ("/api/retail/prices", _azure_routes),
    "tencent_gpu": ("/cgi/api", _tencent_routes),
    "techcrunch_funding": ("/category/venture/feed/", _techcrunch_funding_routes),
    "crunchbase_funding": ("/sections/venture/feed/", _crunchbase_funding_routes),
    "googlenews_funding": ("/rss/search", _googlenews_funding_routes),
    "kr36_funding": ("/api/mis/nav/newsflash/flow", _kr36_funding_routes),
    "pedaily_funding": ("/vcpeevent/", _pedaily_funding_routes),
    "vastai_gpu": ("/api/v0/bundles/", _vastai_routes),
    "runpod_gpu": ("/graphql", _runpod_routes),
    "lambda_gpu": ("/service/gpu-cloud", _lambda_routes),
    "gpushare_gpu": ("/store", _gpushare_routes),
    "autodl_gpu": ("/api/v1/user/machine/list", _autodl_routes),
    "similarweb_traffic": ("/api/v1/data", _similarweb_routes),
    "similarweb_api_traffic": ("/v1/website", _similarweb_api_routes),
    "tranco_traffic": ("/api/ranks/domain", _tranco_routes),
    "tencent_quotes": (
        "/tencent",
        _quote_routes("tencent_quotes", "/tencent", {"/q=sh600519,sz000001": ("a_shares_gbk", {})}),
    ),
    "sina_quotes": (
        "/sina",
        _quote_routes("sina_quotes", "/sina", {"/list=sh600519,sz000001": ("a_shares_gbk", {})}),
    ),
    "eastmoney_quotes": (
        "/em/api/qt/stock/get",
        _quote_routes("eastmoney_quotes", "/em/api/qt/stock/get", {"": ("a_share_scaled", {"secid": "1.600519"})}),
    ),
    "eastmoney_klines": (
        "/emhis/api/qt/stock/kline/get",
        _quote_routes(
            "eastmoney_klines", "/emhis/api/qt/stock/kline/get", {"": ("day_trimmed", {"secid": "1.600519"})}
        ),
    ),
    "eastmoney_boards": ("/em/api/qt/clist/get", _eastmoney_boards_routes),
    "yahoo_quotes": (
        "/yahoo/v8/finance/chart",
        _quote_routes("yahoo_quotes", "/yahoo/v8/finance/chart", {"/0700.HK": ("hk_five_days", {})}),
    ),
}
#: source id -> spider arguments besides `endpoint`; "{server}" becomes the replay server's base URL
DEMO_ARGS: dict[str, dict[str, str]] = {
    "aliyun_gpu": {"cdn": "{server}/aliyun/ecs-price-info"},
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


def demo_config(server_url: str, database_url: str) -> str:
    """A configuration that points every demo source at the replay server."""
    lines = ["[database]", f'url = "{database_url}"', "", "[daemon]", 'log_level = "WARNING"', ""]
    for source_id, (path, _) in sorted(DEMO_SOURCES.items()):
        lines += [f"[sources.{source_id}]", 'every = "1h"', f'endpoint = "{server_url}{path}"']
        extra = {k: v.replace("{server}", server_url) for k, v in DEMO_ARGS.get(source_id, {}).items()}
        if extra:
            lines.append("args = { " + ", ".join(f'{k} = "{v}"' for k, v in extra.items()) + " }")
        lines.append("")
    return "\n".join(lines)


def run_demo(database_url: str | None, out: TextIO, fixtures: Path = FIXTURES) -> int:
    """Run the whole chain offline once; returns 0 when every source succeeded."""
    if not fixtures.is_dir():
        print(f"aipulse demo needs the recorded fixtures in {fixtures} (run it from a source checkout)", file=out)
        return 2
    routes = [route for _, (_, build) in sorted(DEMO_SOURCES.items()) for route in build(fixtures)]
    with tempfile.TemporaryDirectory(prefix="aipulse-demo-") as tmp, ReplayServer(routes) as server:
        url = database_url or f"sqlite:///{tmp}/demo.db"
        config_path = Path(tmp) / "aipulse.toml"
        config_path.write_text(demo_config(server.url, url), encoding="utf-8")
        config = load_config(config_path)
        engine = create_db_engine(config.database_url())
        upgrade(engine)
        print(f"replaying recorded responses on {server.url}; database {masked(config.database_url())}", file=out)
        runner = CrawlRunner(config, engine)
        sources = [source_id for source_id in sorted(DEMO_SOURCES) if source_id in spider_classes()]
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
