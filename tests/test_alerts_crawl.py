"""Real crawls raise and deliver alerts: `scrapy crawl`, the daemon's runner, and `aipulse alerts` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import monitor.crawling
from core.config import AppConfig, load_config
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route
from storage.alert_models import AlertEvent, OutboxNotification
from storage.db import session_factory
from tests.crawl_support import AZURE_PATH, FAST_SETTINGS, FIXTURES, migrated, scrapy_crawl, write_config
from tests.test_alerts_support import HttpReceiver

pytestmark = [
    pytest.mark.slow,
    # Active once monitor/config.py, spiders/pipelines.py, monitor/crawling.py and monitor/cli.py are wired.
    pytest.mark.skipif("alerts" not in AppConfig.model_fields, reason="alerts not wired into AppConfig yet"),
]
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def routes(cut: float) -> list[Route]:
    """The recorded two-page Azure answer with every retail price multiplied by `cut`."""
    pages = []
    for case in ("gpu_two_pages_page1", "gpu_two_pages_page2"):
        data = json.loads((FIXTURES / "azure_gpu" / case / "response.json").read_text(encoding="utf-8"))
        for item in data["Items"]:
            item["retailPrice"] = round(item["retailPrice"] * cut, 4)
            item["unitPrice"] = round(item.get("unitPrice", item["retailPrice"]) * cut, 4)
        pages.append(Reply(json.dumps(data).encode()))
    return [Route(AZURE_PATH, [pages[0]], {"$skip": None}), Route(AZURE_PATH, [pages[1]], {"$skip": "1000"})]


def config_with_alerts(tmp_path: Path, url: str, endpoint: str, hook: HttpReceiver) -> Path:
    path = write_config(tmp_path, url, {"azure_gpu": {"every": "1h", "endpoint": endpoint}})
    alerts = f"""
[alerts]
language = "en"

[alerts.targets]
ops = ["{hook.url()}"]

[[alerts.rules]]
name = "azure-a100-drop"
kind = "change"
item = "gpu"
select = {{ gpu_model = "A100-80G", billing = "on_demand" }}
pct = 5
direction = "down"
notify = ["ops"]

[[alerts.rules]]
name = "failing"
kind = "health"
check = "failing"
runs = 1
notify = ["ops"]
"""
    path.write_text(path.read_text(encoding="utf-8") + alerts, encoding="utf-8")
    return path


def test_scrapy_crawl_evaluates_the_rules_and_delivers_at_the_end_of_the_run(tmp_path: Path, sqlite_url: str) -> None:
    migrated(sqlite_url)
    hook = HttpReceiver().start()
    try:
        for cut in (1.0, 0.9):
            with ReplayServer(routes(cut)) as server:
                path = config_with_alerts(tmp_path, sqlite_url, server.url + AZURE_PATH, hook)
                done = scrapy_crawl(["crawl", "azure_gpu", *FAST_ARGS], tmp_path, env={"AIPULSE_CONFIG": str(path)})
                assert done.returncode == 0, done.stderr[-3000:]
    finally:
        hook.stop()
    titles = hook.titles()
    assert len(titles) == 3 and all(t.startswith("[ALERT] azure A100-80G") and "(-10.00%)" in t for t in titles)


def test_the_daemons_runner_delivers_price_and_health_alerts_of_its_crawls(tmp_path: Path, sqlite_url: str) -> None:
    hook = HttpReceiver().start()
    engine = migrated(sqlite_url)
    try:
        for cut in (1.0, 0.9):
            with ReplayServer(routes(cut)) as server:
                config = load_config(config_with_alerts(tmp_path, sqlite_url, server.url + AZURE_PATH, hook))
                result = CrawlRunner(config, engine).run("azure_gpu", "schedule")
                assert result.status == "succeeded", result
        with ReplayServer([Route(AZURE_PATH, [Reply(b"oops", status=500)])]) as server:
            config = load_config(config_with_alerts(tmp_path, sqlite_url, server.url + AZURE_PATH, hook))
            result = CrawlRunner(config, engine).run("azure_gpu", "schedule")
    finally:
        hook.stop()
    assert result.status == "failed"
    titles = hook.titles()
    assert len(titles) == 4 and all(t.startswith("[ALERT] azure A100-80G") for t in titles[:3])
    assert titles[3].startswith("[HEALTH] azure_gpu: 1 failed runs in a row")


def test_aipulse_alerts_commands_run_from_the_command_line(tmp_path: Path, sqlite_url: str) -> None:
    hook = HttpReceiver().start()
    try:
        path = config_with_alerts(tmp_path, sqlite_url, "http://127.0.0.1:9/x", hook)
        migrated(sqlite_url)
        env_cmd = [sys.executable, "-m", "monitor", "--config", str(path), "alerts"]
        listed = subprocess.run([*env_cmd, "list"], capture_output=True, text=True, timeout=60)
        tested = subprocess.run([*env_cmd, "test", "ops"], capture_output=True, text=True, timeout=60)
        bad = subprocess.run([*env_cmd, "silence", "nope", "--for", "1h"], capture_output=True, text=True, timeout=60)
    finally:
        hook.stop()
    assert listed.returncode == 0 and "no open alerts" in listed.stdout, listed.stderr
    assert tested.returncode == 0 and "sent" in tested.stdout, tested.stderr
    assert bad.returncode == 2 and "unknown rule 'nope'" in bad.stderr


def test_a_run_the_daemon_started_is_evaluated_once_by_the_daemon_not_by_the_crawl(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = migrated(sqlite_url)
    sessions = session_factory(engine)
    evaluated: list[int] = []
    monkeypatch.setattr(monitor.crawling, "after_run", lambda _s, _c, run_id, **_: evaluated.append(run_id))
    hook = HttpReceiver().start()
    try:
        for cut in (1.0, 0.9):
            with ReplayServer(routes(cut)) as server:
                config = load_config(config_with_alerts(tmp_path, sqlite_url, server.url + AZURE_PATH, hook))
                result = CrawlRunner(config, engine).run("azure_gpu", "schedule")
                assert result.status == "succeeded", result
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(AlertEvent)) == 0, "the crawl evaluated its run"
        assert len(evaluated) == 2 and evaluated[1] == result.run_id
        monkeypatch.undo()
        monitor.crawling.after_run(sessions, config.alerts, evaluated[1])
    finally:
        hook.stop()
    with sessions() as session:
        events = session.scalars(select(AlertEvent)).all()
        outbox = session.scalars(select(OutboxNotification)).all()
    assert [(e.rule, e.transition, e.run_id) for e in events] == [("azure-a100-drop", "firing", result.run_id)] * 3
    assert len(outbox) == 3 and len(hook.titles()) == 3, "one message per series, not one per evaluation"
