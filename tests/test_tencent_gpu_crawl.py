"""tencent_gpu through the real Scrapy engine: one POST per region to a local stand-in for the purchase-page API."""

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
from tests.crawl_support import FIXTURES, count_offers, migrated, runs, write_config

pytestmark = pytest.mark.slow

API_PATH = "/cgi/api"
CASES = FIXTURES / "tencent_gpu"
REGIONS = ("ap-beijing", "ap-shanghai", "ap-guangzhou")


def _reply(case: str) -> Reply:
    return case_reply("tencent_gpu", case)


def _route(region: str, *replies: Reply) -> Route:
    """The recorded purchase-API request for one region (the API path and POST from gt4_beijing's meta.json)."""
    return case_route("tencent_gpu", "gt4_beijing", *replies, query={"region": region})


def tencent_routes() -> list[Route]:
    """GT4 answers for ap-beijing, the wrapped doc samples (no GPU) for the other two default regions."""
    return [
        _route("ap-beijing", _reply("gt4_beijing")),
        _route("ap-shanghai", _reply("doc_sample_cn_wrapped")),
        _route("ap-guangzhou", _reply("doc_sample_en_wrapped")),
    ]


def _run(tmp_path: Path, url: str, routes: list[Route], **args: Any) -> tuple[CrawlResult, ReplayServer]:
    engine = migrated(url)
    with ReplayServer(routes) as server:
        section: dict[str, Any] = {"every": "1h", "endpoint": server.url + API_PATH}
        if args:
            section["args"] = args
        config = load_config(write_config(tmp_path, url, {"tencent_gpu": section}))
        result = CrawlRunner(config, engine).run("tencent_gpu")
    return result, server


def test_each_region_is_asked_once_and_gpu_offers_are_stored_with_stock(tmp_path: Path, db_url: str) -> None:
    result, server = _run(tmp_path, db_url, tencent_routes())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 4, 0), result.error
    assert sorted(r.query["region"] for r in server.requests) == sorted(REGIONS)
    for seen in server.requests:
        assert (seen.method, seen.query["i"], seen.query["uin"]) == ("POST", "cvm/DescribeZoneInstanceConfigInfos", "")
        body = json.loads(seen.body)
        assert (body["action"], body["region"]) == ("DescribeZoneInstanceConfigInfos", seen.query["region"])
        assert seen.headers["Origin"] == "https://buy.cloud.tencent.com"
        assert seen.headers["Content-Type"].startswith("application/json")
    with session_factory(migrated(db_url))() as session:
        stored = {o.instance_type: o for o in latest(session, "gpu")}
    gt4 = stored["GT4.4XLARGE96"]
    assert (gt4.gpu_model, gt4.vcpus, gt4.memory_gb, gt4.price, gt4.currency) == (
        "A100-40G",
        16,
        96,
        Decimal("28.64"),
        "CNY",
    )
    assert (stored["GT4.8XLARGE192"].available, stored["GT4.41XLARGE948"].price) == (False, None)


def test_regions_argument_limits_the_requests(tmp_path: Path, sqlite_url: str) -> None:
    result, server = _run(tmp_path, sqlite_url, tencent_routes(), regions="ap-beijing")
    assert (result.status, result.items_stored) == ("succeeded", 4), result.error
    assert [r.query["region"] for r in server.requests] == ["ap-beijing"]


def _failed(tmp_path: Path, url: str, routes: list[Route]) -> tuple[str, str]:
    result, _ = _run(tmp_path, url, routes)
    [run] = runs(migrated(url))
    assert (run.status, run.error) == (result.status, result.error)
    assert count_offers(migrated(url)) == 0, "a failed run must store nothing"
    return result.status, result.error or ""


@pytest.mark.parametrize(
    ("beijing", "status", "reason"),
    [
        (_reply("error_auth_failure"), "blocked", "API error AuthFailure.UnauthorizedOperation"),
        (_reply("error_invalid_filter"), "failed", "API error InvalidFilter"),
        (Reply(b"<html><body>captcha</body></html>", content_type="text/html"), "blocked", "HTML page"),
        (Reply(b'{"code": 0, "data": {"Response": {"InstanceTypeQuotaSet": ['), "failed", "malformed JSON"),
        (Reply(b"denied", status=403), "blocked", "HTTP 403"),
        (Reply(b"busy", status=503), "failed", "HTTP 503"),
    ],
)  # fmt: skip
def test_a_bad_answer_in_one_region_fails_the_whole_run_and_stores_nothing(
    tmp_path: Path, sqlite_url: str, beijing: Reply, status: str, reason: str
) -> None:
    # ap-beijing goes bad; the other regions' good answers are discarded with it.
    routes = [
        _route("ap-beijing", beijing),
        _route("ap-shanghai", _reply("gt4_beijing")),
        _route("ap-guangzhou", _reply("doc_sample_en_wrapped")),
    ]
    got_status, error = _failed(tmp_path, sqlite_url, routes)
    assert got_status == status
    assert reason in error


def test_no_gpu_in_any_region_is_a_failed_run(tmp_path: Path, sqlite_url: str) -> None:
    routes = [_route(region, _reply("doc_sample_cn_wrapped")) for region in REGIONS]
    status, error = _failed(tmp_path, sqlite_url, routes)
    assert status == "failed"
    assert "no GPU offer in any of" in error


def test_throttling_is_retried_with_backoff(tmp_path: Path, sqlite_url: str) -> None:
    throttled = Reply(b"slow down", status=429, headers={"Retry-After": "0"})
    routes = [_route("ap-beijing", throttled, _reply("gt4_beijing"))]
    result, server = _run(tmp_path, sqlite_url, routes, regions="ap-beijing")
    assert (result.status, result.items_stored, len(server.requests)) == ("succeeded", 4, 2), result.error
