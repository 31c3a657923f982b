"""/metrics in the Prometheus text format, read from the store at scrape time, after real crawls."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from core.config import load_config
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route
from monitor.web.app import create_app
from tests.crawl_support import AZURE_PATH, azure_routes, migrated, write_config

pytestmark = pytest.mark.slow

KINDS = {"azure_gpu": "gpu"}


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_a_crawl_run_moves_the_runs_counter_and_the_items_stored(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer(azure_routes()) as server:
        config = load_config(
            write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH}})
        )
        client = TestClient(create_app(config, engine, KINDS))
        before = _samples(client)
        assert CrawlRunner(config, engine).run("azure_gpu").status == "succeeded"
        after = _samples(client)
    succeeded = ("aipulse_crawl_runs_total", (("source", "azure_gpu"), ("status", "succeeded")))
    assert before.get(succeeded, 0) == 0
    assert after[succeeded] == 1
    assert after[("aipulse_items_stored_total", (("source", "azure_gpu"),))] == 4
    assert after[("aipulse_crawl_run_duration_seconds_count", (("source", "azure_gpu"),))] == 1
    assert after[("aipulse_source_last_success_timestamp_seconds", (("source", "azure_gpu"),))] > 0


def test_a_failing_source_shows_as_unhealthy_with_its_failures(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer([Route(AZURE_PATH, [Reply(b"oops", status=500)])]) as server:
        config = load_config(
            write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH}})
        )
        assert CrawlRunner(config, engine).run("azure_gpu").status == "failed"
    samples = _samples(TestClient(create_app(config, engine, KINDS)))
    assert samples[("aipulse_crawl_runs_total", (("source", "azure_gpu"), ("status", "failed")))] == 1
    assert samples[("aipulse_source_healthy", (("source", "azure_gpu"), ("state", "failing")))] == 0
    assert samples[("aipulse_source_failures_in_row", (("source", "azure_gpu"),))] == 1
    assert ("aipulse_source_last_success_timestamp_seconds", (("source", "azure_gpu"),)) not in samples
