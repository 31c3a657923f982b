"""The five funding spiders through the real Scrapy engine against recorded responses on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from core.config import AppConfig, load_config
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, fixture_routes
from spiders.items import FundingRound
from storage.db import session_factory
from storage.models import FundingMention
from storage.models import FundingRound as FundingRoundRow
from tests.crawl_support import FAST_SETTINGS, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

RSS = "application/rss+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]

#: source id -> the endpoint path the spider's config points at
ENDPOINT_PATHS = {
    "techcrunch_funding": "/category/venture/feed/",
    "crunchbase_funding": "/sections/venture/feed/",
    "googlenews_funding": "/rss/search",
    "kr36_funding": "/api/mis/nav/newsflash/flow",
    "pedaily_funding": "/vcpeevent/",
}


#: source id -> the recorded cases one crawl of it is replayed from (routes from each case's meta.json)
CRAWL_CASES = {
    "techcrunch_funding": ["venture_feed_funding", "ai_feed_duplicates_and_undated"],
    "crunchbase_funding": ["venture_feed_roundup"],
    "googlenews_funding": ["ai_funding_query"],
    "kr36_funding": ["gateway_funding_items", "article_feed_funding"],
    "pedaily_funding": ["vcpeevent_list"],
}


def fixture(source: str, case: str) -> Reply:
    """A recorded response of one of the funding fixtures, with its recorded content type."""
    return case_reply(source, case)


def funding_routes(source: str) -> list[Route]:
    """The routes that replay a source's recorded answers."""
    return fixture_routes({source: CRAWL_CASES[source]})


def funding_config(directory: Path, database_url: str, server_url: str, source: str, **options: Any) -> AppConfig:
    """A loaded config with one funding source pointed at the replay server."""
    section = {"every": "1h", "endpoint": server_url + ENDPOINT_PATHS[source], **options}
    return load_config(write_config(directory, database_url, {source: section}))


def count_rounds(engine: Engine) -> tuple[int, int]:
    """(funding_rounds rows, funding_mentions rows)."""
    with session_factory(engine)() as session:
        rounds = session.scalar(select(func.count()).select_from(FundingRoundRow)) or 0
        mentions = session.scalar(select(func.count()).select_from(FundingMention)) or 0
    return int(rounds), int(mentions)


def crawl(tmp_path: Path, url: str, source: str, routes: list[Route], **options: Any) -> tuple[Any, ReplayServer]:
    engine = migrated(url)
    with ReplayServer(routes) as server:
        result = CrawlRunner(funding_config(tmp_path, url, server.url, source, **options), engine).run(source)
    return result, server


@pytest.mark.parametrize(
    ("source", "stored", "mentions"),
    [
        ("techcrunch_funding", 3, 3),
        ("crunchbase_funding", 6, 6),
        ("googlenews_funding", 3, 3),
        ("kr36_funding", 4, 4),
        ("pedaily_funding", 3, 3),
    ],
)
def test_a_crawl_stores_the_rounds_of_its_recorded_feeds(
    tmp_path: Path, sqlite_url: str, source: str, stored: int, mentions: int
) -> None:
    result, server = crawl(tmp_path, sqlite_url, source, funding_routes(source))
    assert (result.status, result.error, result.items_stored) == ("succeeded", None, stored)
    assert count_rounds(migrated(sqlite_url)) == (stored, mentions)
    assert all(request.path in {r.path for r in funding_routes(source)} for request in server.requests)


def test_skipped_feed_items_are_recorded_as_run_notes(tmp_path: Path, sqlite_url: str) -> None:
    result, _ = crawl(tmp_path, sqlite_url, "techcrunch_funding", funding_routes("techcrunch_funding"))
    [run] = runs(migrated(sqlite_url))
    notes = (run.details or {}).get("notes", [])
    assert result.status == "succeeded"
    assert any("no publication date" in note for note in notes)
    assert any("duplicate guid" in note for note in notes)


