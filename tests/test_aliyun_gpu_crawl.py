"""aliyun_gpu through the real Scrapy engine: version page, then the versioned price file, both on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, case_route
from tests.crawl_support import FAST_SETTINGS, FIXTURES, count_offers, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

PAGE_PATH = "/price/ecs/ecs-pricing/zh"
CDN_PATH = "/aliyun/ecs-price-info"
VERSION = "2.0.211"
FILE_PATH = f"{CDN_PATH}/{VERSION}/price/download/instancePrice.json"
SOURCE = "aliyun_gpu"
CASES = FIXTURES / SOURCE
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def aliyun_routes(price_case: str = "cny_derived_gpu_excerpt") -> list[Route]:
    """The constructed version page naming 2.0.211 and a price file served at that version's path."""
    return [
        case_route(SOURCE, "version_page"),
        case_route(SOURCE, price_case),
    ]


def _run(tmp_path: Path, url: str, routes: list[Route], **args: str) -> tuple[CrawlResult, ReplayServer]:
    engine = migrated(url)
    with ReplayServer(routes) as server:
        section = {"every": "1h", "endpoint": server.url + PAGE_PATH, "args": {"cdn": server.url + CDN_PATH, **args}}
        config = load_config(write_config(tmp_path, url, {"aliyun_gpu": section}))
        result = CrawlRunner(config, engine).run("aliyun_gpu")
    return result, server


def test_version_is_discovered_then_the_price_file_of_that_version_is_stored(tmp_path: Path, db_url: str) -> None:
    result, server = _run(tmp_path, db_url, aliyun_routes())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 16, 0), result.error
    assert [r.path for r in server.requests] == [PAGE_PATH, FILE_PATH]
    [run] = runs(migrated(db_url))
    assert run.details is not None
    assert f"price file version {VERSION}" in run.details["notes"]


def test_seed_rows_are_stored_and_unknown_families_are_noted(tmp_path: Path, sqlite_url: str) -> None:
    result, _ = _run(tmp_path, sqlite_url, aliyun_routes("seed_rows_gn7_gn7e"))
    assert (result.status, result.items_stored) == ("succeeded", 2), result.error
    [run] = runs(migrated(sqlite_url))
    assert run.details is not None
    assert "ecs.gn8v-4x.8xlarge: unknown GPU family 'gn8v', add it to ALIYUN_FAMILIES" in run.details["notes"]


def test_a_pinned_version_skips_the_page_and_reads_that_file(tmp_path: Path, sqlite_url: str) -> None:
    pinned = "2.0.6"
    routes = [
        Route(f"{CDN_PATH}/{pinned}/price/download/instancePrice.json", [case_reply(SOURCE, "cny_derived_gpu_excerpt")])
    ]
    result, server = _run(tmp_path, sqlite_url, routes, version=pinned)
    assert (result.status, result.items_stored) == ("succeeded", 16), result.error
    assert [r.path for r in server.requests] == [f"{CDN_PATH}/{pinned}/price/download/instancePrice.json"]
    [run] = runs(migrated(sqlite_url))
    assert run.details is not None
    assert "price file version 2.0.6 (pinned with -a version=)" in run.details["notes"]
    assert "price file says version 2.0.211 but was fetched as 2.0.6" in run.details["notes"]


def _failed(tmp_path: Path, url: str, routes: list[Route]) -> tuple[str, str]:
    result, _ = _run(tmp_path, url, routes)
    [run] = runs(migrated(url))
    assert (run.status, run.error) == (result.status, result.error)
    assert count_offers(migrated(url)) == 0, "a failed run must store nothing"
    return result.status, result.error or ""


def test_version_page_without_the_url_pattern_is_a_failed_run_with_a_clear_reason(
    tmp_path: Path, sqlite_url: str
) -> None:
    routes = [case_route(SOURCE, "version_page_without_url"), *aliyun_routes()[1:]]
    status, error = _failed(tmp_path, sqlite_url, routes)
    assert status == "failed"
    assert "no g.alicdn.com/aliyun/ecs-price-info/<version>/ URL on the pricing page" in error


@pytest.mark.parametrize(
    ("file_reply", "status", "reason"),
    [
        (Reply(b"not found", status=404), "failed", "HTTP 404"),
        (Reply(b'{"currency": "CNY", "pricingInfo": {"cn-beijing::ecs.gn7'), "failed", "malformed JSON"),
        (Reply(b"<html>Access denied</html>", content_type="text/html"), "blocked", "captcha page"),
        (Reply(b"denied", status=403), "blocked", "HTTP 403"),
        (case_reply(SOURCE, "intl_2_0_7_no_gpu"), "failed", "no GPU offer in price file 2.0.211"),
        (case_reply(SOURCE, "no_pricing_info"), "failed", "no pricingInfo"),
    ],
)  # fmt: skip
def test_a_bad_price_file_is_a_failed_run_with_its_reason(
    tmp_path: Path, sqlite_url: str, file_reply: Reply, status: str, reason: str
) -> None:
    routes = [case_route(SOURCE, "version_page"), Route(FILE_PATH, [file_reply])]
    got_status, error = _failed(tmp_path, sqlite_url, routes)
    assert got_status == status
    assert reason in error


def test_blocked_version_page_is_a_blocked_run(tmp_path: Path, sqlite_url: str) -> None:
    status, error = _failed(tmp_path, sqlite_url, [Route(PAGE_PATH, [Reply(b"denied", status=403)])])
    assert (status, "HTTP 403" in error) == ("blocked", True)


def test_scrapy_crawl_with_endpoint_and_cdn_writes_offers_without_a_database(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ReplayServer(aliyun_routes("seed_rows_gn7_gn7e")) as server:
        done = scrapy_crawl(
            [
                "crawl", "aliyun_gpu", "-a", f"endpoint={server.url}{PAGE_PATH}",
                "-a", f"cdn={server.url}{CDN_PATH}", "-O", str(out), *FAST_ARGS,
            ],
            tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    got = {(r["instance_type"], r["gpu_model"], r["vcpus"], r["memory_gb"], r["price"]) for r in rows}
    assert got == {
        ("ecs.gn7-c12g1.3xlarge", "A100-40G", 12, "94", "31.58"),
        ("ecs.gn7e-c16g1.4xlarge", "A100-80G", 16, "125", "34.742"),
    }
    assert f"price file version {VERSION}" in done.stderr
