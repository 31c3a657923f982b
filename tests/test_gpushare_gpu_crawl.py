"""gpushare_gpu in real Chromium: a local store page whose JavaScript loads the recorded machine list."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from spiders.sources.gpushare_gpu import GpushareGpuSpider
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import FIXTURES, count_offers, migrated, runs, write_config

SOURCE = "gpushare_gpu"
STORE = "/store"
API = "/app/api/market/machine/list"
HTML = "text/html; charset=utf-8"


def store_page() -> Reply:
    """The constructed store page: an empty shell whose script fetches the machine list, like the real one."""
    return Reply.file(FIXTURES / SOURCE / "store_page.html", content_type=HTML)


def gpushare_routes(api_reply: Reply | None = None, page: Reply | None = None) -> list[Route]:
    """The store page and the machine-list answer its JavaScript asks for."""
    api = api_reply or case_reply(SOURCE, "store_machine_list")
    return [Route(STORE, [page or store_page()]), Route(API, [api])]


def _crawl(tmp_path: Path, db_url: str, routes: list[Route], **section: Any) -> tuple[CrawlResult, list[str]]:
    engine = migrated(db_url)
    with ReplayServer(routes) as server:
        options = {"every": "1d", "endpoint": server.url + STORE, **section}
        config = load_config(write_config(tmp_path, db_url, {SOURCE: options}))
        result = CrawlRunner(config, engine).run(SOURCE)
        paths = [r.path for r in server.requests]
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result, paths


def test_the_spider_opts_into_the_browser() -> None:
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    GpushareGpuSpider.update_settings(settings)
    assert settings.getdict("DOWNLOAD_HANDLERS")["https"].startswith("scrapy_playwright")
    assert GpushareGpuSpider.needs_browser


@pytest.mark.browser
@pytest.mark.slow
def test_the_machine_list_the_page_loads_is_stored_with_sold_out_types(tmp_path: Path, sqlite_url: str) -> None:
    result, paths = _crawl(tmp_path, sqlite_url, gpushare_routes())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 3, 0), result.error
    assert paths == [STORE, API], "the page's own JavaScript made the machine-list call"
    with session_factory(migrated(sqlite_url))() as session:
        rows = {o.gpu_model: o for o in latest(session, "gpu", source=SOURCE)}
    assert (rows["A800-80G"].available, rows["A800-80G"].price) == (False, Decimal("9.5"))
    assert (rows["A100-80G"].available, rows["A100-80G"].price, rows["A100-80G"].currency) == (
        True,
        Decimal("8.5"),
        "CNY",
    )


NO_CALL_PAGE = Reply(b"<!doctype html><html><body><div id='app'>store</div></body></html>", content_type=HTML)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(
    ("routes", "status", "reason"),
    [
        (gpushare_routes(Reply(b'{"code": 401, "msg": "unauthorized"}', status=401)), "blocked", "HTTP 401"),
        (gpushare_routes(case_reply(SOURCE, "login_required")), "blocked", "login"),
        (gpushare_routes(Reply(b'{"data": {"list": [')), "failed", "malformed JSON"),
        (gpushare_routes(Reply(b'{"data": {"list": [], "total": 0}}')), "failed", "no priced GPU type"),
        (gpushare_routes(page=NO_CALL_PAGE), "failed", "made no /market/machine/list request within 2s"),
        (gpushare_routes(page=Reply(b"forbidden", status=403, content_type=HTML)), "blocked", "HTTP 403"),
    ],
    ids=["api_401", "login_body", "malformed", "empty", "no_xhr", "page_403"],
)
def test_bad_store_answers_are_failed_or_blocked_runs_that_store_nothing(
    tmp_path: Path, sqlite_url: str, routes: list[Route], status: str, reason: str
) -> None:
    result, _ = _crawl(tmp_path, sqlite_url, routes, args={"xhr_timeout_s": 2}, settings={"RETRY_TIMES": 0})
    assert result.status == status, result.error
    assert reason in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0
