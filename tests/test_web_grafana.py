"""deploy/grafana-dashboard.json: every metric its panels query is one /metrics exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.web_support import fixture_app

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana-dashboard.json"


def test_the_grafana_dashboard_queries_only_exported_metrics(tmp_path: Path, sqlite_url: str) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"aipulse_\w+", target["expr"])}  # fmt: skip
    app, _, _ = fixture_app(tmp_path, sqlite_url)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(print, "interval", hours=1, id="azure_gpu")
    scheduler.start(paused=True)
    try:
        app.state.web.scheduler = scheduler
        text = TestClient(app).get("/metrics").text
    finally:
        scheduler.shutdown(wait=False)
    families = list(text_string_to_metric_families(text))
    # a family without samples yet (no alert state stored) is still declared with its # TYPE line
    exported = {f.name for f in families} | {s.name for f in families for s in f.samples}
    assert queried and queried <= exported, sorted(queried - exported)
