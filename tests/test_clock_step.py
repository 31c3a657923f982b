"""A wall clock stepped backwards (NTP, a VM restore) doubles no state and hides no price (issue 16.10)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

from core.cron import crontab_trigger
from monitor.cli import main
from monitor.clock_watch import ClockWatch
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from storage.db import session_factory
from storage.models import GpuOffer
from tests.crawl_support import AZURE_PATH, azure_config, migrated

SKU = "Standard_NC24ads_A100_v4"
RECORDED_PRICE = b'"retailPrice": 3.673,'
NEW_PRICE = b'"retailPrice": 4.2,'


def _pages(new_price: bool) -> list[Reply]:
    """The recorded two Azure pages; with `new_price`, the first offer of page 1 costs 4.2 instead of 3.673."""
    first = case_reply("azure_gpu", "gpu_two_pages_page1")
    if new_price:
        assert RECORDED_PRICE in first.body
        first = replace(first, body=first.body.replace(RECORDED_PRICE, NEW_PRICE, 1))
    return [first, case_reply("azure_gpu", "gpu_two_pages_page2")]


def _states(url: str) -> int:
    with session_factory(migrated(url))() as session:
        return int(session.scalar(select(func.count()).select_from(GpuOffer)) or 0)


@pytest.mark.slow
def test_three_runs_after_a_step_back_store_no_duplicate_state_and_show_gpu_has_the_new_price(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # The clock ran 3 hours ahead while the first run was stored, then NTP stepped it back by 2 hours.
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    stepped_back = ahead - timedelta(hours=2)
    engine = migrated(db_url)
    results = []
    for at, new_price in ((ahead, False), (stepped_back, True), (stepped_back + timedelta(minutes=10), True)):
        with ReplayServer([Route(AZURE_PATH, _pages(new_price))]) as server:
            config = azure_config(tmp_path, db_url, server.url)
            with caplog.at_level(logging.DEBUG):  # the crawl's own log lines are forwarded at debug level
                results.append(CrawlRunner(config, engine).run("azure_gpu", at=at))
    first, second, third = results
    assert [r.status for r in results] == ["succeeded"] * 3, [r.error for r in results]
    assert (second.items_stored, third.items_stored) == (1, 0), "the new price is one new state, stored once"
    assert _states(db_url) == first.items_stored + 1
    assert (second.details or {})["clock_behind_series"] == 1
    assert "1 changed offers were observed before their series' last time (did the clock step back?" in caplog.text

    assert main(["--config", str(config.path), "show", "gpu", "--json"]) == 0
    shown = [row for row in json.loads(capsys.readouterr().out) if row["instance_type"] == SKU]
    prices = [Decimal(str(row["price"])) for row in shown if (row["region"], row["billing"]) == ("eastus", "on_demand")]
    assert prices == [Decimal("4.2")]


def test_after_a_step_back_an_interval_job_runs_after_its_interval_not_the_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wall = [datetime(2026, 12, 3, 12, 0, tzinfo=UTC)]
    mono = [1000.0]
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(print, IntervalTrigger(minutes=10, timezone="UTC"), id="crawl", next_run_time=wall[0])
    report = crontab_trigger("0 8 * * 1", timezone="UTC")
    scheduler.add_job(print, report, id="report", next_run_time=datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    watch = ClockWatch(scheduler, wall=lambda: wall[0], monotonic=lambda: mono[0])
    interval_due = scheduler.get_job("crawl").next_run_time

    wall[0] -= timedelta(hours=1) - timedelta(seconds=1)  # one real second passed, the wall clock lost an hour
    mono[0] += 1
    with caplog.at_level(logging.WARNING, logger="monitor.clock_watch"):
        step = watch.check()

    assert step == -timedelta(hours=1)
    assert scheduler.get_job("crawl").next_run_time == interval_due - timedelta(hours=1)
    assert scheduler.get_job("report").next_run_time == datetime(2026, 12, 7, 8, 0, tzinfo=UTC), "cron keeps wall time"
    assert "stepped back by 1:00:00" in caplog.text


def test_ordinary_drift_moves_no_job() -> None:
    wall = [datetime(2026, 12, 3, 12, 0, tzinfo=UTC)]
    mono = [0.0]
    scheduler = BackgroundScheduler(timezone="UTC")
    job: Any = scheduler.add_job(print, IntervalTrigger(minutes=10, timezone="UTC"), id="crawl", next_run_time=wall[0])
    watch = ClockWatch(scheduler, wall=lambda: wall[0], monotonic=lambda: mono[0])
    wall[0] += timedelta(seconds=55)
    mono[0] += 60
    assert watch.check() is None
    assert scheduler.get_job("crawl").next_run_time == job.next_run_time
