"""The crawl process: orphaned-run detection, the settings the daemon hands it, the schema it insists on."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from scrapy.settings import Settings
from sqlalchemy import inspect

from core.config import DATABASE_ENV, ConfigError, load_config
from monitor.crawling import CrawlRunner, pid_alive
from monitor.replay import ReplayServer
from spiders import crawl_settings
from spiders.config_addon import ConfigFileAddon
from spiders.crawl_settings import CrawlSettings
from storage.db import create_db_engine
from tests.crawl_support import (
    AZURE_PATH,
    FAST_SETTINGS,
    azure_routes,
    count_offers,
    migrated,
    runs,
    scrapy_crawl,
    write_config,
)

FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def test_a_running_crawl_process_is_alive() -> None:
    crawl = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "scrapy", "crawl"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not pid_alive(crawl.pid):
            time.sleep(0.05)  # until the fork has exec'd the crawl's command line
        assert pid_alive(crawl.pid)
    finally:
        crawl.kill()
        crawl.wait()


def test_a_zombie_left_by_a_killed_parent_is_not_alive() -> None:
    crawl = subprocess.Popen([sys.executable, "-c", "pass", "scrapy", "crawl"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pid_alive(crawl.pid):
        time.sleep(0.05)  # exited but not reaped: a zombie, as under a PID 1 that never reaps
    assert not pid_alive(crawl.pid)
    crawl.wait()


def test_a_reused_pid_of_another_program_is_not_a_crawl() -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not pid_alive(other.pid)
    finally:
        other.kill()
        other.wait()


def test_a_pid_that_does_not_exist_is_not_alive() -> None:
    assert not pid_alive(2**22 + 12345)


def _settings_of(command: list[str]) -> Settings:
    """The `-s NAME=VALUE` options of a crawl's command line, as Scrapy would read them."""
    settings = Settings()
    for flag, option in itertools.pairwise(command):
        if flag == "-s":
            name, _, value = option.partition("=")
            settings.set(name, value, priority="cmdline")
    return settings


def test_the_daemon_hands_the_crawl_its_settings_and_no_secret_on_the_command_line(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIPULSE_TEST_TOKEN", "tok-s3cret")
    monkeypatch.setenv("AIPULSE_TEST_DB", "postgresql+psycopg://aipulse:db-s3cret@127.0.0.1:1/x")
    path = write_config(tmp_path, "${AIPULSE_TEST_DB}", {"autodl_gpu": {
        "every": "1h", "endpoint": "http://127.0.0.1:9/api", "args": {"max_pages": 3, "login": True},
        "secrets": {"token": "${AIPULSE_TEST_TOKEN}"}}})  # fmt: skip
    path.write_text(path.read_text() + '\n[traffic]\napps = [{ name = "Kimi", domain = "kimi.com" }]\n')
    config = load_config(path)
    command = CrawlRunner(config, create_db_engine(sqlite_url))._command(
        "autodl_gpu", 7, "schedule", {"symbols": "NVDA"}, timedelta(minutes=10)
    )
    assert "s3cret" not in " ".join(command)
    monkeypatch.setenv(DATABASE_ENV, config.database_url())  # what the child's environment gets
    crawl = CrawlSettings.from_settings(_settings_of(command))
    source = crawl.source("autodl_gpu")
    assert source.spider_args() == {"max_pages": "3", "login": "true", "endpoint": "http://127.0.0.1:9/api"}
    assert dict(source.secrets) == {"token": "AIPULSE_TEST_TOKEN"} and source.secret("token") == "tok-s3cret"
    assert source.settings["DOWNLOAD_DELAY"] == 0
    assert crawl.database_url() == "postgresql+psycopg://aipulse:db-s3cret@127.0.0.1:1/x"
    assert (crawl.run_id, crawl.trigger, crawl.traffic_domains) == (7, "schedule", ("kimi.com",))
    assert list(crawl.sources) == ["autodl_gpu"], "a crawl gets its own source's section only"
    assert crawl.browser.args == tuple(config.browser.args) and crawl.browser.page_timeout_ms == 60_000


def test_malformed_crawl_settings_are_an_error_naming_the_setting() -> None:
    settings = Settings({"AIPULSE_SOURCES": "{not json"})
    with pytest.raises(ValueError, match="AIPULSE_SOURCES is not valid JSON"):
        CrawlSettings.from_settings(settings)
    with pytest.raises(ValueError, match="AIPULSE_BROWSER must be a JSON object"):
        CrawlSettings.from_settings(Settings({"AIPULSE_BROWSER": json.dumps([1])}))


@pytest.mark.slow
def test_a_plain_scrapy_crawl_on_a_database_not_at_the_current_schema_fails_and_stores_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    with ReplayServer(azure_routes()) as server:
        done = scrapy_crawl(
            ["crawl", "azure_gpu", "-a", f"endpoint={server.url}{AZURE_PATH}", *FAST_ARGS],
            tmp_path,
            env={DATABASE_ENV: sqlite_url},
        )
        asked = list(server.requests)
    assert done.returncode != 0
    assert "is not initialised or not at the current schema: run `aipulse init`" in done.stderr
    assert asked == [], "nothing is fetched for a store that cannot take it"
    assert inspect(create_db_engine(sqlite_url)).get_table_names() == [], "the crawl does not migrate"


@pytest.mark.slow
def test_settings_given_on_the_command_line_win_over_the_config_file(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "endpoint": "http://127.0.0.1:9/nothing"}})
    with ReplayServer(azure_routes()) as server:
        sources = json.dumps({"azure_gpu": {"endpoint": server.url + AZURE_PATH}})
        done = scrapy_crawl(["crawl", "azure_gpu", "-s", f"AIPULSE_SOURCES={sources}", *FAST_ARGS], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    [run] = runs(engine)  # the database still comes from ./aipulse.toml
    assert (run.status, run.trigger, count_offers(engine)) == ("succeeded", "scrapy", 4)


def test_the_config_file_is_read_only_for_settings_nobody_gave(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[sources.azure_gpu\n", encoding="utf-8")
    given = Settings({"AIPULSE_CONFIG": str(broken)})
    given.setdict(dict.fromkeys(crawl_settings.CRAWL_SETTINGS, "{}"), priority="cmdline")
    ConfigFileAddon.update_pre_crawler_settings(given)  # the daemon passed everything: the file is not opened
    assert given.get(crawl_settings.SOURCES) == "{}"
    del given[crawl_settings.QUOTES]
    with pytest.raises(ConfigError, match="not valid TOML"):
        ConfigFileAddon.update_pre_crawler_settings(given)
