"""Answers are bounded by source kind (also while a gzip body inflates); a crawl has a memory ceiling."""

from __future__ import annotations

import gzip
import resource
from pathlib import Path

import pytest
from scrapy.settings import Settings

from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from spiders.limits import MIB, body_limits
from spiders.sources.aws_gpu import AwsGpuSpider
from spiders.sources.azure_gpu import AzureGpuSpider
from spiders.sources.tencent_quotes import TencentQuotesSpider
from tests.crawl_support import AZURE_PATH, azure_config, count_offers, migrated, runs

pytestmark = pytest.mark.slow


def _settings_for(spider: type) -> Settings:
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    spider.update_settings(settings)
    return settings


def test_each_kind_has_its_body_limit_and_a_spider_may_raise_its_own() -> None:
    assert (
        _settings_for(AzureGpuSpider).getint("DOWNLOAD_MAXSIZE") == body_limits("gpu")["DOWNLOAD_MAXSIZE"] == 64 * MIB
    )
    assert _settings_for(TencentQuotesSpider).getint("DOWNLOAD_MAXSIZE") == 16 * MIB
    assert _settings_for(AwsGpuSpider).getint("DOWNLOAD_MAXSIZE") == 512 * MIB  # its tens-of-MB instances.json


def test_a_crawl_has_a_memory_ceiling() -> None:
    settings = _settings_for(AzureGpuSpider)
    assert settings.getbool("MEMUSAGE_ENABLED") and settings.getint("MEMUSAGE_LIMIT_MB") == 1536


def test_a_gzip_bomb_fails_the_run_while_it_inflates_and_stores_nothing(tmp_path: Path, sqlite_url: str) -> None:
    bomb = gzip.compress(b" " * (200 * MIB), compresslevel=9)  # about 200 KB on the wire
    assert len(bomb) < MIB
    engine = migrated(sqlite_url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with ReplayServer([Route(AZURE_PATH, [Reply(bomb, headers={"Content-Encoding": "gzip"})])]) as server:
        result = CrawlRunner(azure_config(tmp_path, sqlite_url, server.url), engine).run("azure_gpu")
    assert result.status == "failed"
    assert "larger than the 64 MiB limit" in (result.error or ""), result.error
    assert count_offers(engine) == 0
    [run] = runs(engine)
    assert run.status == "failed"
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 700 * 1024 or peak_kib == before, f"crawl child peaked at {peak_kib // 1024} MiB"


def test_a_source_can_lower_its_limit_in_its_settings(tmp_path: Path, sqlite_url: str) -> None:
    big = case_reply("azure_gpu", "gpu_two_pages_page2")
    padded = Reply(big.body + b" " * (2 * MIB), content_type=big.content_type)
    engine = migrated(sqlite_url)
    with ReplayServer([Route(AZURE_PATH, [padded])]) as server:
        config = azure_config(tmp_path, sqlite_url, server.url, settings={"DOWNLOAD_MAXSIZE": MIB})
        result = CrawlRunner(config, engine).run("azure_gpu")
    assert (result.status, count_offers(engine)) == ("failed", 0)
    assert "larger than the 1 MiB limit" in (result.error or ""), result.error