def test_running_the_same_crawl_twice_adds_no_round_and_no_mention(tmp_path: Path, db_url: str) -> None:
    engine = migrated(db_url)
    with ReplayServer(funding_routes("kr36_funding")) as server:
        runner = CrawlRunner(funding_config(tmp_path, db_url, server.url, "kr36_funding"), engine)
        first, second = runner.run("kr36_funding"), runner.run("kr36_funding")
    assert (first.status, first.items_stored) == ("succeeded", 4)
    assert (second.status, second.items_stored, second.items_unchanged) == ("succeeded", 0, 4)
    assert count_rounds(engine) == (4, 4)


def test_the_36kr_gateway_is_posted_the_documented_page_one_body(tmp_path: Path, sqlite_url: str) -> None:
    clock = "2026-06-01T04:10:00+00:00"
    result, server = crawl(tmp_path, sqlite_url, "kr36_funding", funding_routes("kr36_funding"), args={"clock": clock})
    assert result.status == "succeeded"
    [post] = [r for r in server.requests if r.method == "POST"]
    body = json.loads(post.body)
    assert body["timestamp"] == int(datetime.fromisoformat(clock).timestamp() * 1000)
    assert body["param"] == {"siteId": 1, "platformId": 2, "pageSize": 20, "pageEvent": 0, "type": 0}
    assert post.headers.get("Content-Type") == "application/json"
    assert post.headers.get("Referer") == "https://36kr.com/"
    assert [r.path for r in server.requests if r.method == "GET"] == ["/feed"]


def test_google_news_queries_come_from_the_config_with_their_edition(tmp_path: Path, sqlite_url: str) -> None:
    queries = ["AI startup raises when:1d", "AI 融资 when:1d"]
    result, server = crawl(
        tmp_path, sqlite_url, "googlenews_funding", funding_routes("googlenews_funding"), args={"queries": queries}
    )
    assert (result.status, result.items_stored) == ("succeeded", 3)
    assert sorted((r.query["q"], r.query["hl"]) for r in server.requests) == [
        ("AI startup raises when:1d", "en-US"),
        ("AI 融资 when:1d", "zh-CN"),
    ]


