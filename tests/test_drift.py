"""Drift detection end to end: azure_gpu through the real Scrapy engine on 127.0.0.1, a renamed key, one alert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.config import AppConfig, load_config
from monitor.cli import main
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route
from storage.db import session_factory
from storage.models import CrawlRun
from tests.crawl_support import AZURE_PATH, FIXTURES, count_offers, migrated, runs, write_config
from tests.test_alerts_support import HttpReceiver

pytestmark = pytest.mark.slow

PAGES = ("gpu_two_pages_page1", "gpu_two_pages_page2")
ALERTS = """
[alerts]
language = "{language}"

[alerts.targets]
ops = ["{hook}"]

[[alerts.rules]]
name = "shape-drift"
kind = "health"
check = "drift"
send_resolved = true
notify = ["ops"]

[[alerts.rules]]
name = "failing"
kind = "health"
check = "failing"
runs = 1
notify = ["ops"]
"""


def azure_routes(renamed: dict[str, str] | None = None) -> list[Route]:
    """The recorded two-page Azure answer, with item keys renamed (old -> new) as a changed API would."""
    pages = []
    for case in PAGES:
        data = json.loads((FIXTURES / "azure_gpu" / case / "response.json").read_text(encoding="utf-8"))
        data["Items"] = [{(renamed or {}).get(k, k): v for k, v in item.items()} for item in data["Items"]]
        pages.append(Reply(json.dumps(data).encode()))
    return [Route(AZURE_PATH, [pages[0]], {"$skip": None}), Route(AZURE_PATH, [pages[1]], {"$skip": "1000"})]


class Scenario:
    """azure_gpu crawled run after run against a local server whose answers the test chooses."""

    def __init__(self, tmp_path: Path, url: str, hook: HttpReceiver) -> None:
        self.tmp_path, self.url, self.hook = tmp_path, url, hook
        self.engine = migrated(url)
        self.language = "en"

    def config_path(self, endpoint: str) -> Path:
        path = write_config(self.tmp_path, self.url, {"azure_gpu": {"every": "1h", "endpoint": endpoint}})
        alerts = ALERTS.format(hook=self.hook.url(), language=self.language)
        path.write_text(path.read_text(encoding="utf-8") + alerts, encoding="utf-8")
        return path

    def crawl(self, renamed: dict[str, str] | None = None, routes: list[Route] | None = None) -> CrawlResult:
        with ReplayServer(routes or azure_routes(renamed)) as server:
            config: AppConfig = load_config(self.config_path(server.url + AZURE_PATH))
            return CrawlRunner(config, self.engine).run("azure_gpu", "schedule")

    def details(self, run_id: int | None) -> dict[str, Any]:
        with session_factory(self.engine)() as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            return dict(run.details or {})


@pytest.fixture
def scenario(tmp_path: Path, sqlite_url: str, hook: HttpReceiver) -> Scenario:
    return Scenario(tmp_path, sqlite_url, hook)


RENAMED = {"meterId": "meterGuid"}  # a key azure_gpu's parser does not read: it copes


def test_each_successful_run_stores_the_shape_of_what_it_read(scenario: Scenario) -> None:
    result = scenario.crawl()

    fingerprint = scenario.details(result.run_id)["fingerprint"]
    shape = fingerprint["main"]["shape"]
    assert fingerprint["main"]["format"] == "json"
    assert shape["Items[].retailPrice"] == "num" and shape["Items[].armSkuName"] == "str"
    assert "drift" not in scenario.details(result.run_id)


def test_a_renamed_key_raises_one_drift_alert_with_the_diff_and_the_data_is_still_stored(
    scenario: Scenario, hook: HttpReceiver
) -> None:
    scenario.crawl()
    drifted = scenario.crawl(RENAMED)
    again = scenario.crawl(RENAMED)

    assert (drifted.status, drifted.items_unchanged + drifted.items_stored) == ("succeeded", 4)
    assert count_offers(scenario.engine) == 4
    drift = scenario.details(drifted.run_id)["drift"]
    assert drift["added"] == ["Items[].meterGuid: str"] and drift["removed"] == ["Items[].meterId: str"]
    assert scenario.details(again.run_id)["drift"]["against_run"] == drift["against_run"]  # still the old shape
    [message] = hook.messages
    assert message.title == "[HEALTH] azure_gpu: answers changed shape (1 added, 1 removed, 0 changed)"
    assert "+ Items[].meterGuid: str\n- Items[].meterId: str" in message.body
    assert "aipulse sources accept-drift azure_gpu" in message.body


def test_accept_drift_resolves_the_alert_and_the_new_shape_is_the_reference(
    scenario: Scenario, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario.crawl()
    drifted = scenario.crawl(RENAMED)
    config = scenario.config_path("http://127.0.0.1:9/unused")

    assert main(["sources", "accept-drift", "azure_gpu", "--config", str(config)]) == 0
    after = scenario.crawl(RENAMED)

    out = capsys.readouterr().out
    assert f"the shape of run {drifted.run_id} is now the reference" in out and "shape-drift resolved" in out
    assert [m.title for m in hook.messages] == [
        "[HEALTH] azure_gpu: answers changed shape (1 added, 1 removed, 0 changed)",
        "[RESOLVED] azure_gpu: answers in the accepted shape again",
    ]
    assert "drift" not in scenario.details(after.run_id)


def test_the_chinese_message_carries_the_diff_too(scenario: Scenario, hook: HttpReceiver) -> None:
    scenario.language = "zh"
    scenario.crawl()
    scenario.crawl(RENAMED)

    [message] = hook.messages
    assert message.title == "【数据源】azure_gpu：返回数据结构变化（新增 1，删除 1，类型变化 0）"
    assert "+ Items[].meterGuid: str" in message.body and "accept-drift azure_gpu" in message.body


def test_the_old_shape_coming_back_resolves_the_alert_without_accepting(scenario: Scenario, hook: HttpReceiver) -> None:
    scenario.crawl()
    scenario.crawl(RENAMED)
    back = scenario.crawl()

    assert "drift" not in scenario.details(back.run_id)
    assert [m.title.split(":")[0] for m in hook.messages] == ["[HEALTH] azure_gpu", "[RESOLVED] azure_gpu"]


def test_a_drift_that_breaks_the_parser_is_one_failing_alert_with_the_diff(
    scenario: Scenario, hook: HttpReceiver
) -> None:
    scenario.crawl()
    broken = scenario.crawl({"armSkuName": "skuArmName"})

    assert broken.status == "failed"
    [message] = hook.messages
    assert message.title == "[HEALTH] azure_gpu: 1 failed runs in a row (last: failed)"
    assert "+ Items[].skuArmName: str\n- Items[].armSkuName: str" in message.body


def test_a_success_on_the_shape_the_run_before_failed_on_is_accepted_without_a_second_alert(
    scenario: Scenario, hook: HttpReceiver
) -> None:
    scenario.crawl()
    first_page = azure_routes(RENAMED)[0]
    failed = scenario.crawl(RENAMED, routes=[first_page, Route(AZURE_PATH, [Reply(b"bad gateway", status=502)],
                                                               {"$skip": "1000"})])  # fmt: skip
    coped = scenario.crawl(RENAMED)
    later = scenario.crawl(RENAMED)

    assert (failed.status, coped.status) == ("failed", "succeeded")
    assert scenario.details(failed.run_id)["drift"]["added"] == ["Items[].meterGuid: str"]
    assert "accepted_at" in scenario.details(coped.run_id)["drift"]
    assert "drift" not in scenario.details(later.run_id)
    assert [m.title for m in hook.messages] == ["[HEALTH] azure_gpu: 1 failed runs in a row (last: failed)"]


def test_accept_drift_with_nothing_drifted_says_so(scenario: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    scenario.crawl()
    config = scenario.config_path("http://127.0.0.1:9/unused")

    assert main(["sources", "accept-drift", "azure_gpu", "--config", str(config)]) == 0
    assert "azure_gpu: no drift to accept" in capsys.readouterr().out
    assert [r.status for r in runs(scenario.engine)] == ["succeeded"]


def test_accept_drift_of_an_unknown_source_is_refused(scenario: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    config = scenario.config_path("http://127.0.0.1:9/unused")
    assert main(["sources", "accept-drift", "nope_gpu", "--config", str(config)]) == 2
    assert "unknown source 'nope_gpu'" in capsys.readouterr().err
