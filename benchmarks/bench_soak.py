"""Soak: the daemon (`aipulse run`) schedules two sources every second against the replay server for N runs.

Prints the daemon's own resident memory (its crawl children are separate processes) after a warm-up and every
tenth of the way, the growth over the soak (issue 17: < 10 MB over 1,000 runs), and the runs' outcomes. Each
run is a real crawl child storing into SQLite and a real alert evaluation (a change rule on the GPU offers).
The sources are the two fastest recorded GPU fixtures (azure_gpu's two JSON pages, runpod_gpu's one GraphQL
answer), run two at a time, each back to back: with `every = "1s"` a fire that finds the source's previous run
still going is coalesced (APScheduler logs it as skipped). Takes about N × 0.8 s on two quiet cores.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.replay import ReplayServer, case_route  # noqa: E402
from tests.crawl_support import AZURE_PATH, azure_routes, migrated, write_config  # noqa: E402

ALERT_RULE = """
[alerts]
[[alerts.rules]]
name = "gpu-move"
kind = "change"
item = "gpu"
pct = 5
notify = []
"""


def rss_mib(pid: int) -> float:
    """The resident set of process `pid` (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for process {pid}")


def finished_runs(db: Path) -> list[tuple[str, str, str]]:
    """(status, started_at, finished_at) of every finished run, read without the application's code."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as connection:
        query = "SELECT status, started_at, finished_at FROM crawl_runs WHERE finished_at IS NOT NULL ORDER BY id"
        return list(connection.execute(query))


def _seconds(started: str, finished: str) -> float:
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def main(runs: int, warm_up: int) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("AIPULSE_CONFIG", "AIPULSE_DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    routes = [*azure_routes(), case_route("runpod_gpu", "gpu_types_pricing_page_20250909")]
    with tempfile.TemporaryDirectory() as tmp_name, ReplayServer(routes) as server:
        tmp = Path(tmp_name)
        db = tmp / "soak.db"
        migrated(f"sqlite:///{db}").dispose()
        sources = {"azure_gpu": {"every": "1s", "endpoint": server.url + AZURE_PATH},
                   "runpod_gpu": {"every": "1s", "endpoint": server.url + "/graphql"}}  # fmt: skip
        config = write_config(tmp, f"sqlite:///{db}", sources, {"max_concurrent_crawls": 2, "log_level": "WARNING"})
        config.write_text(config.read_text(encoding="utf-8") + ALERT_RULE, encoding="utf-8")
        log = (tmp / "daemon.log").open("w", encoding="utf-8")
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config), "--log-level",
                                   "WARNING"], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        started = time.monotonic()
        samples: list[tuple[int, float]] = []
        step = max(1, runs // 10)
        try:
            done: list[tuple[str, str, str]] = []
            while len(done) < runs:
                if daemon.poll() is not None:
                    raise SystemExit(f"the daemon exited ({daemon.returncode}):\n{(tmp / 'daemon.log').read_text()}")
                time.sleep(1)
                done = finished_runs(db)
                due = warm_up if not samples else samples[-1][0] + step
                if len(done) >= due:
                    samples.append((len(done), rss_mib(daemon.pid)))
                    print(f"  {len(done):>5} runs, {time.monotonic() - started:6.0f}s: daemon RSS "
                          f"{samples[-1][1]:.1f} MiB (load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
            samples.append((len(done), rss_mib(daemon.pid)))
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
            log.close()
        elapsed = time.monotonic() - started
        statuses: dict[str, int] = {}
        for status, _, _ in done:
            statuses[status] = statuses.get(status, 0) + 1
        durations = [_seconds(s, f) for status, s, f in done if status == "succeeded"]
    (first_runs, first), (last_runs, last) = samples[0], samples[-1]
    peak = max(rss for _, rss in samples)
    typical = statistics.median(durations)
    print(f"{last_runs} scheduled runs in {elapsed:.0f}s ({elapsed / last_runs:.2f}s a run; load "
          f"{os.getloadavg()[0]:.1f}): {statuses}; run duration median {typical:.2f}s")  # fmt: skip
    print(f"daemon RSS {first:.1f} MiB after {first_runs} runs -> {last:.1f} MiB after {last_runs} "
          f"(peak {peak:.1f}): growth {last - first:+.1f} MiB  target < 10 MB")  # fmt: skip
    return 0 if statuses.get("succeeded", 0) == last_runs else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Daemon RSS over N scheduled runs against the replay server.")
    parser.add_argument("--runs", type=int, default=1000, help="scheduled runs to wait for (default 1000)")
    parser.add_argument("--warm-up", type=int, default=10, help="runs before the first RSS sample (default 10)")
    args = parser.parse_args()
    sys.exit(main(args.runs, args.warm_up))
