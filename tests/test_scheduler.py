"""The daemon's schedule: explicit job defaults, triggers from config, market-hours gating of quote sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.config import AppConfig, load_config
from monitor.crawling import CrawlRunner
from monitor.scheduler import build_scheduler, market_open_for
from tests.crawl_support import migrated, write_config

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _config(tmp_path: Path, url: str) -> AppConfig:
    sections = {
        "azure_gpu": {"every": "6h", "jitter": "5m"},
        "tencent_quotes": {"cron": "*/5 9-16 * * 1-5", "timezone": "Asia/Shanghai", "market_hours": True,
                           "args": {"symbols": "600519.SH"}},
        "aws_gpu": {"enabled": False},
    }  # fmt: skip
    path = write_config(tmp_path, url, sections)
    text = path.read_text(encoding="utf-8") + "\n[quotes]\nholidays = [2026-10-01]\n"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_jobs_never_overlap_coalesce_and_keep_a_real_misfire_grace(tmp_path: Path, sqlite_url: str) -> None:
    config = _config(tmp_path, sqlite_url)
    scheduler = build_scheduler(config, CrawlRunner(config, migrated(sqlite_url)))
    scheduler.start(paused=True)  # job defaults are applied when the scheduler takes the jobs
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    expected = {"azure_gpu", "tencent_quotes", "alerts", "report", "report_catch_up", "housekeeping"}
    assert set(jobs) == expected, "disabled: no job"
    assert jobs.pop("housekeeping").executor == "housekeeping", "run outcomes are written even while crawls queue"
    assert jobs.pop("alerts").executor == "alerts", "alert delivery never waits behind crawls"
    report = jobs.pop("report")
    assert report.executor == "report", "the weekly report never waits behind crawls"
    assert report.misfire_grace_time is None, "a late report is made late, not dropped"
    assert str(report.trigger) == "cron[month='*', day='*', day_of_week='mon', hour='8', minute='0']"
    assert str(report.trigger.timezone) == "Asia/Shanghai"
    catch_up = jobs.pop("report_catch_up")
    assert catch_up.executor == "report" and catch_up.trigger.interval.total_seconds() == 3600
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 900)
    assert jobs["azure_gpu"].trigger.interval.total_seconds() == 6 * 3600
    assert jobs["azure_gpu"].trigger.jitter == 300
    assert str(jobs["tencent_quotes"].trigger.timezone) == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("local", "due"),
    [
        (datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI), True),  # Wednesday morning session
        (datetime(2026, 11, 25, 12, 0, tzinfo=SHANGHAI), False),  # lunch break
        (datetime(2026, 11, 25, 15, 10, tzinfo=SHANGHAI), True),  # one snapshot just after the close
        (datetime(2026, 11, 25, 16, 30, tzinfo=SHANGHAI), False),
        (datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), False),  # Saturday
        (datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI), False),  # configured holiday
    ],
)
def test_quote_source_runs_only_around_its_market_sessions(
    tmp_path: Path, sqlite_url: str, local: datetime, due: bool
) -> None:
    config = _config(tmp_path, sqlite_url)
    at = local.astimezone(UTC)
    assert market_open_for(config, "tencent_quotes", at) is due
