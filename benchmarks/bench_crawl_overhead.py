"""Prints what one crawl costs end to end: run_crawl (child process + Scrapy + storage) against local replays."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.crawling import CrawlRunner  # noqa: E402
from monitor.replay import ReplayServer  # noqa: E402
from tests.crawl_support import azure_config, azure_routes, migrated  # noqa: E402


def main(repeats: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp, ReplayServer(azure_routes()) as server:
        url = f"sqlite:///{tmp}/bench.db"
        engine = migrated(url)
        runner = CrawlRunner(azure_config(Path(tmp), url, server.url), engine)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            result = runner.run("azure_gpu", "manual")
            timings.append(time.perf_counter() - started)
            assert result.status == "succeeded", result.error
    print(f"azure_gpu, 2 pages, 4 offers, {repeats} runs (first one migrates nothing, storage on SQLite):")
    print(f"  per crawl: median {statistics.median(timings):.2f}s, min {min(timings):.2f}s, max {max(timings):.2f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="What one azure_gpu crawl costs end to end, through CrawlRunner.")
    parser.add_argument("--repeat", type=int, default=5, help="timed crawls (default 5)")
    main(parser.parse_args().repeat)
