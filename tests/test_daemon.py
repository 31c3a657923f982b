"""`aipulse run` as a real process: schedules, records runs, survives failures, stops cleanly, recovers from SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.crawl_process import process_alive
from monitor.replay import ReplayServer, Reply, Route, case_reply
from storage.models import CrawlRun
from tests.crawl_support import (
    AZURE_PATH,
    azure_page,
    azure_routes,
    count_offers,
    migrated,
    runs,
    warm_spares,
    write_config,
)

pytestmark = pytest.mark.slow


@contextmanager
def daemon(config: Path, cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """`aipulse --config CONFIG run` in the background; killed at the end if still alive."""
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"daemon exited ({process.returncode}) before {what}:\n{output[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s}s waiting for {what}")


def finished(engine: Engine, status: str | None = None) -> list[CrawlRun]:
    return [r for r in runs(engine) if r.status != "running" and (status is None or r.status == status)]


def stop(
    process: subprocess.Popen[str], sig: signal.Signals = signal.SIGTERM, timeout_s: float = 30
) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=timeout_s)
    return process.returncode, output


def test_daemon_runs_on_its_cadence_and_stops_cleanly_on_sigterm(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer(azure_routes()) as server:
        config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "2s", "endpoint": server.url + AZURE_PATH}})
        with daemon(config, tmp_path) as process:
            wait_for(lambda: len(finished(engine, "succeeded")) >= 2, 90, "two successful runs", process)
            started = time.monotonic()
            code, output = stop(process)
    assert code == 0, output[-3000:]
    assert time.monotonic() - started < 30
    assert all(run.status != "running" for run in runs(engine))
    assert all(run.trigger == "schedule" for run in runs(engine))
    assert count_offers(engine) == 4, "repeated runs confirm stored facts instead of duplicating them"
    assert "stopped" in output


def test_the_daemons_runs_take_its_warm_spare_and_the_spare_dies_with_a_killed_daemon(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer(azure_routes()) as server:
        config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "2s", "endpoint": server.url + AZURE_PATH}})
        with daemon(config, tmp_path) as process:
            spares: set[int] = set()

            def a_run_took_a_spare() -> bool:
                spares.update(warm_spares(process.pid))
                return any(run.pid in spares for run in finished(engine, "succeeded"))

            wait_for(a_run_took_a_spare, 90, "a successful run through a warm spare", process)
            wait_for(lambda: bool(warm_spares(process.pid)), 30, "the next warm spare", process)
            waiting = warm_spares(process.pid)
            process.kill()  # SIGKILL: the kernel's SIGHUP (PR_SET_PDEATHSIG) or the closed pipe ends the spare
            process.wait(10)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(process_alive(pid) for pid in waiting):
                time.sleep(0.1)
    assert not [pid for pid in waiting if process_alive(pid)], "a warm spare outlived its daemon"


def test_daemon_keeps_its_schedule_when_the_source_fails(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer([Route(AZURE_PATH, [Reply(b"down", status=500)])]) as server:
        config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "2s", "endpoint": server.url + AZURE_PATH}})
        with daemon(config, tmp_path) as process:
            wait_for(lambda: len(finished(engine, "failed")) >= 2, 90, "two failed runs", process)
            assert process.poll() is None, "the daemon must stay up when a source fails"
            code, _ = stop(process)
    assert code == 0
    assert all("HTTP 500" in (run.error or "") for run in finished(engine))


def test_unreachable_live_source_is_a_failed_run_with_a_clear_error(tmp_path: Path, sqlite_url: str) -> None:
    # The bundled schedule with no endpoint override: the live host is unreachable here (network guard).
    engine = migrated(sqlite_url)
    config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "settings": {"RETRY_TIMES": 0}}})
    with daemon(config, tmp_path) as process:
        wait_for(lambda: len(finished(engine)) >= 1, 90, "the first run to end", process)
        assert process.poll() is None
        code, _ = stop(process)
    [run] = runs(engine)
    assert run.status == "failed"
    assert "prices.azure.com" in (run.error or "")
    assert code == 0


def test_sigkill_mid_crawl_leaves_no_stuck_run_and_no_duplicates_after_restart(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    slow_first_page = case_reply("azure_gpu", "gpu_two_pages_page1", delay_s=30)
    routes = [
        Route(AZURE_PATH, [slow_first_page, azure_page("gpu_two_pages_page1")], {"$skip": None}),
        Route(AZURE_PATH, [azure_page("gpu_two_pages_page2")], {"$skip": "1000"}),
    ]
    with ReplayServer(routes) as server:
        config = write_config(
            tmp_path,
            sqlite_url,
            {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH, "settings": {"DOWNLOAD_TIMEOUT": 60}}},
        )
        with daemon(config, tmp_path) as first:
            wait_for(lambda: any(r.pid for r in runs(engine)), 60, "a crawl in progress", first)
            [in_progress] = runs(engine)
            assert in_progress.status == "running"
            first.kill()  # SIGKILL: no clean-up in the daemon
            first.wait(10)
            assert in_progress.pid is not None
            try:
                os.kill(in_progress.pid, signal.SIGKILL)  # and the crawl dies with it, leaving its row behind
            except ProcessLookupError:
                pass
        with daemon(config, tmp_path) as second:
            wait_for(lambda: len(finished(engine, "succeeded")) >= 1, 90, "a successful run after restart", second)
            code, _ = stop(second)
    assert code == 0
    statuses = [run.status for run in runs(engine)]
    assert "running" not in statuses
    assert statuses[0] in ("aborted", "cancelled")
    assert count_offers(engine) == 4


def test_a_crawl_whose_daemon_was_killed_closes_its_own_run_as_aborted(tmp_path: Path, sqlite_url: str) -> None:
    # SIGKILL the daemon only: the kernel sends its crawl child SIGHUP (PR_SET_PDEATHSIG) once per exiting thread
    # of the daemon; the child stops gracefully once and closes its run itself, as aborted (the process that
    # asked for it is gone), not cancelled (a stop somebody asked for), and stores nothing of the half crawl
    engine = migrated(sqlite_url)
    slow_first_page = case_reply("azure_gpu", "gpu_two_pages_page1", delay_s=8.0)
    with ReplayServer([Route(AZURE_PATH, [slow_first_page], {"$skip": None})]) as server:
        config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH}})
        with daemon(config, tmp_path) as process:
            wait_for(lambda: bool(server.requests), 90, "the crawl's first request", process)
            process.kill()
            process.wait(10)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and runs(engine)[0].status == "running":
                time.sleep(0.2)
    [run] = runs(engine)
    assert (run.status, run.error) == ("aborted", "the daemon or worker that started it died mid-crawl")
    assert count_offers(engine) == 0


def test_a_crawl_through_the_warm_spare_whose_daemon_was_killed_closes_its_own_run_as_aborted(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    routes = [
        Route(AZURE_PATH, [case_reply("azure_gpu", "gpu_two_pages_page1", delay_s=6.0)], {"$skip": None}),
        Route(AZURE_PATH, [azure_page("gpu_two_pages_page2")], {"$skip": "1000"}),
    ]
    with ReplayServer(routes) as server:
        config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "2s", "endpoint": server.url + AZURE_PATH}})
        with daemon(config, tmp_path) as process:
            spares: set[int] = set()

            def a_spare_is_crawling() -> bool:  # the first run may start cold, before a spare is ready
                spares.update(warm_spares(process.pid))
                so_far = runs(engine)
                warm = [run for run in so_far if run.status == "running" and run.pid in spares]
                # one run at a time, two requests each: the one in flight has sent its first (killed before it,
                # the crawl has not installed its SIGHUP handler yet, as a cold one still importing)
                return bool(warm) and len(server.requests) >= 2 * len(so_far) - 1

            wait_for(a_spare_is_crawling, 120, "a run through a warm spare", process)
            [in_flight] = [run for run in runs(engine) if run.status == "running"]
            process.kill()
            process.wait(10)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and runs(engine)[-1].status == "running":
                time.sleep(0.2)
    run = runs(engine)[-1]
    assert (run.id, run.status, run.error) == (
        in_flight.id,
        "aborted",
        "the daemon or worker that started it died mid-crawl",
    )
