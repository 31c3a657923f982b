"""runpod_gpu through the real Scrapy engine against a recorded GraphQL answer on 127.0.0.1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, SeenRequest, case_reply, case_route
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import count_offers, migrated, runs, write_config

pytestmark = pytest.mark.slow

SOURCE = "runpod_gpu"
PATH = "/graphql"


def runpod_reply(case: str = "gpu_types_pricing_page_20250909") -> Reply:
    """A recorded GraphQL answer."""
    return case_reply(SOURCE, case)


def _crawl(tmp_path: Path, db_url: str, replies: list[Reply]) -> tuple[CrawlResult, list[SeenRequest]]:
    engine = migrated(db_url)
    with ReplayServer([case_route(SOURCE, "gpu_types_pricing_page_20250909", *replies)]) as server:
        config = load_config(write_config(tmp_path, db_url, {SOURCE: {"every": "1h", "endpoint": server.url + PATH}}))
        result = CrawlRunner(config, engine).run(SOURCE)
        seen = list(server.requests)
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result, seen


def test_gpu_types_are_stored_per_market_with_sold_out_kept(tmp_path: Path, db_url: str) -> None:
    result, seen = _crawl(tmp_path, db_url, [runpod_reply()])
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 13, 0), result.error
    [request] = seen
    assert "gpuTypes" in json.loads(request.body)["query"]
    assert request.headers["Content-Type"] == "application/json"
    with session_factory(migrated(db_url))() as session:
        rows = {(o.instance_type, o.billing): o for o in latest(session, "gpu", source=SOURCE)}
    h100_sxm = rows[("NVIDIA H100 80GB HBM3", "on_demand")]
    assert (h100_sxm.gpu_model, h100_sxm.gpu_variant, h100_sxm.available, h100_sxm.price) == (
        "H100-80G",
        "SXM",
        False,
        Decimal("2.69"),
    )
    assert rows[("NVIDIA A100 80GB PCIe", "spot")].price == Decimal("1.19")
    assert ("NVIDIA A100 80GB PCIe", "community") not in rows


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (runpod_reply("graphql_error"), "failed", "GraphQL error"),
        (Reply(b'{"errors": [{"message": "Unauthorized"}]}'), "blocked", "Unauthorized"),
        (Reply(b'{"data": {"gpuTypes": []}}'), "failed", "no priced GPU type"),
        (Reply(b'{"data": {"gpuTypes": [{"id": '), "failed", "malformed JSON"),
        (Reply(b"<html>maintenance</html>", content_type="text/html"), "failed", "HTML"),
        (Reply(b"no", status=401), "blocked", "HTTP 401"),
        (Reply(b"down", status=503), "failed", "HTTP 503"),
    ],
)
def test_bad_answer_is_a_failed_or_blocked_run_that_stores_nothing(
    tmp_path: Path, sqlite_url: str, reply: Reply, status: str, reason: str
) -> None:
    result, _ = _crawl(tmp_path, sqlite_url, [reply])
    assert result.status == status
    assert reason in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0


def test_throttling_is_retried_then_stored(tmp_path: Path, sqlite_url: str) -> None:
    throttled = Reply(b"slow down", status=429, headers={"Retry-After": "0"})
    result, seen = _crawl(tmp_path, sqlite_url, [throttled, throttled, runpod_reply()])
    assert (result.status, result.items_stored, len(seen)) == ("succeeded", 13, 3)
