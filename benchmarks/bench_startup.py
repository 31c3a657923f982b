"""Prints how fast aipulse starts: `aipulse --help`, `aipulse status`, and a bare `scrapy crawl azure_gpu -O` of
the 2-page fixture against a minimal Scrapy spider fetching the same two pages from the same replay server.

Every figure is the median wall time of a fresh process; the references (a bare interpreter, the minimal spider)
are measured in the same run. `aipulse status` is timed twice: with no daemon (it computes the answer itself) and
while `aipulse run` of the same config answers it on its status socket. Targets (issue 17): --help and status
< 0.4 s, the bare crawl ≤ 1.3× the minimal one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.replay import ReplayServer  # noqa: E402
from tests.crawl_support import azure_routes, migrated, write_config  # noqa: E402

#: both crawls fetch the two pages without the polite delay between them (the figure is Scrapy's own cost)
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]

MINIMAL_SPIDER = """
import json
import scrapy


class Minimal(scrapy.Spider):
    name = "minimal"
    custom_settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}

    def __init__(self, first: str = "", **kwargs):
        super().__init__(**kwargs)
        self.first = first

    async def start(self):
        yield scrapy.Request(self.first)

    def parse(self, response):
        page = json.loads(response.text)
        for item in page["Items"]:
            yield {"sku": item.get("armSkuName"), "price": item.get("retailPrice")}
        if page.get("NextPageLink"):
            yield scrapy.Request(self.first + "&$skip=1000")
"""


def timed(command: Sequence[str], *, cwd: Path, env: dict[str, str], repeats: int) -> list[float]:
    """Wall times of `repeats` fresh runs of `command` (each must exit 0 or 1: status says 1 before any run)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return times


def line(label: str, times: list[float], reference: float | None = None, target: str = "") -> str:
    median = statistics.median(times)
    ratio = f"  {median / reference:.2f}× the reference" if reference else ""
    return f"  {label:<44} median {median:.3f}s  min {min(times):.3f}s{ratio}  {target}"


def main(repeats: int) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("AIPULSE_CONFIG", "AIPULSE_DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp_name, ReplayServer(azure_routes()) as server:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp}/bench.db"
        migrated(url).dispose()
        config = write_config(tmp, url, {"azure_gpu": {"every": "1h", "endpoint": server.url + "/api/retail/prices"}})
        (tmp / "minimal.py").write_text(MINIMAL_SPIDER, encoding="utf-8")
        first = server.url + "/api/retail/prices?" + _first_query()
        interpreter = timed([python, "-c", "pass"], cwd=tmp, env=env, repeats=repeats)
        help_ = timed([python, "-m", "monitor", "--help"], cwd=tmp, env=env, repeats=repeats)
        status = timed([python, "-m", "monitor", "status", "--config", str(config)], cwd=tmp, env=env,
                       repeats=repeats)  # fmt: skip
        asked = status_with_daemon(tmp, url, env, repeats)
        bare = timed([python, "-m", "scrapy", "crawl", "azure_gpu", "-a", f"endpoint={server.url}/api/retail/prices",
                      "-O", str(tmp / "bare.jsonl"), *FAST], cwd=ROOT, env=env, repeats=repeats)  # fmt: skip
        minimal = timed([python, "-m", "scrapy", "runspider", "minimal.py", "-a", f"first={first}",
                         "-O", str(tmp / "minimal.jsonl")], cwd=tmp, env=env, repeats=repeats)  # fmt: skip
        bare_rows = len((tmp / "bare.jsonl").read_text(encoding="utf-8").splitlines())
    reference = statistics.median(minimal)
    print(f"start-up, {repeats} fresh processes each (median; {os.cpu_count()} CPUs, shared):")
    print(line("python -c pass (the interpreter alone)", interpreter))
    print(line("aipulse --help", help_, target="target < 0.4 s"))
    print(line("aipulse status, no daemon (migrated SQLite)", status, target="target < 0.4 s"))
    print(line("aipulse status, `aipulse run` answering", asked, target="target < 0.4 s"))
    print(line("minimal Scrapy spider, same two pages (ref.)", minimal))
    print(line(f"scrapy crawl azure_gpu -O ({bare_rows} offers)", bare, reference, "target ≤ 1.3×"))


def status_with_daemon(tmp: Path, url: str, env: dict[str, str], repeats: int) -> list[float]:
    """`aipulse status` while `aipulse run` of the same config runs and answers it (one run recorded first)."""
    directory = tmp / "daemon"
    directory.mkdir()
    config = write_config(directory, url, {"azure_gpu": {"every": "1h", "enabled": False}})
    command = [sys.executable, "-m", "monitor", "status", "--config", str(config)]
    run = [sys.executable, "-m", "monitor", "--config", str(config), "run"]
    daemon = subprocess.Popen(run, cwd=directory, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "answered by the running daemon" not in subprocess.run(
            [*command[:3], "--log-level", "DEBUG", *command[3:]], cwd=directory, env=env, capture_output=True,
            text=True).stderr:  # fmt: skip
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise SystemExit("the daemon did not answer `aipulse status` within 60 s")
            time.sleep(0.5)
        return timed(command, cwd=directory, env=env, repeats=repeats)
    finally:
        daemon.terminate()
        daemon.wait(30)


def _first_query() -> str:
    from urllib.parse import urlencode

    from spiders.parsers.azure_gpu import API_VERSION, build_filter

    return urlencode({"api-version": API_VERSION, "$filter": build_filter()})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="aipulse start-up: --help, status, a bare crawl vs minimal Scrapy.")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (default 3)")
    main(parser.parse_args().repeat)
