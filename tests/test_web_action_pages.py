"""What the pages show of the actions (buttons only with `[web] token`, never the token) and enum values in the
page's language (the report's words where it has them)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.report.labels import labels_for
from monitor.web.i18n import LANGUAGES, VALUES, value_label
from storage.db import session_factory
from tests.web_support import fixture_app, store_active_alerts

TOKEN = "web-token-5d2e8b71aa"
WITH_TOKEN = '\n[web]\ntoken = "${AIPULSE_WEB_TOKEN}"\n'
TARGETS = '\n[alerts.targets]\nops = ["json://127.0.0.1:9/hook"]\n'


def _client(tmp_path: Path, sqlite_url: str, extra: str = "") -> TestClient:
    app, _, engine = fixture_app(tmp_path, sqlite_url, extra=extra)
    with session_factory(engine).begin() as session:
        store_active_alerts(session)
    return TestClient(app)


@pytest.fixture
def guarded(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("AIPULSE_WEB_TOKEN", TOKEN)
    return _client(tmp_path, sqlite_url, WITH_TOKEN + TARGETS)


@pytest.mark.parametrize("path", ["/alerts", "/sources", "/sources/azure_gpu"])
def test_without_a_token_the_page_says_actions_are_off_and_has_no_button(
    tmp_path: Path, sqlite_url: str, path: str
) -> None:
    html = _client(tmp_path, sqlite_url).get(path + "?lang=en").text
    assert 'id="actions-off"' in html and "Actions are off" in html
    assert 'class="action"' not in html and "<form id=" not in html and "actions.js" not in html


def test_with_a_token_the_alerts_page_has_a_silence_button_per_active_alert_and_the_forms(guarded: TestClient) -> None:
    html = guarded.get("/alerts").text
    assert html.count('data-action="silence"') == 2
    labels = "{&#34;instance&#34;: &#34;Standard_ND96amsr_A100_v4&#34;, &#34;provider&#34;: &#34;azure&#34;}"
    assert f'data-series="{labels}"' in html
    assert 'id="silence-form"' in html and 'id="test-form"' in html and "<option>ops</option>" in html
    assert '<script src="/static/actions.js" defer></script>' in html


def test_with_a_token_the_sources_page_has_a_run_button_per_source(guarded: TestClient) -> None:
    html = guarded.get("/sources").text
    assert 'data-action="run" data-source="tencent_gpu"' in html
    assert html.count('data-action="run"') == html.count("<tr>") - 1  # every row but the header's


def test_the_action_column_is_not_part_of_a_download(guarded: TestClient) -> None:
    body = guarded.get("/sources?format=csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert "" not in header and len(header) == 9


def test_the_token_is_in_no_page_nor_script(guarded: TestClient) -> None:
    answers = [guarded.get(p) for p in ("/alerts", "/sources", "/sources/azure_gpu", "/static/actions.js")]
    assert all(a.status_code == 200 and TOKEN not in a.text for a in answers)


def test_every_page_allows_scripts_from_the_site_only(guarded: TestClient) -> None:
    policy = guarded.get("/alerts").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_zh_alerts_page_names_states_and_transitions_in_chinese(guarded: TestClient) -> None:
    html = guarded.get("/alerts?lang=zh").text
    words = labels_for("zh")
    assert f"<td>{words['tr_firing']}</td>" in html and f"<td>{words['tr_pending']}</td>" in html
    assert f"{words['tr_pending']} → {words['tr_firing']}" in html  # the history's from → to
    assert "<td>已通知</td>" in html
    assert "<td>firing</td>" not in html and "<td>pending</td>" not in html


def test_an_active_alert_under_a_silence_says_so(guarded: TestClient) -> None:
    answer = guarded.post("/actions/silence", json={"rule": "gpu_price_drop", "series": {"provider": "aliyun"}},
                          headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    html = guarded.get("/alerts?lang=zh").text
    assert f"<td>待定 · 已静默 #{answer.json()['id']}</td>" in html and "<td>触发</td>" in html


def test_the_en_alerts_page_names_states_in_english(guarded: TestClient) -> None:
    html = guarded.get("/alerts?lang=en").text
    assert "<td>firing</td>" in html and "pending → firing" in html and "<td>notified</td>" in html


def test_the_zh_sources_and_runs_pages_name_health_status_and_trigger_in_chinese(guarded: TestClient) -> None:
    sources = guarded.get("/sources?lang=zh").text
    assert "<td>失败</td>" in sources and "<td>正常</td>" in sources and "<td>成功</td>" in sources
    runs = guarded.get("/sources/tencent_gpu?lang=zh").text
    assert "<td>定时</td>" in runs and "<td>失败</td>" in runs and "<td>schedule</td>" not in runs


def test_a_download_keeps_the_codes_not_the_words(guarded: TestClient) -> None:
    body = guarded.get("/sources/tencent_gpu?lang=zh&format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert {(r[2], r[3]) for r in rows} >= {("schedule", "failed")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_enum_value_has_a_word_in_each_language(language: str) -> None:
    for kind, value in VALUES:
        assert value_label(kind, value, language).strip()
    for state in ("ok", "failing", "stale", "never", "disabled"):
        assert value_label("health", state, language) == labels_for(language)[f"state_{state}"]


def test_an_unknown_value_is_shown_as_it_is() -> None:
    assert value_label("run_status", "exploded", "zh") == "exploded"
    assert value_label("trigger", None, "en") == "—"


def test_the_zh_sources_page_says_the_schedule_in_chinese(guarded: TestClient) -> None:
    zh, en = guarded.get("/sources?lang=zh").text, guarded.get("/sources?lang=en").text

    assert "<td>每 " in zh and "<td>every " not in zh
    assert "<td>every " in en
