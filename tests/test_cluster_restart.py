"""PostgreSQL restarted under a running cluster: the crawl in flight ends recorded, nothing half-written, slots go on.

A real scheduler and a real worker (processes) crawl Azure every 10 s, its first page held back 3 s by the replay
server; the server is restarted with `pg_ctl restart -m fast` (every connection cut) while a crawl waits for it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor.replay import ReplayServer, Route, case_reply, fixture_routes
from storage.models import CrawlRun
from tests.conftest import PostgresCluster
from tests.crawl_support import AZURE_PATH, count_offers, migrated, runs, write_config
from tests.test_cluster import start, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def slow_azure() -> list[Route]:
    routes = fixture_routes({"azure_gpu": ["gpu_two_pages_page1", "gpu_two_pages_page2"]})
    routes[0].replies = [case_reply("azure_gpu", "gpu_two_pages_page1", delay_s=3.0)]
    return routes


def safe_runs(engine: Engine) -> list[CrawlRun]:
    try:
        return runs(engine)
    except SQLAlchemyError:  # the server is restarting
        return []


Outcome = tuple[list[CrawlRun], int, datetime, dict[str, Any]]

#: (how long the server stays down, how the crawl in flight ends): a quick restart is over before the held-back
#: answer comes, so the crawl's writes reconnect and it succeeds; 8 s down, its writes find no server and it fails
#: outage -> (seconds down, the terminal states the run in flight may end in). Down 8 s, the crawl's writes fail
#: ("failed"), or its worker's heartbeats lapse first and the run is closed and its job retried ("aborted").
OUTAGES = {"restart": (0.0, ("succeeded", "failed")), "down-8s": (8.0, ("failed", "aborted"))}


@pytest.fixture(params=list(OUTAGES))
def restarted_run(request: pytest.FixtureRequest, postgres: PostgresCluster, tmp_path: Path) -> Iterator[Outcome]:
    url = postgres.new_database()
    engine = migrated(url)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with ReplayServer(slow_azure()) as server:
        section = {"every": "10s", "endpoint": server.url + AZURE_PATH}
        config = write_config(tmp_path, url, {"azure_gpu": section}, daemon={"misfire_grace": "1m"})
        try:
            procs["scheduler"] = start(config, tmp_path / "scheduler.log", "run", "--role", "scheduler")
            procs["worker"] = start(config, tmp_path / "worker.log", "worker", "--concurrency", "1")
            wait_for(lambda: any(r.status == "succeeded" for r in runs(engine)), 240, "a first successful run")
            offers_of_one_run = count_offers(engine)
            wait_for(lambda: any(r.status == "running" for r in runs(engine)), 60, "a crawl in flight")
            time.sleep(0.5)  # its first request is out, the answer held back
            [in_flight] = [r.id for r in runs(engine) if r.status == "running"]
            postgres.restart(OUTAGES[request.param][0])
            restarted_at = datetime.now(UTC)
            wait_for(
                lambda: any(r.status == "succeeded" and r.started_at > restarted_at for r in safe_runs(engine)),
                120, "a run after the restart",
            )  # fmt: skip
            wait_for(
                lambda: any(r.id == in_flight and r.status != "running" for r in safe_runs(engine)),
                60, "the run in flight to be closed",
            )  # fmt: skip
            alive = {name: proc.poll() is None for name, proc in procs.items()}
            for proc in procs.values():
                proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                proc.wait(60)
        except BaseException:
            for name in procs:
                print(f"--- {name}\n" + (tmp_path / f"{name}.log").read_text(errors="replace")[-6000:])
            raise
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
    yield runs(engine), in_flight, restarted_at, {
        "alive": alive, "offers": count_offers(engine), "offers_of_one_run": offers_of_one_run,
        "expected": OUTAGES[request.param][1],
    }  # fmt: skip


DATABASE_DOWN = re.compile(
    r"cannot connect to database|connection (?:failed|refused|is closed)|server closed the connection|"
    r"terminating connection|OperationalError|the database is starting up|shutting down",
    re.IGNORECASE,
)


def test_a_restart_of_postgresql_fails_the_run_in_flight_and_later_slots_run(
    restarted_run: Outcome,
) -> None:
    every, in_flight, restarted_at, seen = restarted_run
    [run] = [r for r in every if r.id == in_flight]

    assert seen["alive"] == {"scheduler": True, "worker": True}, "both reconnected instead of dying"
    assert run.status in seen["expected"], (run.status, run.error)
    assert run.finished_at is not None
    if run.status == "failed":
        # the database's own refusal, as the crawl or the worker met it — never a log line announcing a traceback
        assert run.error is not None and DATABASE_DOWN.search(run.error), run.error
    if run.status == "aborted":
        assert run.error is not None and "stopped beating" in run.error, run.error
    assert seen["offers"] == seen["offers_of_one_run"], "no duplicate, no half-written rows"
    assert all(r.status != "running" for r in every)
    assert any(r.status == "succeeded" and r.started_at > restarted_at for r in every)
