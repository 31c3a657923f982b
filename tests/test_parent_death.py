"""A crawl's parent death: the kernel's SIGHUPs become one graceful SIGTERM (spiders.parent_death), and a crawl
process whose parent died before it asked for that signal ends before it runs (monitor.crawl_process)."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from monitor.crawl_process import die_with_parent
from spiders.parent_death import ParentDeath


@pytest.fixture
def terms() -> Iterator[list[int]]:
    seen: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGHUP, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))
    yield seen
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def test_several_hangups_become_one_sigterm(terms: list[int]) -> None:
    ParentDeath()

    for _ in range(3):
        signal.raise_signal(signal.SIGHUP)
    deadline = time.monotonic() + 2  # a signal sent to ourselves is handled at the main thread's next check
    while time.monotonic() < deadline and len(terms) < 2:
        time.sleep(0.05)

    assert terms == [signal.SIGTERM]


def test_built_outside_the_main_thread_it_leaves_the_signals_alone(terms: list[int]) -> None:
    before = signal.getsignal(signal.SIGHUP)
    errors: list[BaseException] = []

    def build() -> None:
        try:
            ParentDeath()
        except BaseException as exc:  # the test reports whatever escaped
            errors.append(exc)

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()

    assert errors == []
    assert signal.getsignal(signal.SIGHUP) == before


def test_a_crawl_process_whose_parent_died_before_it_asked_for_the_signal_ends_at_once() -> None:
    # the kernel signals only a parent's death after PR_SET_PDEATHSIG: one that came between fork and prctl is
    # seen in getppid() (here: a parent pid that is not this child's, as after that death)
    not_the_parent = os.getpid() + 1_000_000
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                             preexec_fn=functools.partial(die_with_parent, not_the_parent))  # fmt: skip
    try:
        assert child.wait(10) == 1
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_crawl_process_whose_parent_lives_runs() -> None:
    child = subprocess.Popen([sys.executable, "-c", "print('ran')"], stdout=subprocess.PIPE, text=True,
                             preexec_fn=functools.partial(die_with_parent, os.getpid()))  # fmt: skip
    output, _ = child.communicate(timeout=30)
    assert (child.returncode, output) == (0, "ran\n")
