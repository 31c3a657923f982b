"""The daemon uses the primary quote source and asks its `fallback` for what it could not deliver."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import ConfigError, load_config
from monitor.crawling import CrawlRunner, spider_classes
from monitor.replay import ReplayServer, Reply, Route
from storage.db import session_factory
from storage.models import Quote
from tests.crawl_support import FIXTURES, migrated, runs, write_config

pytestmark = pytest.mark.slow
GBK = "text/plain; charset=GBK"


def _reply(source: str, case: str) -> Reply:
    [path] = (FIXTURES / source / case).glob("response.*")
    return Reply.file(path, content_type=GBK)


def _sections(server_url: str, symbols: str) -> dict[str, dict[str, object]]:
    return {
        "tencent_quotes": {
            "every": "5m",
            "endpoint": server_url + "/tencent",
            "args": {"symbols": symbols},
            "fallback": "sina_quotes",
        },
        "sina_quotes": {"enabled": False, "endpoint": server_url + "/sina"},
    }


def test_a_failed_primary_run_asks_the_fallback_for_every_symbol(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    routes = [
        Route("/tencent/q=sh600519,sz000001", [Reply(b"busy", status=503)]),
        Route("/sina/list=sh600519,sz000001", [_reply("sina_quotes", "a_shares_gbk")]),
    ]
    with ReplayServer(routes) as server:
        config = load_config(write_config(tmp_path, sqlite_url, _sections(server.url, "600519.SH,000001.SZ")))
        result = CrawlRunner(config, engine).run("tencent_quotes", "schedule")
    assert result.status == "failed"
    primary, fallback = runs(engine)
    assert (primary.source, fallback.source, fallback.trigger, fallback.status) == (
        "tencent_quotes",
        "sina_quotes",
        "fallback",
        "succeeded",
    )
    with session_factory(engine)() as session:
        stored = {(q.source, q.symbol) for q in session.scalars(select(Quote))}
    assert stored == {("sina_quotes", "600519.SH"), ("sina_quotes", "000001.SZ")}


def test_only_the_symbols_the_primary_did_not_know_go_to_the_fallback(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    routes = [
        Route("/tencent/q=sh600519,sz999999", [_reply("tencent_quotes", "one_unknown_in_batch")]),
        Route("/sina/list=sz999999", [Reply(b'var hq_str_sz999999="";\n', content_type=GBK)]),
    ]
    with ReplayServer(routes) as server:
        config = load_config(write_config(tmp_path, sqlite_url, _sections(server.url, "600519.SH,999999.SZ")))
        CrawlRunner(config, engine).run("tencent_quotes", "schedule")
        asked = [r.path for r in server.requests]
    assert asked == ["/tencent/q=sh600519,sz999999", "/sina/list=sz999999"]
    assert [r.source for r in runs(engine)] == ["tencent_quotes", "sina_quotes"]


def test_a_fallback_must_name_another_known_source(tmp_path: Path, sqlite_url: str) -> None:
    from core.config import check_sources

    path = write_config(tmp_path, sqlite_url, {"tencent_quotes": {"every": "5m", "fallback": "tencent_quotes"}})
    with pytest.raises(ConfigError, match=r"sources\.tencent_quotes\.fallback"):
        check_sources(load_config(path), spider_classes())
