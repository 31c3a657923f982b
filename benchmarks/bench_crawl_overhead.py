"""Prints what one daemon run costs against a bare `scrapy crawl` of the same 2-page fixture, measured in turn.

The daemon's run is `CrawlRunner.run` (the crawl child with its settings passed as `-s`, storage on SQLite, the
run recorded and its alert rules evaluated). The references are fresh `scrapy crawl azure_gpu` processes against
the same replay server: `-O` with no database (the start-up benchmark's bare crawl), and one storing into the
same database through aipulse.toml. The daemon's run takes the warm spare crawl process `aipulse run` keeps
(`CrawlRunner.keep_warm`), ready as it is between scheduled runs: every measurement waits until the next spare
is ready, so its start-up falls on none of them; a cold start (`daemon.warm_spare = false`) is measured too.
Runs alternate so a neighbour's load falls on all alike; the figure is the ratio of the medians (issue 17:
≤ 1.2× the bare crawl).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import load_config  # noqa: E402
from monitor.crawling import CrawlRunner  # noqa: E402
from monitor.replay import ReplayServer  # noqa: E402
from tests.crawl_support import AZURE_PATH, FAST_SETTINGS, azure_routes, migrated, write_config  # noqa: E402

FAST = [arg for name, value in {**FAST_SETTINGS, "LOG_LEVEL": "WARNING"}.items() for arg in ("-s", f"{name}={value}")]


def _crawl(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "azure_gpu", *args, *FAST], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"scrapy crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed


def main(repeats: int) -> None:
    base_env = {k: v for k, v in os.environ.items() if k not in ("AIPULSE_CONFIG", "AIPULSE_DATABASE_URL")}
    base_env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as tmp_name, ReplayServer(azure_routes()) as server:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp}/bench.db"
        engine = migrated(url)
        endpoint = server.url + AZURE_PATH
        path = write_config(tmp, url, {"azure_gpu": {"every": "1h", "endpoint": endpoint}})
        os.environ["PYTHONPATH"] = str(ROOT)  # the crawl children of both runners start as the bare crawls do
        cold_runner = CrawlRunner(load_config(path), engine)
        runner = CrawlRunner(load_config(path), engine)
        runner.keep_warm()
        assert runner.spare is not None

        def settled() -> None:
            if runner.spare is None or runner.spare.wait_ready(120) is None:
                raise SystemExit("the warm spare did not become ready")

        stored_env = {**base_env, "AIPULSE_CONFIG": str(path)}
        daemon: list[float] = []
        cold: list[float] = []
        bare: list[float] = []
        stored: list[float] = []
        try:
            for _ in range(repeats):
                for label, times, one in (("warm", daemon, runner), ("cold", cold, cold_runner)):
                    settled()
                    started = time.perf_counter()
                    result = one.run("azure_gpu", "schedule")
                    times.append(time.perf_counter() - started)
                    assert result.status == "succeeded", f"{label}: {result.error}"
                settled()
                bare.append(_crawl(["-a", f"endpoint={endpoint}", "-O", str(tmp / "bare.jsonl")], base_env))
                settled()
                stored.append(_crawl([], stored_env))
        finally:
            runner.stop(5)
        engine.dispose()
    reference = statistics.median(bare)

    def line(label: str, times: list[float]) -> str:
        median = statistics.median(times)
        return (f"  {label:<56} median {median:.2f}s  min {min(times):.2f}s  max {max(times):.2f}s  "
                f"{median / reference:.2f}× the bare crawl")  # fmt: skip

    print(f"azure_gpu, 2 pages, 4 offers, {repeats} runs of each in turn ({os.cpu_count()} CPUs, shared; "
          f"load {os.getloadavg()[0]:.1f}):")  # fmt: skip
    print(line("bare `scrapy crawl azure_gpu -O` (no database, ref.)", bare))
    print(line("bare `scrapy crawl azure_gpu`, storing via aipulse.toml", stored))
    print(line("the daemon's run, cold start (warm_spare = false)", cold))
    print(line("the daemon's run (CrawlRunner.run, warm spare, storing)", daemon) + "  target ≤ 1.2×")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="One daemon run against a bare scrapy crawl of the same fixture.")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    main(parser.parse_args().repeat)
