"""Source health beyond run status: a price file whose version has not moved for 90 days is flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.health import stale_price_files
from storage.db import session_factory
from storage.runs import finish_run, start_run
from tests.crawl_support import migrated

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def _aliyun_run(url: str, at: datetime, version: str) -> None:
    with session_factory(migrated(url)).begin() as session:
        run = start_run(session, "aliyun_gpu", "schedule", at, None)
        finish_run(session, run.id, status="succeeded", finished_at=at, details={"price_file_version": version})


def test_price_file_unchanged_for_90_days_is_flagged(sqlite_url: str) -> None:
    _aliyun_run(sqlite_url, NOW - timedelta(days=120), "2.0.200")
    _aliyun_run(sqlite_url, NOW - timedelta(days=95), "2.0.211")
    _aliyun_run(sqlite_url, NOW - timedelta(days=1), "2.0.211")
    with session_factory(migrated(sqlite_url))() as session:
        [warning] = stale_price_files(session, NOW)
    assert warning.startswith("aliyun_gpu: price file version 2.0.211 unchanged for 95 days")


def test_price_file_that_moved_recently_is_not_flagged(sqlite_url: str) -> None:
    _aliyun_run(sqlite_url, NOW - timedelta(days=200), "2.0.200")
    _aliyun_run(sqlite_url, NOW - timedelta(days=10), "2.0.211")
    with session_factory(migrated(sqlite_url))() as session:
        assert stale_price_files(session, NOW) == []
