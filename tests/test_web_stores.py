"""The dashboard reads SQLite and PostgreSQL alike: every page and /metrics over the fixture store on both."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.web_support import fixture_app

PAGES = ["/", "/gpu", "/traffic", "/funding?since=3650d", "/quotes", "/market", "/alerts", "/sources",
         "/sources/tencent_gpu", "/reports"]  # fmt: skip


def test_every_page_and_the_metrics_answer_on_either_database(tmp_path: Path, db_url: str) -> None:
    app, _, engine = fixture_app(tmp_path, db_url)
    client = TestClient(app)
    try:
        for path in PAGES:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
        assert "A100-80G" in client.get("/").text
        families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
        runs = {(s.labels["source"], s.labels["status"]): s.value for s in families["aipulse_crawl_runs"].samples}
        assert runs[("tencent_gpu", "failed")] == 3
        # every fixture run took 5 s: counted in the database on either dialect
        buckets = {s.labels["le"]: s.value for s in families["aipulse_crawl_run_duration_seconds"].samples
                   if s.labels.get("source") == "tencent_gpu" and s.name.endswith("_bucket")}  # fmt: skip
        assert (buckets["1.0"], buckets["15.0"], buckets["+Inf"]) == (0, 4, 4)
    finally:
        engine.dispose()
