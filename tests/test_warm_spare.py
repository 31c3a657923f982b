"""The warm spare crawl process: a run through it is the cold crawl, and whatever is wrong with it is a cold start."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.crawl_process import process_alive
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route
from monitor.warm_spare import Spare, WarmSpare
from spiders.scrapy_warm import READY
from tests.crawl_support import (
    AZURE_PATH,
    FAST_SETTINGS,
    ROOT,
    azure_config,
    azure_routes,
    migrated,
    runs,
    warm_spares,
)

pytestmark = pytest.mark.slow

READY_TIMEOUT_S = 120


def _start_spare(cwd: Path) -> subprocess.Popen[str]:
    spare = subprocess.Popen(
        [sys.executable, "-m", "spiders.scrapy_warm"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert spare.stdout is not None
    assert spare.stdout.readline().rstrip("\n") == READY
    return spare


def _through_spare(argv: list[str], cwd: Path) -> tuple[int, str]:
    spare = _start_spare(ROOT)  # started elsewhere: the job says where it runs
    output, _ = spare.communicate(json.dumps({"argv": argv, "env": dict(os.environ), "cwd": str(cwd)}) + "\n", 120)
    return spare.returncode, output


def _cold(argv: list[str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "scrapy", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def _offers(path: Path) -> list[tuple[Any, ...]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted((r["instance_type"], r["region"], r["billing"], r["price"]) for r in rows)


def test_a_spare_given_a_crawl_writes_what_the_cold_crawl_writes_and_exits_alike(tmp_path: Path) -> None:
    (tmp_path / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text(encoding="utf-8"), encoding="utf-8")
    fast = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    with ReplayServer(azure_routes()) as server:
        crawl = ["crawl", "azure_gpu", "-a", f"endpoint={server.url}{AZURE_PATH}", *fast, "-O"]
        cold_code, _ = _cold([*crawl, "cold.jsonl"], tmp_path)
        warm_code, _ = _through_spare([*crawl, "warm.jsonl"], tmp_path)  # relative: written in the job's directory

    assert (warm_code, cold_code) == (0, 0)
    assert _offers(tmp_path / "warm.jsonl") == _offers(tmp_path / "cold.jsonl")
    assert len(_offers(tmp_path / "warm.jsonl")) == 4


def test_a_spare_given_a_failing_command_fails_with_the_cold_exit_code_and_message(tmp_path: Path) -> None:
    (tmp_path / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text(encoding="utf-8"), encoding="utf-8")
    for argv in (["crawl", "no_such_source"], ["no_such_command"]):
        cold_code, cold_output = _cold(argv, tmp_path)
        warm_code, warm_output = _through_spare(argv, tmp_path)

        assert warm_code == cold_code != 0
        assert warm_output.strip().splitlines()[-1] == cold_output.strip().splitlines()[-1]


PROBE_SPIDER = """
import json, os, sys, time
import scrapy

class Probe(scrapy.Spider):
    name = "probe"

    async def start(self):
        seen = {"probe": os.environ.get("AIPULSE_PROBE"), "cwd": os.getcwd(), "zone": time.strftime("%Z"),
                "argv": sys.argv[1:], "stdin": sys.stdin.read()}
        with open("probe.json", "w") as out:
            json.dump(seen, out)
        return
        yield
