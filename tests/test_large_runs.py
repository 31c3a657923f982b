"""A run of 20,000 series on SQLite and PostgreSQL; a run that cannot store records the real error (issue 16.9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from monitor.crawl_outcome import crawl_error
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from tests.crawl_support import AZURE_PATH, azure_config, azure_routes, count_offers, migrated, runs

pytestmark = pytest.mark.slow

SERIES = 20_000


def _azure_answer(regions: int) -> Reply:
    """One Azure answer listing the first recorded offer in `regions` regions (a series each), no next page."""
    recorded = json.loads(case_reply("azure_gpu", "gpu_two_pages_page1").body)
    template = recorded["Items"][0]
    items = [{**template, "armRegionName": f"region{i:05d}", "location": f"Region {i}"} for i in range(regions)]
    body = {**recorded, "Items": items, "NextPageLink": None, "Count": len(items)}
    return Reply(json.dumps(body).encode(), content_type="application/json; charset=utf-8")


def test_twenty_thousand_series_are_stored_by_one_run_and_seen_again_by_the_next(tmp_path: Path, db_url: str) -> None:
    engine = migrated(db_url)
    with ReplayServer([Route(AZURE_PATH, [_azure_answer(SERIES)])]) as server:
        runner = CrawlRunner(azure_config(tmp_path, db_url, server.url, timeout="10m"), engine)
        first = runner.run("azure_gpu")
        again = runner.run("azure_gpu")
    assert (first.status, first.items_stored) == ("succeeded", SERIES), first.error
    assert (again.status, again.items_stored, again.items_unchanged) == ("succeeded", 0, SERIES), again.error
    assert count_offers(engine) == SERIES


def _refuse_gpu_writes(db_url: str) -> None:
    """Make the database itself refuse the run's writes, as PostgreSQL did with "stack depth limit exceeded"."""
    engine = migrated(db_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'stack depth limit exceeded' USING ERRCODE = '54001'; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            connection.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON gpu_offers FOR EACH ROW EXECUTE FUNCTION refuse()")
            )
        else:
            connection.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON gpu_offers BEGIN "
                "SELECT RAISE(ABORT, 'stack depth limit exceeded'); END"
            ))  # fmt: skip


def test_a_run_the_database_refuses_records_the_database_error_not_a_stats_fragment(
    tmp_path: Path, db_url: str
) -> None:
    _refuse_gpu_writes(db_url)
    engine = migrated(db_url)
    with ReplayServer(azure_routes()) as server:
        result = CrawlRunner(azure_config(tmp_path, db_url, server.url), engine).run("azure_gpu")
    [run] = runs(engine)
    assert run.status == "failed"
    assert run.error is not None and "cannot store its 4 items" in run.error, run.error
    assert "stack depth limit exceeded" in run.error
    assert "log_count" not in run.error and "'" not in run.error.split(":", 1)[0]
    assert result.error == run.error
    assert count_offers(engine) == 0


def _tail(*lines: str) -> list[str]:
    return list(lines)


@pytest.mark.parametrize(
    ("tail", "error"),
    [
        (_tail("2026-12-03 12:00:00 [spiders.pipelines] ERROR: run 7 of azure_gpu: cannot store its 4 items: boom",
               "2026-12-03 12:00:00 [scrapy.statscollectors] INFO: Dumping Scrapy stats:",
               "{'aipulse/storage_error': 'boom',", " 'log_count/ERROR': 1,", " 'log_count/INFO': 9}"),
         "run 7 of azure_gpu: cannot store its 4 items: boom"),
        (_tail("Traceback (most recent call last):", '  File "x.py", line 1, in <module>',
               "psycopg.errors.StatementTooComplex: stack depth limit exceeded", " 'log_count/ERROR': 1,"),
         "psycopg.errors.StatementTooComplex: stack depth limit exceeded"),
        (_tail("2026-12-03 12:00:00 [spiders.pipelines] ERROR: run 7 of azure_gpu: cannot store its 4 items: boom",
               "2026-12-03 12:00:01 [asyncio] ERROR: Task exception was never retrieved",
               "Traceback (most recent call last):", '  File "x.py", line 1, in <module>',
               "storage.db.DatabaseError: cannot connect to database postgresql://…: connection refused"),
         "storage.db.DatabaseError: cannot connect to database postgresql://…: connection refused"),
        (_tail("2026-12-03 12:00:00 [spiders.pipelines] ERROR: run 7 of azure_gpu: cannot store its 4 items: boom",
               "2026-12-03 12:00:01 [asyncio] ERROR: Task exception was never retrieved"),
         "run 7 of azure_gpu: cannot store its 4 items: boom"),
        (_tail(), "no output"),
    ],
)  # fmt: skip
def test_the_error_read_from_a_crawl_log_is_the_logged_error_or_the_exception(tail: list[str], error: Any) -> None:
    assert crawl_error(tail) == error
