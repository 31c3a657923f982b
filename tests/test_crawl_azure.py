"""azure_gpu through the real Scrapy engine against recorded responses on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from spiders.items import GpuOffer
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import (
    AZURE_PATH,
    FAST_SETTINGS,
    azure_config,
    azure_page,
    azure_routes,
    count_offers,
    migrated,
    runs,
    scrapy_crawl,
)

pytestmark = pytest.mark.slow

FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def test_scrapy_crawl_with_endpoint_writes_design_field_names_without_a_database(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ReplayServer(azure_routes()) as server:
        done = scrapy_crawl(
            ["crawl", "azure_gpu", "-a", f"endpoint={server.url}{AZURE_PATH}", "-O", str(out), *FAST_ARGS], tmp_path
        )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4
    assert all(set(row) == {f.name for f in fields(GpuOffer)} for row in rows)
    nc24 = next(r for r in rows if r["instance_type"] == "Standard_NC24ads_A100_v4" and r["billing"] == "on_demand")
    assert (nc24["gpu_model"], nc24["price"], nc24["price_per_gpu_hour"]) == ("A100-80G", "3.673", "3.673")
    assert "no database configured" in done.stderr


def test_scrapy_list_names_the_spiders(tmp_path: Path) -> None:
    done = scrapy_crawl(["list"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "azure_gpu" in done.stdout.split()


def test_scrapy_crawl_with_a_database_stores_rows_and_a_crawl_run(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)  # a crawl never migrates: `aipulse init` does
    with ReplayServer(azure_routes()) as server:
        done = scrapy_crawl(
            ["crawl", "azure_gpu", "-a", f"endpoint={server.url}{AZURE_PATH}", *FAST_ARGS],
            tmp_path,
            env={"AIPULSE_DATABASE_URL": sqlite_url},
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert count_offers(engine) == 4
    [run] = runs(engine)
    assert (run.source, run.trigger, run.status, run.items_stored, run.items_dropped) == (
        "azure_gpu",
        "scrapy",
        "succeeded",
        4,
        0,
    )
    assert run.requests == 2


def test_next_page_link_is_followed_on_the_configured_endpoint_not_the_live_host(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer(azure_routes()) as server:
        result = CrawlRunner(azure_config(tmp_path, sqlite_url, server.url), engine).run("azure_gpu")
        paths = [(r.path, r.query.get("$skip")) for r in server.requests]
    assert result.status == "succeeded", result.error
    assert paths == [(AZURE_PATH, None), (AZURE_PATH, "1000")]


def test_running_the_same_crawl_twice_stores_no_duplicate_facts(tmp_path: Path, db_url: str) -> None:
    engine = migrated(db_url)
    with ReplayServer(azure_routes()) as server:
        runner = CrawlRunner(azure_config(tmp_path, db_url, server.url), engine)
        first, second = runner.run("azure_gpu"), runner.run("azure_gpu")
    assert (first.status, first.items_stored) == ("succeeded", 4)
    assert (second.status, second.items_stored, second.items_unchanged) == ("succeeded", 0, 4)
    assert count_offers(engine) == 4
    with session_factory(engine)() as session:
        assert all(offer.last_seen_at > offer.observed_at for offer in latest(session, "gpu"))


def _one_failed_run(tmp_path: Path, sqlite_url: str, routes: list[Route], **options: object) -> tuple[str, str]:
    engine = migrated(sqlite_url)
    with ReplayServer(routes) as server:
        result = CrawlRunner(azure_config(tmp_path, sqlite_url, server.url, **options), engine).run("azure_gpu")
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    assert count_offers(engine) == 0, "a failed run must store nothing"
    return result.status, result.error or ""


@pytest.mark.parametrize(
    ("case", "reply", "reason"),
    [
        ("malformed_json", Reply(b'{"Items": [ {"retailPrice": 3.67,'), "malformed JSON"),
        ("html_instead_of_json", Reply(b"<html><body>Unavailable</body></html>", content_type="text/html"), "HTML"),
        ("empty_body", Reply(b""), "empty body"),
        ("unexpected_shape", Reply(b'{"error": {"code": "BadRequest", "message": "Invalid filter"}}'), "error body"),
        ("no_items", Reply(b'{"Items": [], "NextPageLink": null, "Count": 0}'), "matched nothing"),
        ("server_error", Reply(b"oops", status=503), "HTTP 503"),
        ("throttled", Reply(b"slow down", status=429, headers={"Retry-After": "0"}), "HTTP 429"),
    ],
)  # fmt: skip
def test_bad_answer_is_a_failed_run_with_its_reason(
    tmp_path: Path, sqlite_url: str, case: str, reply: Reply, reason: str
) -> None:
    status, error = _one_failed_run(tmp_path, sqlite_url, [Route(AZURE_PATH, [reply])])
    assert status == "failed"
    assert reason in error


def test_forbidden_is_recorded_as_blocked(tmp_path: Path, sqlite_url: str) -> None:
    status, error = _one_failed_run(tmp_path, sqlite_url, [Route(AZURE_PATH, [Reply(b"denied", status=403)])])
    assert (status, "HTTP 403" in error) == ("blocked", True)


def test_timeout_is_a_failed_run(tmp_path: Path, sqlite_url: str) -> None:
    slow = case_reply("azure_gpu", "gpu_two_pages_page2", delay_s=3)
    status, error = _one_failed_run(
        tmp_path, sqlite_url, [Route(AZURE_PATH, [slow])], settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0}
    )
    assert (status, "timed out" in error) == ("failed", True)


def test_failure_on_a_later_page_discards_the_earlier_pages(tmp_path: Path, sqlite_url: str) -> None:
    routes = [
        Route(AZURE_PATH, [azure_page("gpu_two_pages_page1")], {"$skip": None}),
        Route(AZURE_PATH, [Reply(b"bad gateway", status=502)], {"$skip": "1000"}),
    ]
    status, error = _one_failed_run(tmp_path, sqlite_url, routes)
    assert (status, "HTTP 502" in error) == ("failed", True)


def test_throttling_then_success_is_retried_with_backoff(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    throttled = Reply(b"too many", status=429, headers={"Retry-After": "0"})
    routes = [
        Route(AZURE_PATH, [throttled, azure_page("gpu_two_pages_page1")], {"$skip": None}),
        Route(AZURE_PATH, [azure_page("gpu_two_pages_page2")], {"$skip": "1000"}),
    ]
    with ReplayServer(routes) as server:
        result = CrawlRunner(azure_config(tmp_path, sqlite_url, server.url), engine).run("azure_gpu")
        attempts = len(server.requests)
    assert (result.status, result.items_stored, attempts) == ("succeeded", 4, 3)


def test_page_cap_fails_instead_of_truncating(tmp_path: Path, sqlite_url: str) -> None:
    status, error = _one_failed_run(tmp_path, sqlite_url, azure_routes(), args={"max_pages": 1})
    assert (status, "more than 1 pages" in error) == ("failed", True)


def test_a_crawl_without_a_database_imports_neither_sqlalchemy_nor_the_remote_control_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIPULSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("AIPULSE_CONFIG", raising=False)
    with ReplayServer(azure_routes()) as server:
        done = scrapy_crawl(
            ["crawl", "azure_gpu", "-a", f"endpoint={server.url}{AZURE_PATH}", "-O", str(tmp_path / "out.jsonl"),
             *FAST_ARGS], tmp_path, env={"PYTHONPROFILEIMPORTTIME": "1"},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "scrapy.core.engine" in imported, "the import times were recorded"
    assert not {"sqlalchemy", "aiohttp"} & imported, "SQLAlchemy or aiohttp in a crawl child that needs neither"
