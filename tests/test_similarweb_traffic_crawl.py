"""similarweb_traffic through the real Scrapy engine against recorded answers on 127.0.0.1."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from sqlalchemy import select

from core.config import load_config
from core.config.traffic import DEFAULT_APPS
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from spiders.items import TrafficSnapshot
from storage.db import session_factory
from storage.models import TrafficSnapshot as StoredSnapshot
from tests.crawl_support import FAST_SETTINGS, FIXTURES, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

SOURCE = "similarweb_traffic"
PATH = "/api/v1/data"
CASES = FIXTURES / SOURCE
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
CLOUDFRONT_HEADERS = {"Server": "CloudFront", "X-Cache": "Error from cloudfront", "X-Amz-Cf-Id": "SYNTHETIC=="}


def recorded(case: str) -> Reply:
    """The recorded answer of one fixture case."""
    return case_reply(SOURCE, case)


def cloudfront_block() -> Reply:
    """CloudFront's 403 block page with its headers (synthetic, see the fixture's meta.json)."""
    return Reply.file(
        CASES / "cloudfront_block_page" / "response.html", status=403, content_type="text/html",
        headers=CLOUDFRONT_HEADERS,
    )  # fmt: skip


def route(domain: str, *replies: Reply) -> Route:
    return Route(PATH, list(replies), {"domain": domain})


def crawl(tmp_path: Path, db: str, routes: list[Route], domains: str | None, **options: Any) -> tuple[CrawlResult, Any]:
    """One run of the spider against `routes`; returns its result and the replay server (for its requests)."""
    engine = migrated(db)
    with ReplayServer(routes) as server:
        section: dict[str, Any] = {"every": "1d", "endpoint": server.url + PATH, **options}
        if domains is not None:
            section["args"] = {"domains": domains, **section.get("args", {})}
        config = load_config(write_config(tmp_path, db, {SOURCE: section}))
        result = CrawlRunner(config, engine).run(SOURCE)
    return result, server


def stored(db: str) -> list[tuple[str, str, int, int | None, bool]]:
    """(domain, period, revision, visits, has duration) of every stored snapshot, in order."""
    with session_factory(migrated(db))() as session:
        rows = session.scalars(select(StoredSnapshot).order_by(StoredSnapshot.domain, StoredSnapshot.period_start))
        return [
            (r.domain, r.period_start.isoformat(), r.revision, r.visits, r.avg_visit_duration_s is not None)
            for r in rows
        ]


def test_each_domain_is_asked_once_in_order_and_every_history_month_is_stored(tmp_path: Path, sqlite_url: str) -> None:
    routes = [route("google.com", recorded("google_com_2024_09")), route("wrtn.ai", recorded("wrtn_ai_2024_09"))]
    result, server = crawl(tmp_path, sqlite_url, routes, "https://www.google.com/search,wrtn.ai")
    assert (result.status, result.items_stored, result.error) == ("succeeded", 6, None)
    assert [r.query for r in server.requests] == [{"domain": "google.com"}, {"domain": "wrtn.ai"}]
    assert stored(sqlite_url) == [
        ("google.com", "2024-07-01", 1, 84318641141, False),
        ("google.com", "2024-08-01", 1, 83516004062, False),
        ("google.com", "2024-09-01", 1, 81953796787, True),
        ("wrtn.ai", "2024-07-01", 1, 2921594, False),
        ("wrtn.ai", "2024-08-01", 1, 2511112, False),
        ("wrtn.ai", "2024-09-01", 1, 3254665, True),
    ]


def test_requests_carry_the_extension_profile_and_no_origin_cookie_or_referer(tmp_path: Path, sqlite_url: str) -> None:
    routes = [route("google.com", recorded("google_com_2024_09")), route("wrtn.ai", recorded("wrtn_ai_2024_09"))]
    result, server = crawl(tmp_path, sqlite_url, routes, "google.com,wrtn.ai")
    assert result.status == "succeeded"
    for seen in server.requests:
        headers = {k.lower(): v for k, v in seen.headers.items()}
        assert headers["x-extension-version"] == "6.12.21"
        assert headers["user-agent"].startswith("Mozilla/5.0 (Macintosh") and "Chrome/" in headers["user-agent"]
        assert headers["accept"] == "*/*"
        assert not {"origin", "cookie", "referer"} & set(headers)


def test_header_profile_and_extension_version_come_from_config(tmp_path: Path, sqlite_url: str) -> None:
    routes = [route("wrtn.ai", recorded("wrtn_ai_2024_09"))]
    options = {"args": {"profile": "website"}, "settings": {"SIMILARWEB_EXTENSION_VERSION": "9.9.9"}}
    result, server = crawl(tmp_path, sqlite_url, routes, "wrtn.ai", **options)
    assert result.status == "succeeded"
    headers = {k.lower(): v for k, v in server.requests[0].headers.items()}
    assert (headers["origin"], headers["referer"]) == ("https://www.similarweb.com", "https://www.similarweb.com/")
    assert "x-extension-version" not in headers
    result, server = crawl(tmp_path, sqlite_url, routes, "wrtn.ai", settings={"SIMILARWEB_EXTENSION_VERSION": "9.9.9"})
    assert {k.lower(): v for k, v in server.requests[0].headers.items()}["x-extension-version"] == "9.9.9"


def test_politeness_defaults_are_one_request_at_a_time_30_s_apart() -> None:
    from spiders.sources.similarweb_traffic import SimilarwebTrafficSpider

    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    SimilarwebTrafficSpider.update_settings(settings)
    assert (settings.getint("CONCURRENT_REQUESTS"), settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")) == (1, 1)
    assert settings.getfloat("DOWNLOAD_DELAY") >= 30
    # no jitter: the project's ±50 % would go down to 15 s; the spider's setting outranks the project's
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    assert settings.getpriority("DOWNLOAD_DELAY_JITTER") > settings.getpriority("RANDOMIZE_DOWNLOAD_DELAY")
    assert (settings.getint("RETRY_TIMES"), settings.getbool("COOKIES_ENABLED")) == (1, False)
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert SimilarwebTrafficSpider.atomic is False


def test_cloudfront_403_stops_the_batch_marks_it_blocked_and_keeps_earlier_domains(
    tmp_path: Path, sqlite_url: str
) -> None:
    routes = [
        route("google.com", recorded("google_com_2024_09")),
        route("chatgpt.com", cloudfront_block()),
        route("wrtn.ai", recorded("wrtn_ai_2024_09")),
    ]
    result, server = crawl(tmp_path, sqlite_url, routes, "google.com,chatgpt.com,wrtn.ai")
    assert result.status == "blocked"
    assert result.error is not None
    # the replay server adds its own Server header in front of the recorded one
    assert re.search(r"CloudFront block \(HTTP 403, server: [^)]*CloudFront\) on chatgpt\.com", result.error)
    assert "1 domain(s) not fetched: wrtn.ai" in result.error
    assert [r.query["domain"] for r in server.requests] == ["google.com", "chatgpt.com"], "no retry, no next domain"
    assert [row[0] for row in stored(sqlite_url)] == ["google.com"] * 3
    assert result.items_stored == 3


def test_block_on_the_first_domain_stores_nothing_and_is_reported_once(tmp_path: Path, sqlite_url: str) -> None:
    routes = [route(app.domain, cloudfront_block()) for app in DEFAULT_APPS]
    result, server = crawl(tmp_path, sqlite_url, routes, None)
    assert result.status == "blocked"
    assert len(server.requests) == 1
    assert result.error is not None and result.error.count("CloudFront block") == 1
    assert "12 domain(s) not fetched" in result.error
    assert stored(sqlite_url) == []


def test_plain_403_is_retried_once(tmp_path: Path, sqlite_url: str) -> None:
    forbidden = Reply(b"Forbidden", status=403, content_type="text/plain")
    result, server = crawl(tmp_path, sqlite_url, [route("wrtn.ai", forbidden, recorded("wrtn_ai_2024_09"))], "wrtn.ai")
    assert (result.status, result.items_stored, len(server.requests)) == ("succeeded", 3, 2)


def test_plain_403_twice_blocks_the_batch(tmp_path: Path, sqlite_url: str) -> None:
    forbidden = Reply(b"Forbidden", status=403, content_type="text/plain")
    routes = [route("wrtn.ai", forbidden), route("google.com", recorded("google_com_2024_09"))]
    result, server = crawl(tmp_path, sqlite_url, routes, "wrtn.ai,google.com")
    assert result.status == "blocked"
    assert "HTTP 403 twice on wrtn.ai" in (result.error or "")
    assert [r.query["domain"] for r in server.requests] == ["wrtn.ai", "wrtn.ai"]
    assert stored(sqlite_url) == []


def test_429_is_backed_off_retried_once_then_blocks_the_batch(tmp_path: Path, sqlite_url: str) -> None:
    throttled = Reply(b"<html><body>Too Many Requests</body></html>", status=429, content_type="text/html",
                      headers={"Retry-After": "0"})  # fmt: skip
    routes = [route("wrtn.ai", throttled), route("google.com", recorded("google_com_2024_09"))]
    result, server = crawl(tmp_path, sqlite_url, routes, "wrtn.ai,google.com")
    assert result.status == "blocked"
    assert result.error == (
        "rate-limited (HTTP 429, also after the retry) on wrtn.ai; batch stopped, 1 domain(s) not fetched: google.com"
    )
    assert [r.query["domain"] for r in server.requests] == ["wrtn.ai", "wrtn.ai"]
    assert stored(sqlite_url) == []


def test_429_then_success_is_retried_and_stored(tmp_path: Path, sqlite_url: str) -> None:
    throttled = Reply(b"slow down", status=429, headers={"Retry-After": "0"})
    result, server = crawl(tmp_path, sqlite_url, [route("wrtn.ai", throttled, recorded("wrtn_ai_2024_09"))], "wrtn.ai")
    assert (result.status, result.items_stored, len(server.requests)) == ("succeeded", 3, 2)


def test_unknown_domain_stores_nothing_and_says_so(tmp_path: Path, sqlite_url: str) -> None:
    routes = [route("unknown-ai-app.example", recorded("unknown_domain_no_data"))]
    result, _ = crawl(tmp_path, sqlite_url, routes, "unknown-ai-app.example")
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 0, 0)
    [run] = runs(migrated(sqlite_url))
    assert any("unknown-ai-app.example: SimilarWeb has no data" in note for note in run.details["notes"])
    assert stored(sqlite_url) == []


def test_unknown_domain_among_known_ones_is_skipped_not_a_failure(tmp_path: Path, sqlite_url: str) -> None:
    routes = [
        route("unknown-ai-app.example", recorded("unknown_domain_zero_values")),
        route("wrtn.ai", recorded("wrtn_ai_2024_09")),
    ]
    result, _ = crawl(tmp_path, sqlite_url, routes, "unknown-ai-app.example,wrtn.ai")
    assert (result.status, result.items_stored) == ("succeeded", 3)


def test_every_domain_without_data_is_a_failed_run(tmp_path: Path, sqlite_url: str) -> None:
    # No route answers: the replay server's 404 for each of the 13 default apps.
    result, server = crawl(tmp_path, sqlite_url, [], None)
    assert [r.query["domain"] for r in server.requests] == [app.domain for app in DEFAULT_APPS]
    assert (result.status, result.error) == ("failed", "none of the 13 domains returned data (endpoint changed?)")


def test_zero_month_in_the_history_is_missing_not_stored_as_zero(tmp_path: Path, sqlite_url: str) -> None:
    result, _ = crawl(tmp_path, sqlite_url, [route("wrtn.ai", recorded("zero_month_in_history"))], "wrtn.ai")
    assert result.status == "succeeded"
    assert stored(sqlite_url) == [
        ("wrtn.ai", "2024-07-01", 1, 2921594, False),
        ("wrtn.ai", "2024-09-01", 1, 3254665, True),
    ]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(b""), "empty body"),
        (Reply(b"<html><body>Service Unavailable</body></html>", content_type="text/html"), "HTML instead of JSON"),
        (Reply(b'{"SiteName": "wrtn.ai", "Engagments": {"Vis'), "malformed JSON"),
        (Reply(b'{"SiteName": "openai.com", "Engagments": {"Visits": "5"}}'), "not the requested domain"),
        (Reply(b"oops", status=503), "HTTP 503"),
    ],
)  # fmt: skip
def test_bad_answer_is_a_failed_run_with_its_reason_and_nothing_stored(
    tmp_path: Path, sqlite_url: str, reply: Reply, reason: str
) -> None:
    result, _ = crawl(tmp_path, sqlite_url, [route("wrtn.ai", reply)], "wrtn.ai")
    assert result.status == "failed"
    assert reason in (result.error or "")
    assert stored(sqlite_url) == []


def test_block_page_with_http_200_is_blocked(tmp_path: Path, sqlite_url: str) -> None:
    page = Reply.file(CASES / "cloudfront_block_page" / "response.html", content_type="text/html")
    routes = [route("wrtn.ai", page), route("google.com", recorded("google_com_2024_09"))]
    result, server = crawl(tmp_path, sqlite_url, routes, "wrtn.ai,google.com")
    assert result.status == "blocked"
    assert "CloudFront block page" in (result.error or "")
    assert len(server.requests) == 1


def test_a_bad_domain_argument_fails_the_run_before_any_request(tmp_path: Path, sqlite_url: str) -> None:
    result, server = crawl(tmp_path, sqlite_url, [], "chatgpt.com,not a domain")
    assert result.status == "failed"
    assert "'not a domain' is not a domain name" in (result.error or "")
    assert server.requests == []


def test_scrapy_crawl_with_endpoint_and_domains_exports_design_field_names(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    routes = [route("wrtn.ai", recorded("wrtn_ai_2024_09")), route("google.com", recorded("google_com_2024_09"))]
    with ReplayServer(routes) as server:
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={server.url}{PATH}", "-a", "domains=wrtn.ai,google.com",
             "-O", str(out), *FAST_ARGS],
            tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    assert all(set(row) == {f.name for f in fields(TrafficSnapshot)} for row in rows)
    current = next(r for r in rows if r["domain"] == "wrtn.ai" and r["period_start"] == "2024-09-01")
    assert (current["granularity"], current["visits"]) == ("month", 3254665)
    assert current["avg_visit_duration_s"] == "324.233034230767"