def test_scrapy_crawl_with_endpoint_writes_design_field_names_without_a_database(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ReplayServer(funding_routes("crunchbase_funding")) as server:
        done = scrapy_crawl(
            [
                "crawl",
                "crunchbase_funding",
                "-a",
                f"endpoint={server.url}/sections/venture/feed/",
                "-O",
                str(out),
                *FAST_ARGS,
            ],
            tmp_path,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    assert all(set(row) == {f.name for f in fields(FundingRound)} for row in rows)
    assert [(r["company"], r["round"], r["amount_min"]) for r in rows][:2] == [
        ("Nscale", "C", "2000000000"),
        ("Advanced Machine Intelligence", "Seed", "1030000000"),
    ]


def test_scrapy_list_names_the_funding_spiders(tmp_path: Path) -> None:
    done = scrapy_crawl(["list"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(ENDPOINT_PATHS) <= set(done.stdout.split())
    assert "funding_common" not in done.stdout


def _one_bad_run(tmp_path: Path, sqlite_url: str, source: str, routes: list[Route], **options: Any) -> tuple[str, str]:
    result, _ = crawl(tmp_path, sqlite_url, source, routes, **options)
    engine = migrated(sqlite_url)
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    assert count_rounds(engine) == (0, 0), "a failed run must store nothing"
    return result.status, result.error or ""


VENTURE = "/category/venture/feed/"
AI_FEED = "/category/artificial-intelligence/feed/"


@pytest.mark.parametrize(
    ("case", "source", "routes", "status", "reason"),
    [
        ("malformed_xml", "techcrunch_funding",
         [Route(VENTURE, [fixture("techcrunch_funding", "malformed_xml")]), Route(AI_FEED, [Reply(b"", status=404)])],
         "failed", "malformed feed XML"),
        ("second_feed_down", "techcrunch_funding",
         [Route(VENTURE, [fixture("techcrunch_funding", "venture_feed_funding")]),
          Route(AI_FEED, [Reply(b"x", status=503)])],
         "failed", "HTTP 503"),
        ("feed_without_items", "crunchbase_funding",
         [Route("/sections/venture/feed/", [Reply(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
                                                 b"</channel></rss>", content_type=RSS)])],
         "failed", "no item in"),
        ("html_instead_of_feed", "crunchbase_funding",
         [Route("/sections/venture/feed/", [Reply(b"<html><body>Maintenance</body></html>", content_type=HTML)])],
         "failed", "HTML page instead of a feed"),
        ("captcha_feed", "kr36_funding",
         [Route("/api/mis/nav/newsflash/flow", [fixture("kr36_funding", "gateway_funding_items")],
                method="POST"),
          Route("/feed", [fixture("kr36_funding", "captcha_page")])],
         "blocked", "captcha"),
        ("gateway_forbidden", "kr36_funding",
         [Route("/api/mis/nav/newsflash/flow", [Reply(b"denied", status=403)], method="POST"),
          Route("/feed", [fixture("kr36_funding", "article_feed_funding")])],
         "blocked", "HTTP 403"),
        ("gateway_error_code", "kr36_funding",
         [Route("/api/mis/nav/newsflash/flow", [fixture("kr36_funding", "gateway_error_code")],
                method="POST"),
          Route("/feed", [fixture("kr36_funding", "article_feed_funding")])],
         "failed", "code 1"),
        ("layout_changed", "pedaily_funding",
         [Route("/vcpeevent/", [fixture("pedaily_funding", "layout_changed")])], "failed", "newslist-all"),
        ("verification_page", "pedaily_funding",
         [Route("/vcpeevent/", [fixture("pedaily_funding", "captcha_page")])], "blocked", "captcha page"),
        ("server_error", "googlenews_funding", [Route("/rss/search", [Reply(b"oops", status=500)])],
         "failed", "HTTP 500"),
    ],
    ids=lambda value: value if isinstance(value, str) and "_" in value else None,
)  # fmt: skip
def test_bad_answer_is_a_failed_or_blocked_run_with_its_reason_and_nothing_stored(
    tmp_path: Path, sqlite_url: str, case: str, source: str, routes: list[Route], status: str, reason: str
) -> None:
    got_status, error = _one_bad_run(tmp_path, sqlite_url, source, routes)
    assert got_status == status, error
    assert reason in error


def test_a_google_search_with_no_result_is_a_note_not_a_failure(tmp_path: Path, sqlite_url: str) -> None:
    empty = Reply(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>', content_type=RSS
    )
    result, _ = crawl(tmp_path, sqlite_url, "googlenews_funding", [Route("/rss/search", [empty])])
    [run] = runs(migrated(sqlite_url))
    assert (result.status, result.items_stored) == ("succeeded", 0)
    assert any("no item in" in note for note in (run.details or {}).get("notes", []))


def test_extra_feeds_follow_an_overridden_endpoint_and_can_be_replaced(tmp_path: Path, sqlite_url: str) -> None:
    routes = [
        *funding_routes("techcrunch_funding"),
        Route("/other/feed/", [fixture("techcrunch_funding", "venture_feed_funding")]),
    ]
    result, server = crawl(tmp_path, sqlite_url, "techcrunch_funding", routes, args={"feeds": "/other/feed/"})
    assert result.status == "succeeded"
    assert sorted(r.path for r in server.requests) == ["/category/venture/feed/", "/other/feed/"]


def test_stored_rounds_keep_their_ranges_and_investors(tmp_path: Path, sqlite_url: str) -> None:
    crawl(tmp_path, sqlite_url, "pedaily_funding", funding_routes("pedaily_funding"))
    with session_factory(migrated(sqlite_url))() as session:
        row = session.scalars(select(FundingRoundRow).where(FundingRoundRow.company == "耀速科技")).one()
        assert (row.round, row.amount_min, row.amount_max, row.currency, row.lead_investors) == (
            "Angel+",
            100000000,
            1000000000,
            "CNY",
            ["鼎泰集团"],
        )
        assert row.published_at == datetime(2026, 5, 28, 1, 12, tzinfo=UTC)
