"""autodl_gpu through the real Scrapy engine: token from the config, pages followed, failures recorded."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, SeenRequest, case_reply
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import FAST_SETTINGS, FIXTURES, count_offers, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

SOURCE = "autodl_gpu"
PATH = "/api/v1/user/machine/list"
TOKEN_ENV = "AIPULSE_TEST_AUTODL_TOKEN"
TOKEN = "eyJ.test-token.not-real"


def autodl_page(case: str) -> Reply:
    """A recorded market-list answer."""
    return case_reply(SOURCE, case)


def two_pages() -> list[Reply]:
    """Page 1 then page 2 of the recorded two-page market list (one POST route answers both in order)."""
    return [autodl_page("market_two_pages_page1"), autodl_page("market_two_pages_page2")]


def _crawl(
    tmp_path: Path,
    db_url: str,
    replies: list[Reply],
    *,
    secret: bool = True,
    more_routes: list[Route] | None = None,
    **section: Any,
) -> tuple[CrawlResult, list[SeenRequest]]:
    engine = migrated(db_url)
    with ReplayServer([Route(PATH, replies, method="POST"), *(more_routes or [])]) as server:
        options: dict[str, Any] = {"every": "1d", "endpoint": server.url + PATH, **section}
        if more_routes:  # the tokenless public list: the home page on this server, never the real one
            options["args"] = {"public_url": server.url + "/home", **options.get("args", {})}
        if secret:
            options["secrets"] = {"token": "${" + TOKEN_ENV + "}"}
        config = load_config(write_config(tmp_path, db_url, {SOURCE: options}))
        result = CrawlRunner(config, engine).run(SOURCE)
        seen = list(server.requests)
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    assert TOKEN not in (result.error or "")
    return result, seen


@pytest.fixture(autouse=True)
def _token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)


def test_pages_are_followed_with_the_configured_token_and_summarised(tmp_path: Path, db_url: str) -> None:
    result, seen = _crawl(tmp_path, db_url, two_pages())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 5, 0), result.error
    assert [json.loads(r.body)["page_index"] for r in seen] == [1, 2]
    assert {r.headers["Authorization"] for r in seen} == {TOKEN}
    assert seen[0].headers["Referer"] == "https://www.autodl.com/market/list"
    with session_factory(migrated(db_url))() as session:
        rows = {(o.instance_type, o.region): o for o in latest(session, "gpu", source=SOURCE)}
    a800 = rows[("A800-80GB", "neimeng-A")]
    assert (a800.gpu_model, a800.available, a800.price, a800.currency) == ("A800-80G", True, Decimal("5.98"), "CNY")
    assert rows[("H800", "neimeng-A")].available is False


def test_filters_from_the_config_reach_the_request_body(tmp_path: Path, sqlite_url: str) -> None:
    args = {"gpus": ["A800-80GB", "A100-SXM4-80GB"], "regions": ["neimeng-A"], "min_idle_gpus": 0, "page_size": 50}
    result, seen = _crawl(tmp_path, sqlite_url, two_pages(), args=args)
    assert result.status == "succeeded", result.error
    body = json.loads(seen[0].body)
    assert (body["gpu_type_name"], body["region_sign_list"]) == (["A800-80GB", "A100-SXM4-80GB"], ["neimeng-A"])
    assert (body["gpu_idle_num"], body["page_size"]) == (0, 50)


@pytest.mark.browser
def test_without_a_token_the_public_list_is_used_and_the_market_api_is_not_asked(
    tmp_path: Path, sqlite_url: str
) -> None:
    page = Reply.file(FIXTURES / SOURCE / "public_home_page.html", content_type="text/html; charset=utf-8")
    chunk = case_reply(SOURCE, "public_list_constructed", content_type="text/javascript")
    routes = [Route("/home", [page]), Route("/js/512.5d1c0e2a.js", [chunk])]
    result, seen = _crawl(tmp_path, sqlite_url, two_pages(), secret=False, more_routes=routes)
    assert (result.status, result.items_stored) == ("succeeded", 6), result.error
    assert [(r.method, r.path) for r in seen] == [("GET", "/home"), ("GET", "/js/512.5d1c0e2a.js")]
    assert any(note.startswith("no token: public list used") for note in (result.details or {})["notes"])


def test_a_token_variable_that_is_not_set_fails_the_run(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    result, seen = _crawl(tmp_path, sqlite_url, two_pages())
    assert (result.status, seen) == ("failed", [])
    assert f"no token configured: environment variable {TOKEN_ENV} is not set" in (result.error or "")


def test_a_manual_token_argument_works_and_is_never_logged(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fast = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    with ReplayServer([Route(PATH, two_pages(), method="POST")]) as server:
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={server.url}{PATH}", "-a", f"token={TOKEN}", "-O", str(out),
             "-s", "LOG_LEVEL=DEBUG", *fast],
            tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert TOKEN not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("replies", "status", "reason"),
    [
        ([autodl_page("authorize_failed")], "blocked", "AuthorizeFailed"),
        ([autodl_page("market_two_pages_page1"), autodl_page("authorize_failed")], "blocked", "AuthorizeFailed"),
        ([autodl_page("own_instance_list")], "failed", "gpu_name"),
        ([Reply(b'{"code": "Success", "data": {"list": [')], "failed", "malformed JSON"),
        ([Reply(b'{"code": "Success", "data": {"list": [], "page_index": 1, "max_page": 0}}')], "failed", "no priced"),
        ([Reply(b"<html>login</html>", content_type="text/html")], "failed", "HTML"),
        ([Reply(b"no", status=401)], "blocked", "HTTP 401"),
        ([autodl_page("market_two_pages_page1"), Reply(b"bad gateway", status=502)], "failed", "HTTP 502"),
    ],
)
def test_bad_answer_is_a_failed_or_blocked_run_that_stores_nothing(
    tmp_path: Path, sqlite_url: str, replies: list[Reply], status: str, reason: str
) -> None:
    result, _ = _crawl(tmp_path, sqlite_url, replies)
    assert result.status == status
    assert reason in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0


def test_page_cap_fails_instead_of_truncating(tmp_path: Path, sqlite_url: str) -> None:
    result, seen = _crawl(tmp_path, sqlite_url, two_pages(), args={"max_pages": 1})
    assert (result.status, len(seen)) == ("failed", 1)
    assert "more than 1 pages" in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0
