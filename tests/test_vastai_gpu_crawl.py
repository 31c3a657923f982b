"""vastai_gpu through the real Scrapy engine against recorded answers on 127.0.0.1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, case_route
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import count_offers, migrated, runs, write_config

pytestmark = pytest.mark.slow

SOURCE = "vastai_gpu"
PATH = "/api/v0/bundles/"


def vast_routes(case: str = "marketplace_mixed") -> list[Route]:
    """The recorded offers answer for the search POST."""
    return [case_route(SOURCE, case)]


def _crawl(tmp_path: Path, db_url: str, routes: list[Route], **section: Any) -> tuple[CrawlResult, list[Any]]:
    engine = migrated(db_url)
    with ReplayServer(routes) as server:
        options = {"every": "1h", "endpoint": server.url + PATH, **section}
        config = load_config(write_config(tmp_path, db_url, {SOURCE: options}))
        result = CrawlRunner(config, engine).run(SOURCE)
        seen = list(server.requests)
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result, seen


def test_offers_are_summarised_and_stored_per_gpu_count_and_country(tmp_path: Path, db_url: str) -> None:
    result, seen = _crawl(tmp_path, db_url, vast_routes())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 9, 0), result.error
    [request] = seen
    body = json.loads(request.body)
    assert (body["type"], body["limit"], body["rentable"]) == ("on-demand", 3000, {"eq": True})
    assert "gpu_name" not in body
    with session_factory(migrated(db_url))() as session:
        rows = {(o.instance_type, o.region): o for o in latest(session, "gpu", source=SOURCE)}
    h100 = rows[("vast:8xH100-80G-SXM", "US")]
    assert (h100.price, h100.price_per_gpu_hour, h100.currency) == (Decimal("17.07"), Decimal("2.13375"), "USD")
    assert rows[("vast:2xH100-94G-NVL", "US")].available is False
    assert rows[("vast:1xRTX4090-24G", "unknown")].gpu_model == "RTX4090-24G"


def test_gpu_and_limit_arguments_narrow_the_search(tmp_path: Path, sqlite_url: str) -> None:
    args = {"gpus": ["H100 SXM", "A100 SXM4"], "limit": 500}
    result, seen = _crawl(tmp_path, sqlite_url, vast_routes(), args=args)
    assert result.status == "succeeded", result.error
    body = json.loads(seen[0].body)
    assert (body["gpu_name"], body["limit"]) == ({"in": ["H100 SXM", "A100 SXM4"]}, 500)


def test_an_answer_without_a_priced_offer_is_a_failed_run(tmp_path: Path, sqlite_url: str) -> None:
    offer = json.loads(case_reply(SOURCE, "cli_raw_one_of_four_gpus").body)["offers"][0]
    reply = Reply(json.dumps({"offers": [{**offer, "dph_total": 0.0}]}).encode())
    result, _ = _crawl(tmp_path, sqlite_url, [Route(PATH, [reply], method="POST")])
    assert (result.status, result.items_stored) == ("failed", 0)
    assert "none of the 1 offers has a price" in (result.error or "")


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (Reply(b'{"offers": [ {"id": 1,'), "failed", "malformed JSON"),
        (Reply(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"), "failed", "HTML"),
        (case_reply(SOURCE, "error_body"), "failed", "error body"),
        (Reply(b'{"offers": []}'), "failed", "matched nothing"),
        (Reply(b'{"error": "auth_error", "msg": "invalid api key"}'), "blocked", "invalid api key"),
        (Reply(b"denied", status=403), "blocked", "HTTP 403"),
        (Reply(b"API requests too frequent", status=429, headers={"Retry-After": "0"}), "failed", "HTTP 429"),
        (Reply(b"oops", status=500), "failed", "HTTP 500"),
    ],
)  # fmt: skip
def test_bad_answer_is_a_failed_or_blocked_run_that_stores_nothing(
    tmp_path: Path, sqlite_url: str, reply: Reply, status: str, reason: str
) -> None:
    result, _ = _crawl(tmp_path, sqlite_url, [Route(PATH, [reply], method="POST")])
    assert result.status == status
    assert reason in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0


def test_throttling_is_retried_then_stored(tmp_path: Path, sqlite_url: str) -> None:
    throttled = Reply(b"API requests too frequent", status=429, headers={"Retry-After": "0"})
    routes = [case_route(SOURCE, "marketplace_mixed", throttled, case_reply(SOURCE, "marketplace_mixed"))]
    result, seen = _crawl(tmp_path, sqlite_url, routes)
    assert (result.status, result.items_stored, len(seen)) == ("succeeded", 9, 2)
