"""A `cn` source without a `cn` worker: one failed run and one health alert after the grace, then the recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import load_config
from monitor.cluster_queue import ensure_queue_schema, fingerprint
from monitor.cluster_scheduler import ClusterScheduler
from monitor.cluster_worker import ClusterWorkerProcess
from monitor.replay import ReplayServer
from storage.db import session_factory
from tests.conftest import PostgresCluster
from tests.crawl_support import AZURE_PATH, azure_routes, migrated, runs, write_config
from tests.test_alerts_support import HttpReceiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HEALTH_RULE = """
[alerts]
language = "en"

[alerts.targets]
ops = ["{hook}"]

[[alerts.rules]]
name = "failing"
kind = "health"
check = "failing"
runs = 1
send_resolved = true
notify = ["ops"]
"""


def test_a_job_for_missing_tags_alerts_once_and_a_worker_with_them_recovers_it(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    url = postgres.new_database()
    engine = migrated(url)
    ensure_queue_schema(url)
    hook = HttpReceiver().start()
    try:
        with ReplayServer(azure_routes()) as server:
            section = {"every": "5s", "endpoint": server.url + AZURE_PATH, "tags": ["cn"]}
            path = write_config(tmp_path, url, {"azure_gpu": section}, daemon={"misfire_grace": "10s"})
            path.write_text(path.read_text(encoding="utf-8") + HEALTH_RULE.format(hook=hook.url()), encoding="utf-8")
            config = load_config(path)
            schedulers = [ClusterScheduler(config, session_factory(engine), url) for _ in range(2)]
            now = datetime.now(UTC)
            schedulers[0].defer("azure_gpu", now - timedelta(seconds=11))
            for scheduler in schedulers:  # both sweep: one wins the cancel
                scheduler.fail_waiting(now)
            cn_worker = ClusterWorkerProcess(config, engine, url, ["cn"], 1)
            outcome = cn_worker.crawl("azure_gpu", now.isoformat(), fingerprint(config))
    finally:
        hook.stop()
    assert outcome == "succeeded"
    assert [r.status for r in runs(engine)] == ["failed", "succeeded"]
    assert [r.worker_tags for r in runs(engine)] == [None, "cn"]
    titles = hook.titles()
    assert len(titles) == 2, titles
    assert titles[0].startswith("[HEALTH] azure_gpu: 1 failed runs in a row")
    assert titles[1].startswith("[RESOLVED]")