"""


def test_the_crawl_runs_in_the_jobs_environment_directory_and_command_line(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(PROBE_SPIDER, encoding="utf-8")
    env = {**os.environ, "AIPULSE_PROBE": "from the job", "TZ": "Asia/Shanghai"}
    spare = _start_spare(ROOT)
    job = {"argv": ["runspider", "probe.py", "-s", "LOG_LEVEL=ERROR"], "env": env, "cwd": str(tmp_path)}
    spare.communicate(json.dumps(job) + "\n", 120)

    seen = json.loads((tmp_path / "probe.json").read_text(encoding="utf-8"))
    assert (spare.returncode, seen) == (0, {"probe": "from the job", "cwd": str(tmp_path), "zone": "CST",
                                           "argv": job["argv"], "stdin": ""})  # fmt: skip


def test_a_spare_whose_pipe_closes_before_a_job_exits_quietly() -> None:
    spare = _start_spare(ROOT)
    output, _ = spare.communicate("", 30)
    assert (spare.returncode, output) == (0, "")


# --- the runner's spare ---------------------------------------------------------------------------------------


@contextmanager
def warm_runner(tmp_path: Path, db_name: str, server: ReplayServer, **options: Any) -> Iterator[CrawlRunner]:
    """A runner keeping a spare (stopped at the end), on its own SQLite database, azure_gpu on `server`."""
    url = f"sqlite:///{tmp_path / db_name}"
    migrated(url).dispose()
    runner = CrawlRunner(azure_config(tmp_path, url, server.url), migrated(url), **options)
    runner.keep_warm()
    try:
        yield runner
    finally:
        runner.stop(5)


def ready_spare(runner: CrawlRunner) -> Spare:
    assert runner.spare is not None
    spare = runner.spare.wait_ready(READY_TIMEOUT_S)
    assert spare is not None, "no spare became ready"
    return spare


def recorded(result: CrawlResult) -> tuple[Any, ...]:
    return (result.status, result.items_stored, result.items_unchanged, result.items_dropped, result.error,
            result.details)  # fmt: skip


def last_pid(runner: CrawlRunner) -> int | None:
    return runs(runner.engine)[-1].pid


@pytest.mark.parametrize(
    "routes",
    [azure_routes(), [Route(AZURE_PATH, [Reply(b"oops", status=503)])]],
    ids=["two_pages", "server_error"],
)
def test_a_run_through_the_spare_records_what_a_cold_run_records(tmp_path: Path, routes: list[Route]) -> None:
    with ReplayServer(routes) as server:
        cold = CrawlRunner(azure_config(tmp_path, f"sqlite:///{tmp_path / 'cold.db'}", server.url),
                           migrated(f"sqlite:///{tmp_path / 'cold.db'}")).run("azure_gpu", "schedule")  # fmt: skip
        with warm_runner(tmp_path, "warm.db", server) as runner:
            spare = ready_spare(runner)
            warm = runner.run("azure_gpu", "schedule")

            assert last_pid(runner) == spare.process.pid
    assert recorded(warm) == recorded(cold)
    assert warm.status == ("succeeded" if len(routes) == 2 else "failed")


def test_after_a_run_takes_the_spare_the_next_one_is_started(tmp_path: Path) -> None:
    with ReplayServer(azure_routes()) as server, warm_runner(tmp_path, "warm.db", server) as runner:
        first = ready_spare(runner)
        runner.run("azure_gpu", "schedule")
        second = ready_spare(runner)
        result = runner.run("azure_gpu", "schedule")

        assert second.process.pid != first.process.pid
        assert (last_pid(runner), result.status, result.items_unchanged) == (second.process.pid, "succeeded", 4)


def test_a_spare_killed_before_use_is_a_cold_start_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with ReplayServer(azure_routes()) as server, warm_runner(tmp_path, "warm.db", server) as runner:
        spare = ready_spare(runner)
        os.kill(spare.process.pid, signal.SIGKILL)
        spare.process.wait(10)
        result = runner.run("azure_gpu", "schedule")

        assert (result.status, result.items_stored) == ("succeeded", 4)
        assert last_pid(runner) not in (None, spare.process.pid)
    assert f"the warm spare (pid {spare.process.pid}) died before use (exit -9): cold start" in caplog.text


def test_a_run_in_another_interpreter_environment_starts_cold_and_replaces_the_spare(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    with ReplayServer(azure_routes()) as server, warm_runner(tmp_path, "warm.db", server) as runner:
        stale = ready_spare(runner)
        monkeypatch.setenv("PYTHONHASHSEED", "17")
        result = runner.run("azure_gpu", "schedule")

        assert (result.status, last_pid(runner) != stale.process.pid) == ("succeeded", True)
        assert stale.process.poll() is not None, "the stale spare is stopped"
        fresh = ready_spare(runner)
        assert fresh.startup_env["PYTHONHASHSEED"] == "17"
        runner.run("azure_gpu", "schedule")
        assert last_pid(runner) == fresh.process.pid
    assert "the warm spare started with another PYTHONHASHSEED: cold start" in caplog.text


def test_a_runs_time_limit_counts_from_its_start_not_from_the_spares(tmp_path: Path) -> None:
    limit = timedelta(seconds=6)
    with ReplayServer(azure_routes()) as server, warm_runner(tmp_path, "warm.db", server, timeout=limit) as runner:
        spare = ready_spare(runner)
        time.sleep(limit.total_seconds() + 1)
        result = runner.run("azure_gpu", "schedule")

        assert (last_pid(runner), result.status, result.items_stored) == (spare.process.pid, "succeeded", 4)


def test_spares_outlive_the_threads_that_asked_for_them_and_ran_with_them(tmp_path: Path) -> None:
    # PR_SET_PDEATHSIG fires when the forking *thread* ends: a spare forked by one of these would get SIGHUP
    with ReplayServer(azure_routes()) as server:
        url = f"sqlite:///{tmp_path / 'warm.db'}"
        runner = CrawlRunner(azure_config(tmp_path, url, server.url), migrated(url))
        try:
            asking = threading.Thread(target=runner.keep_warm)
            asking.start()
            asking.join()
            first = ready_spare(runner)
            results: list[CrawlResult] = []
            running = threading.Thread(target=lambda: results.append(runner.run("azure_gpu", "schedule")))
            running.start()
            running.join()
            second = ready_spare(runner)
            time.sleep(1)

            assert (results[0].status, last_pid(runner)) == ("succeeded", first.process.pid)
            assert second.process.poll() is None
            assert runner.run("azure_gpu", "schedule").status == "succeeded"
            assert last_pid(runner) == second.process.pid
        finally:
            runner.stop(5)


@pytest.mark.parametrize(
    ("environment", "ready_timeout_s", "why"),
    [({"PYTHONHOME": "/nowhere"}, 120.0, "ModuleNotFoundError"), ({}, 0.2, "exit -9")],
    ids=["interpreter_fails", "not_ready_in_time"],
)
def test_a_spare_that_never_becomes_ready_is_logged_and_the_run_starts_cold(
    caplog: pytest.LogCaptureFixture, environment: dict[str, str], ready_timeout_s: float, why: str
) -> None:
    caplog.set_level(logging.INFO)
    spare = WarmSpare(lambda: {**os.environ, **environment}, ready_timeout_s=ready_timeout_s)
    spare.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "did not become ready" not in caplog.text:
            time.sleep(0.05)
        taken = spare.take(["crawl", "azure_gpu"], dict(os.environ), str(Path.cwd()), logging.getLogger("t"), 7)
    finally:
        spare.close()

    assert taken is None
    assert "the warm spare crawl process" in caplog.text and why in caplog.text
    assert "run 7: no warm spare ready: cold start" in caplog.text
    assert not warm_spares(os.getpid())


def test_stop_leaves_no_spare_process_alive(tmp_path: Path) -> None:
    with ReplayServer(azure_routes()) as server, warm_runner(tmp_path, "warm.db", server) as runner:
        spare = ready_spare(runner)
        runner.stop(5)

        assert not process_alive(spare.process.pid)
        assert runner.spare is not None and runner.spare.ready is None
        assert not any(t.name == "warm spare" and t.is_alive() for t in threading.enumerate())


def test_stop_while_a_spare_is_still_starting_leaves_none_alive(tmp_path: Path) -> None:
    with ReplayServer(azure_routes()) as server, warm_runner(tmp_path, "warm.db", server) as runner:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not warm_spares(os.getpid()):
            time.sleep(0.01)
        starting = warm_spares(os.getpid())
        runner.stop(5)

        assert starting, "a spare was being started"
        assert not [pid for pid in starting if process_alive(pid)]
