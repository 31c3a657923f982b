"""similarweb_api_traffic through the real Scrapy engine against constructed API answers on 127.0.0.1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, case_route
from storage.db import session_factory
from storage.models import CrawlRun
from storage.models import TrafficSnapshot as StoredSnapshot
from tests.crawl_support import FAST_SETTINGS, migrated, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

SOURCE = "similarweb_api_traffic"
BASE = "/v1/website"
KEY = "sw-test-key-4f1c9a0e7b"
KEY_ENV = "AIPULSE_TEST_SIMILARWEB_KEY"
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def recorded(case: str) -> Reply:
    return case_reply(SOURCE, case)


def metric_route(domain: str, metric: str, *replies: Reply, **query: str) -> Route:
    path = f"{BASE}/{domain}/total-traffic-and-engagement/{metric}"
    return Route(path, list(replies), {"api_key": KEY, **query})


def chatgpt_weekly() -> list[Route]:
    return [
        case_route(SOURCE, "weekly_visits_chatgpt_com", query={"api_key": KEY, "granularity": "weekly"}),
        case_route(SOURCE, "weekly_duration_chatgpt_com", query={"api_key": KEY}),
    ]


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY


def crawl(tmp_path: Path, db: str, routes: list[Route], domains: str, **options: Any) -> tuple[CrawlResult, Any]:
    engine = migrated(db)
    with ReplayServer(routes) as server:
        section: dict[str, Any] = {
            "every": "7d",
            "endpoint": server.url + BASE,
            "secrets": {"api_key": f"${{{KEY_ENV}}}"},
        }
        section.update(options)
        section["args"] = {"domains": domains, **section.get("args", {})}
        config = load_config(write_config(tmp_path, db, {SOURCE: section}, daemon={"log_level": "DEBUG"}))
        result = CrawlRunner(config, engine).run(SOURCE)
    return result, server


def stored(db: str) -> list[StoredSnapshot]:
    with session_factory(migrated(db))() as session:
        return list(
            session.scalars(select(StoredSnapshot).order_by(StoredSnapshot.domain, StoredSnapshot.period_start))
        )


def all_run_text(db: str) -> str:
    with session_factory(migrated(db))() as session:
        return json.dumps([[r.error, r.details] for r in session.scalars(select(CrawlRun))], default=str)


def test_weekly_visits_and_durations_are_stored_as_one_snapshot_per_week(
    tmp_path: Path, sqlite_url: str, api_key: str
) -> None:
    result, server = crawl(tmp_path, sqlite_url, chatgpt_weekly(), "chatgpt.com")
    assert (result.status, result.items_stored, result.error) == ("succeeded", 4, None)
    assert [r.path.rsplit("/", 1)[-1] for r in server.requests] == ["visits", "average-visit-duration"]
    assert server.requests[0].query == {
        "country": "world",
        "granularity": "weekly",
        "main_domain_only": "false",
        "format": "json",
        "api_key": KEY,
    }  # fmt: skip — no start/end date: the last 28 days
    rows = stored(sqlite_url)
    assert [(r.period_start.isoformat(), r.granularity, r.visits, r.avg_visit_duration_s) for r in rows] == [
        ("2026-10-25", "week", 1312456789, Decimal("388.2351028831")),
        ("2026-11-01", "week", 1356098231, Decimal("401.7012365")),
        ("2026-11-08", "week", 1401187004, None),
        ("2026-11-15", "week", 1387220519, Decimal("395.4999")),
    ]


def test_the_key_never_reaches_stored_urls_run_records_or_logs(
    tmp_path: Path, sqlite_url: str, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    routes = [*chatgpt_weekly(), metric_route("kimi.com", "visits", Reply(b"broken", status=500))]
    result, _ = crawl(tmp_path, sqlite_url, routes, "chatgpt.com,kimi.com")
    assert result.status == "failed"
    assert "HTTP 500" in (result.error or "")
    assert all("api_key" not in r.url for r in stored(sqlite_url))
    assert KEY not in all_run_text(sqlite_url)
    assert "Crawled (200)" in caplog.text, "the crawl's DEBUG log was forwarded"
    assert KEY not in caplog.text


def test_scrapy_crawl_with_an_api_key_argument_logs_no_key(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ReplayServer(chatgpt_weekly()) as server:
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={server.url}{BASE}", "-a", "domains=chatgpt.com",
             "-a", f"api_key={KEY}", "-s", "LOG_LEVEL=DEBUG", "-O", str(out), *FAST_ARGS],
            tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Crawled (200)" in done.stderr
    assert KEY not in done.stderr and KEY not in done.stdout
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4 and KEY not in out.read_text(encoding="utf-8")


def test_without_a_key_the_run_fails_before_any_request(tmp_path: Path, sqlite_url: str) -> None:
    result, server = crawl(tmp_path, sqlite_url, chatgpt_weekly(), "chatgpt.com", secrets={})
    assert result.status == "failed"
    assert "no API key" in (result.error or "")
    assert server.requests == []


def test_an_unset_key_variable_fails_naming_it(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    result, server = crawl(tmp_path, sqlite_url, chatgpt_weekly(), "chatgpt.com")
    assert result.status == "failed"
    assert KEY_ENV in (result.error or "")
    assert server.requests == []


def test_a_refused_key_blocks_the_batch_with_the_api_message(tmp_path: Path, sqlite_url: str, api_key: str) -> None:
    refused = case_reply(SOURCE, "error_invalid_api_key", status=401)
    routes = [metric_route("chatgpt.com", "visits", refused), *chatgpt_weekly()[1:]]
    result, server = crawl(tmp_path, sqlite_url, routes, "chatgpt.com,kimi.com")
    assert result.status == "blocked"
    assert "User has no permission or invalid api key" in (result.error or "")
    assert len(server.requests) == 1, "kimi.com is not asked once the key is refused"
    assert stored(sqlite_url) == []


def test_a_plain_403_without_an_envelope_is_blocked(tmp_path: Path, sqlite_url: str, api_key: str) -> None:
    routes = [
        metric_route("chatgpt.com", "visits", Reply(b"<html>Forbidden</html>", status=403, content_type="text/html"))
    ]
    result, _ = crawl(tmp_path, sqlite_url, routes, "chatgpt.com")
    assert result.status == "blocked"
    assert "HTTP 403" in (result.error or "")


def test_a_domain_without_data_stores_nothing_and_the_next_domain_goes_on(
    tmp_path: Path, sqlite_url: str, api_key: str
) -> None:
    not_found = case_reply(SOURCE, "error_data_not_found", status=401)
    routes = [metric_route("unknown-ai-app.example", "visits", not_found), *chatgpt_weekly()]
    result, server = crawl(tmp_path, sqlite_url, routes, "unknown-ai-app.example,chatgpt.com")
    assert (result.status, result.items_stored) == ("succeeded", 4)
    assert {r.domain for r in stored(sqlite_url)} == {"chatgpt.com"}
    assert len(server.requests) == 3


def test_monthly_runs_ask_for_the_last_three_published_months(tmp_path: Path, sqlite_url: str, api_key: str) -> None:
    routes = [
        metric_route("kimi.com", "visits", recorded("monthly_visits_zero_month"), granularity="monthly"),
        metric_route("kimi.com", "average-visit-duration", Reply(json.dumps({
            "meta": {"request": {"granularity": "Monthly", "domain": "kimi.com"}, "status": "Success"},
            "average_visit_duration": [{"date": "2026-09-01", "average_visit_duration": 412.5}]}).encode())),
    ]  # fmt: skip
    args = {"granularity": "monthly", "clock": "2026-11-12T08:00:00+00:00"}
    result, server = crawl(tmp_path, sqlite_url, routes, "kimi.com", args=args)
    assert (result.status, result.items_stored) == ("succeeded", 2)
    assert (server.requests[0].query["start_date"], server.requests[0].query["end_date"]) == ("2026-08", "2026-10")
    rows = stored(sqlite_url)
    assert [(r.period_start.isoformat(), r.granularity, r.visits) for r in rows] == [
        ("2026-08-01", "month", 30951872),
        ("2026-09-01", "month", 33710045),
    ]  # July's 0.0 is missing, not a month with no visits


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(b""), "empty body"),
        (Reply(b"<html><body>Bad gateway</body></html>", content_type="text/html"), "HTML instead of JSON"),
        (Reply(b"oops", status=500), "HTTP 500"),
        (Reply(b"slow down", status=429, headers={"Retry-After": "0"}), "HTTP 429"),
    ],
)
def test_bad_answer_is_a_failed_run_with_its_reason_and_nothing_stored(
    tmp_path: Path, sqlite_url: str, api_key: str, reply: Reply, reason: str
) -> None:
    routes = [chatgpt_weekly()[0], metric_route("chatgpt.com", "average-visit-duration", reply)]
    result, _ = crawl(tmp_path, sqlite_url, routes, "chatgpt.com")
    assert result.status == "failed"
    assert reason in (result.error or "")
    assert stored(sqlite_url) == []


def test_a_bad_granularity_argument_fails_the_run(tmp_path: Path, sqlite_url: str, api_key: str) -> None:
    result, server = crawl(tmp_path, sqlite_url, [], "chatgpt.com", args={"granularity": "hourly"})
    assert result.status == "failed"
    assert "granularity 'hourly'" in (result.error or "")
    assert server.requests == []
