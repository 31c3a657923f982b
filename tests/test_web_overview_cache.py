"""The Overview is kept per data version: a new run shows on the next view, and the warmer rebuilds it unasked."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from starlette.testclient import TestClient

from monitor.web.pages_overview import OverviewWarmer
from storage.db import session_factory
from storage.runs import finish_run, start_run
from tests.web_support import fixture_app


def _fail_a_run(engine: Engine, source: str) -> None:
    now = datetime.now(UTC)
    with session_factory(engine).begin() as session:
        run = start_run(session, source, "manual", now, None)
        finish_run(session, run.id, status="failed", finished_at=now, error="HTTP 502 from the gateway")


def test_a_run_after_a_view_shows_on_the_next_view(tmp_path: Path, sqlite_url: str) -> None:
    app, _, engine = fixture_app(tmp_path, sqlite_url)
    client = TestClient(app)
    assert "azure_gpu" not in client.get("/").text.split('id="problems"')[1]
    for _ in range(3):
        _fail_a_run(engine, "azure_gpu")
    assert "HTTP 502 from the gateway" in client.get("/").text.split('id="problems"')[1]


def test_the_warmer_rebuilds_the_overview_when_the_store_changes(tmp_path: Path, sqlite_url: str) -> None:
    app, _, engine = fixture_app(tmp_path, sqlite_url)
    state = app.state.web
    warmer = OverviewWarmer(state, every_s=0.05)
    warmer.start()
    try:
        deadline = time.monotonic() + 20
        while "overview" not in state.results and time.monotonic() < deadline:
            time.sleep(0.05)
        first = state.results["overview"]
        for _ in range(3):
            _fail_a_run(engine, "azure_gpu")
        while state.results["overview"] is first and time.monotonic() < deadline:
            time.sleep(0.05)
        problems = [h.source for h in state.results["overview"][1].problems]
    finally:
        warmer.stop()
    assert "azure_gpu" in problems
