"""The notifier down, then up: concurrent `aipulse alerts flush` processes on one PostgreSQL send each row once.

Every flushing process claims due rows with a conditional UPDATE under a lease, so two processes never send the
same row; a failed send is recorded and retried after the backoff, not lost.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import load_config
from storage.alert_models import OutboxNotification
from storage.db import session_factory
from tests.conftest import PostgresCluster
from tests.crawl_support import migrated, write_config
from tests.test_alerts_support import HttpReceiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 40
FLUSHERS = 3
DELIVERY = """
[alerts.targets]
ops = ["{hook}"]

[alerts.delivery]
retry_base = "1s"
retry_max = "1s"
batch = 4
timeout = "5s"
"""


def flush_at_once(config: Path) -> list[int]:
    """Start FLUSHERS `aipulse alerts flush` processes together; how many rows each one sent."""
    command = [sys.executable, "-m", "monitor", "--config", str(config), "alerts", "flush"]
    procs = [subprocess.Popen(command, cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for _ in range(FLUSHERS)]  # fmt: skip
    outputs = [proc.communicate(timeout=120)[0].decode(errors="replace") for proc in procs]
    return [int(m.group(1)) if (m := re.search(r"(\d+) sent,", out)) else -1 for out in outputs]


def test_notifications_queued_while_the_notifier_was_down_are_each_delivered_once(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    url = postgres.new_database()
    sessions = session_factory(migrated(url))
    hook = HttpReceiver()  # not started: its port refuses connections, as a notifier that is down
    path = write_config(tmp_path, url, {"azure_gpu": {"every": "1h"}})
    path.write_text(path.read_text(encoding="utf-8") + DELIVERY.format(hook=hook.url()), encoding="utf-8")
    destination = load_config(path).alerts.targets["ops"][0]
    now = datetime.now(UTC)
    with sessions.begin() as session:
        session.add_all(
            OutboxNotification(target="ops", destination=destination, level="info", title=f"n-{n:02d}", body="b",
                               status="pending", created_at=now, next_attempt_at=now, attempts=0)
            for n in range(MESSAGES)
        )  # fmt: skip

    down = flush_at_once(path)
    with sessions() as session:
        attempted = [r.attempts for r in session.scalars(select(OutboxNotification))]
    hook.start()
    passes: list[list[int]] = []
    try:
        for _ in range(15):
            time.sleep(1.1)  # the backoff of the failed rows
            passes.append(flush_at_once(path))
            with sessions() as session:
                if all(r.status == "sent" for r in session.scalars(select(OutboxNotification))):
                    break
    finally:
        hook.stop()

    assert down == [0] * FLUSHERS and max(attempted) >= 1, "nothing sent while down, the failures recorded"
    received = Counter(m.title for m in hook.messages)
    assert set(received) == {f"n-{n:02d}" for n in range(MESSAGES)}
    assert set(received.values()) == {1}, [t for t, c in received.items() if c > 1]
    assert any(sum(1 for sent in flushed if sent > 0) >= 2 for flushed in passes), passes
