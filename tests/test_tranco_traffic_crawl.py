"""tranco_traffic through the real Scrapy engine against recorded answers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from sqlalchemy import func, select

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, case_route
from storage.db import session_factory
from storage.models import TrafficSnapshot
from tests.crawl_support import migrated, runs, write_config

pytestmark = pytest.mark.slow

SOURCE = "tranco_traffic"
PATH = "/api/ranks/domain"


def recorded(case: str) -> Reply:
    return case_reply(SOURCE, case)


def crawl(tmp_path: Path, db: str, routes: list[Route], domains: str, **options: Any) -> tuple[CrawlResult, Any]:
    engine = migrated(db)
    with ReplayServer(routes) as server:
        section = {"every": "1d", "endpoint": server.url + PATH, "args": {"domains": domains}, **options}
        result = CrawlRunner(load_config(write_config(tmp_path, db, {SOURCE: section})), engine).run(SOURCE)
    return result, server


def count(db: str) -> int:
    with session_factory(migrated(db))() as session:
        return int(session.scalar(select(func.count()).select_from(TrafficSnapshot)) or 0)


def test_daily_ranks_are_stored_and_an_unranked_subdomain_stores_nothing(tmp_path: Path, sqlite_url: str) -> None:
    routes = [
        case_route(SOURCE, "chatgpt_com_38_days"),
        case_route(SOURCE, "gemini_google_com_not_ranked"),
    ]
    result, server = crawl(tmp_path, sqlite_url, routes, "chatgpt.com,https://gemini.google.com/app")
    assert (result.status, result.items_stored) == ("succeeded", 38)
    assert sorted(r.path for r in server.requests) == [f"{PATH}/chatgpt.com", f"{PATH}/gemini.google.com"]
    [run] = runs(migrated(sqlite_url))
    assert run.details["notes"] == [
        "gemini.google.com: not ranked by Tranco (subdomain or unknown host); nothing stored"
    ]


def test_the_same_ranks_fetched_again_are_unchanged(tmp_path: Path, sqlite_url: str) -> None:
    routes = [case_route(SOURCE, "chatgpt_com_38_days")]
    crawl(tmp_path, sqlite_url, routes, "chatgpt.com")
    second, _ = crawl(tmp_path, sqlite_url, routes, "chatgpt.com")
    assert (second.status, second.items_stored, second.items_unchanged) == ("succeeded", 0, 38)
    assert count(sqlite_url) == 38


def test_requests_are_paced_at_most_one_a_second_by_default() -> None:
    from spiders.sources.tranco_traffic import TrancoTrafficSpider

    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    TrancoTrafficSpider.update_settings(settings)
    assert settings.getint("CONCURRENT_REQUESTS") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") > 1.0
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    assert settings.getpriority("DOWNLOAD_DELAY_JITTER") > settings.getpriority("RANDOMIZE_DOWNLOAD_DELAY")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(b"<html><body>429 Too Many Requests</body></html>", status=429, content_type="text/html",
               headers={"Retry-After": "0"}), "HTTP 429"),
        (Reply(b""), "empty body"),
        (Reply(b"<html><body>maintenance</body></html>", content_type="text/html"), "HTML instead of JSON"),
        (Reply(b'{"available": false}', status=404), "HTTP 404"),
        (Reply(b'{"ranks": [{"date": "2026-10-07"'), "malformed JSON"),
    ],
)  # fmt: skip
def test_bad_answer_is_a_failed_run_with_its_reason_and_nothing_stored(
    tmp_path: Path, sqlite_url: str, reply: Reply, reason: str
) -> None:
    result, _ = crawl(tmp_path, sqlite_url, [Route(f"{PATH}/chatgpt.com", [reply])], "chatgpt.com")
    assert result.status == "failed"
    assert reason in (result.error or "")
    assert count(sqlite_url) == 0


def test_one_failing_domain_keeps_the_ranks_of_the_others(tmp_path: Path, sqlite_url: str) -> None:
    routes = [
        case_route(SOURCE, "chatgpt_com_38_days"),
        Route(f"{PATH}/kimi.com", [Reply(b"oops", status=500)]),
    ]
    result, _ = crawl(tmp_path, sqlite_url, routes, "kimi.com,chatgpt.com")
    assert result.status == "failed"
    assert "HTTP 500" in (result.error or "")
    assert count(sqlite_url) == 38
