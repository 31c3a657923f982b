"""/healthz and /readyz, and the pages when the database is down: a 503 that says so, never a traceback."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from core.config import load_config
from monitor.web.app import create_app
from storage.db import create_db_engine
from tests.crawl_support import migrated, write_config
from tests.web_support import KINDS, fixture_app


def test_healthz_and_readyz_answer_ok_on_a_reachable_migrated_store(tmp_path: Path, sqlite_url: str) -> None:
    app, _, _ = fixture_app(tmp_path, sqlite_url)
    client = TestClient(app)
    assert (client.get("/healthz").status_code, client.get("/healthz").json()["database"]) == (200, "ok")
    assert client.get("/readyz").json() == {"status": "ready"}


def _down(tmp_path: Path) -> TestClient:
    """An app whose PostgreSQL server is not there (nothing listens on 127.0.0.1:9): every connection fails."""
    url = "postgresql+psycopg://aipulse@127.0.0.1:9/aipulse?connect_timeout=2"
    config = load_config(write_config(tmp_path, url, {"azure_gpu": {"every": "1h"}}))
    return TestClient(create_app(config, create_db_engine(url), KINDS), raise_server_exceptions=False)


def test_healthz_fails_when_the_database_is_down(tmp_path: Path) -> None:
    answer = _down(tmp_path).get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"


def test_a_page_says_the_database_is_unavailable_with_a_503(tmp_path: Path) -> None:
    answer = _down(tmp_path).get("/gpu?lang=en")
    assert answer.status_code == 503
    assert "the database is unavailable" in answer.text
    assert "Traceback" not in answer.text and "sqlite3" not in answer.text


def test_metrics_answer_503_when_the_database_is_down(tmp_path: Path) -> None:
    assert _down(tmp_path).get("/metrics").status_code == 503


def test_readyz_fails_on_a_store_that_was_never_migrated(tmp_path: Path, sqlite_url: str) -> None:
    config = load_config(write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h"}}))
    client = TestClient(create_app(config, create_db_engine(sqlite_url), KINDS))
    assert client.get("/healthz").status_code == 200
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert "not migrated" in answer.json()["reason"]


def test_readyz_is_ready_on_an_empty_migrated_store(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    config = load_config(write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h"}}))
    assert TestClient(create_app(config, engine, KINDS)).get("/readyz").status_code == 200
