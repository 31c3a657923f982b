"""Orphaned-run detection: which recorded crawl pids still belong to a live crawl."""

from __future__ import annotations

import subprocess
import sys
import time

from monitor.crawling import pid_alive


def test_a_running_crawl_process_is_alive() -> None:
    crawl = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "scrapy", "crawl"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not pid_alive(crawl.pid):
            time.sleep(0.05)  # until the fork has exec'd the crawl's command line
        assert pid_alive(crawl.pid)
    finally:
        crawl.kill()
        crawl.wait()


def test_a_zombie_left_by_a_killed_parent_is_not_alive() -> None:
    crawl = subprocess.Popen([sys.executable, "-c", "pass", "scrapy", "crawl"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pid_alive(crawl.pid):
        time.sleep(0.05)  # exited but not reaped: a zombie, as under a PID 1 that never reaps
    assert not pid_alive(crawl.pid)
    crawl.wait()


def test_a_reused_pid_of_another_program_is_not_a_crawl() -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not pid_alive(other.pid)
    finally:
        other.kill()
        other.wait()


def test_a_pid_that_does_not_exist_is_not_alive() -> None:
    assert not pid_alive(2**22 + 12345)
