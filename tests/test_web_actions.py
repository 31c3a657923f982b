"""The dashboard's actions: off without `[web] token`, 401 without the token in the header, done with it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from storage.alert_models import AlertSilence, OutboxNotification
from storage.db import session_factory
from tests.web_support import fixture_app

TOKEN = "web-token-7f3a9c1e5b"
WITH_TOKEN = '\n[web]\ntoken = "${AIPULSE_WEB_TOKEN}"\n'


def _silences(engine: Engine) -> list[AlertSilence]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(AlertSilence)))


@pytest.fixture
def guarded(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, Engine]:
    monkeypatch.setenv("AIPULSE_WEB_TOKEN", TOKEN)
    app, _, engine = fixture_app(tmp_path, sqlite_url, extra=WITH_TOKEN)
    return TestClient(app), engine


def test_without_a_token_configured_actions_are_off(tmp_path: Path, sqlite_url: str) -> None:
    app, _, engine = fixture_app(tmp_path, sqlite_url)
    answer = TestClient(app).post("/actions/silence", json={"rule": "gpu_price_drop"},
                                  headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert answer.status_code == 401
    assert "actions are off" in answer.json()["error"]
    assert _silences(engine) == []


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_a_silence_without_the_right_bearer_token_is_401_and_changes_nothing(
    guarded: tuple[TestClient, Engine], header: str | None
) -> None:
    client, engine = guarded
    headers = {"Authorization": header} if header else {}
    answer = client.post("/actions/silence", json={"rule": "gpu_price_drop"}, headers=headers)
    assert answer.status_code == 401
    assert _silences(engine) == []


def test_a_cookie_does_not_stand_in_for_the_header(guarded: tuple[TestClient, Engine]) -> None:
    client, engine = guarded
    client.cookies.set("token", TOKEN)
    assert client.post("/actions/silence", json={"rule": "gpu_price_drop"}).status_code == 401
    assert _silences(engine) == []


def test_a_silence_with_the_token_is_stored(guarded: tuple[TestClient, Engine]) -> None:
    client, engine = guarded
    answer = client.post("/actions/silence", json={"rule": "gpu_price_drop", "for": "3h", "comment": "known"},
                         headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert answer.status_code == 201
    [row] = _silences(engine)
    assert (row.id, row.rule, row.comment) == (answer.json()["id"], "gpu_price_drop", "known")
    assert round((row.ends_at - row.starts_at).total_seconds()) == 3 * 3600
    assert "gpu_price_drop" in client.get("/alerts").text.split("silences")[-1]


def test_a_silence_of_an_unknown_rule_is_404_and_stores_nothing(guarded: tuple[TestClient, Engine]) -> None:
    client, engine = guarded
    answer = client.post("/actions/silence", json={"rule": "nope"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 404
    assert _silences(engine) == []


def test_run_now_of_an_unknown_source_is_404(guarded: tuple[TestClient, Engine]) -> None:
    answer = guarded[0].post("/actions/run/nope", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 404


def test_a_test_notification_to_an_unknown_target_is_404_and_queues_nothing(guarded: tuple[TestClient, Engine]) -> None:
    client, engine = guarded
    answer = client.post("/actions/test-notification", json={"target": "ops"},
                         headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert answer.status_code == 404
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(OutboxNotification)) == 0


def test_the_token_is_never_shown_nor_logged(
    guarded: tuple[TestClient, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = guarded
    caplog.set_level(logging.DEBUG)
    pages = [client.get(path).text for path in ("/", "/alerts", "/sources", "/metrics")]
    client.post("/actions/silence", json={"rule": "gpu_price_drop"}, headers={"Authorization": f"Bearer {TOKEN}"})
    client.post("/actions/silence", json={"rule": "gpu_price_drop"}, headers={"Authorization": "Bearer x"})
    assert all(TOKEN not in text for text in pages)
    assert TOKEN not in caplog.text


@pytest.mark.slow
def test_run_now_with_the_token_runs_the_source_for_real(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import load_config
    from monitor.replay import ReplayServer
    from monitor.web.app import create_app
    from tests.crawl_support import AZURE_PATH, azure_routes, migrated, runs, write_config

    monkeypatch.setenv("AIPULSE_WEB_TOKEN", TOKEN)
    engine = migrated(sqlite_url)
    with ReplayServer(azure_routes()) as server:
        path = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH}})
        path.write_text(path.read_text(encoding="utf-8") + WITH_TOKEN, encoding="utf-8")
        app = create_app(load_config(path), engine, {"azure_gpu": "gpu"})
        answer = TestClient(app).post("/actions/run/azure_gpu", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 202
        for thread in app.state.web.background:
            thread.join(120)
    [run] = runs(engine)
    assert (run.source, run.trigger, run.status, run.items_stored) == ("azure_gpu", "web", "succeeded", 4)


def test_a_test_notification_with_the_token_reaches_the_target(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_alerts_support import HttpReceiver

    monkeypatch.setenv("AIPULSE_WEB_TOKEN", TOKEN)
    hook = HttpReceiver().start()
    try:
        targets = f'\n[alerts.targets]\nops = ["{hook.url()}"]\n'
        app, _, _ = fixture_app(tmp_path, sqlite_url, extra=WITH_TOKEN + targets)
        answer = TestClient(app).post("/actions/test-notification", json={"target": "ops"},
                                      headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    finally:
        hook.stop()
    assert answer.status_code == 202
    assert answer.json() == {"target": "ops", "queued": 1, "errors": 0}
    assert len(hook.titles()) == 1
