"""spiders.parent_death: the kernel's SIGHUPs of a dying parent become one graceful SIGTERM."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

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
