"""One crawl process kept warm for the next run: `python -m spiders.scrapy_warm`, its imports done in advance.

A run takes the spare when the interpreter-level environment the spare started with is the one its cold child
would start with (only that is fixed at start: the rest of the environment, the directory and the command line
go to the spare with the job). Anything else — no spare ready yet, a spare that died, another environment, a
closed pipe — is a cold start, logged. After every take the next spare is started.

Every spare is forked by one thread that lives until `close()`: PR_SET_PDEATHSIG fires when the *thread* that
forked a child exits, so a spare forked by a run's thread would get SIGHUP when that thread ends.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from monitor.crawl_process import start_crawl_process, stop_child
from spiders.scrapy_warm import READY

__all__ = ["STARTUP_NAMES", "STARTUP_PREFIXES", "Spare", "WarmSpare", "startup_environment"]

logger = logging.getLogger(__name__)

#: environment variables Python reads as it starts (or that decide what it imports): a spare and a run must agree
STARTUP_PREFIXES = ("PYTHON", "LC_")
STARTUP_NAMES = ("LANG", "LANGUAGE")
SPARE_MODULE = "spiders.scrapy_warm"
#: a spare not ready after this long (a hung import, a starved machine) is killed and started again
READY_TIMEOUT_S = 120.0
#: after a spare failed to start, the next try waits this long (no busy loop of failing interpreters)
RETRY_AFTER_S = 30.0
_STOP_GRACE_S = 5.0


def startup_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The part of a child's environment fixed when its interpreter starts."""
    return {k: v for k, v in env.items() if k.startswith(STARTUP_PREFIXES) or k in STARTUP_NAMES}


@dataclass(frozen=True)
class Spare:
    """A ready spare: its process and what it started with."""

    process: subprocess.Popen[str]
    startup_env: dict[str, str]
    cwd: str


class WarmSpare:
    """Keeps one ready spare crawl process (`take` hands it to a run) from `start()` until `close()`."""

    def __init__(self, environment: Callable[[], dict[str, str]], *, ready_timeout_s: float = READY_TIMEOUT_S) -> None:
        #: the environment a cold crawl child would get now (the spare starts with it)
        self.environment = environment
        self.ready_timeout_s = ready_timeout_s
        self._changed = threading.Condition()
        self._spare: Spare | None = None
        self._starting: subprocess.Popen[str] | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._keep, name="warm spare", daemon=True)

    def start(self) -> None:
        """Start the thread that keeps a spare ready."""
        self._thread.start()

    @property
    def ready(self) -> Spare | None:
        """The spare waiting for a run, if one is ready."""
        with self._changed:
            return self._spare

    def wait_ready(self, timeout_s: float) -> Spare | None:
        """The ready spare, waiting up to `timeout_s` for one (benchmarks and tests: a daemon between runs)."""
        with self._changed:
            self._changed.wait_for(lambda: self._spare is not None or self._closing, timeout=timeout_s)
            return self._spare

    def take(
        self, argv: list[str], env: dict[str, str], cwd: str, log: logging.Logger, run_id: int
    ) -> subprocess.Popen[str] | None:
        """The ready spare running `python -m scrapy ARGV…` in `env` and `cwd`, or None: start it cold."""
        with self._changed:
            spare, self._spare = self._spare, None
            self._changed.notify_all()  # the keeper starts the next one
        if spare is None:
            log.info("run %s: no warm spare ready: cold start", run_id)
            return None
        process = spare.process
        if process.poll() is not None:
            log.warning("run %s: the warm spare (pid %s) died before use (exit %s): cold start", run_id,
                        process.pid, process.returncode)  # fmt: skip
            _discard(process)
            return None
        wanted = startup_environment(env)
        if wanted != spare.startup_env or cwd != spare.cwd:
            names = wanted.keys() | spare.startup_env.keys()
            differ = ", ".join(sorted(k for k in names if wanted.get(k) != spare.startup_env.get(k))) or "directory"
            log.info("run %s: the warm spare started with another %s: cold start", run_id, differ)
            _discard(process)
            return None
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
            process.stdin.close()
        except OSError as exc:  # it died between the check and the write
            log.warning("run %s: the warm spare (pid %s) cannot take the run (%s): cold start", run_id, process.pid,
                        exc)  # fmt: skip
            _discard(process)
            return None
        return process

    def close(self) -> None:
        """Kill the spare (and one being started), then let the keeping thread end."""
        with self._changed:
            self._closing = True
            spare, self._spare = self._spare, None
            starting = self._starting
            self._changed.notify_all()
        if spare is not None:
            _discard(spare.process)
        if starting is not None:  # the keeping thread reads its output: it releases the pipes when it sees EOF
            stop_child(starting, _STOP_GRACE_S)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_STOP_GRACE_S + 5)

    # --- the keeping thread -----------------------------------------------------------------------------------

    def _keep(self) -> None:
        try:
            self._keep_one_ready()
        except Exception:  # a bug here must not end the thread: the crawls it forked would get SIGHUP
            logger.exception("the warm spare thread failed: every run starts cold from now")
            with self._changed:
                self._changed.wait_for(lambda: self._closing)

    def _keep_one_ready(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._spare is None or self._closing)
                if self._closing:
                    return
            spare = self._start_one()
            with self._changed:
                closing = self._closing
                if spare is not None and not closing:
                    self._spare = spare
                    self._changed.notify_all()
                    continue
                if not closing:  # it failed to start: try again later
                    self._changed.wait_for(lambda: self._closing, timeout=RETRY_AFTER_S)
                    continue
            if spare is not None:
                _discard(spare.process)
            return

    def _start_one(self) -> Spare | None:
        env = self.environment()
        cwd = str(Path.cwd())
        try:
            process = start_crawl_process([sys.executable, "-m", SPARE_MODULE], env, stdin=subprocess.PIPE)
        except OSError as exc:
            logger.warning("cannot start a warm spare crawl process: %s", exc)
            return None
        with self._changed:
            self._starting = process
            closing = self._closing
        if closing:  # close() ran while it was forked
            _discard(process)
            return None
        timer = threading.Timer(self.ready_timeout_s, _kill, args=(process,))
        timer.start()
        try:
            ready, before = _read_ready(process)
        finally:
            timer.cancel()
            with self._changed:
                self._starting = None
        if ready:
            logger.debug("warm spare pid %s ready", process.pid)
            return Spare(process, startup_environment(env), cwd)
        with self._changed:
            closing = self._closing
        try:
            process.wait(_STOP_GRACE_S)  # its output ended: it is exiting
        except subprocess.TimeoutExpired:
            pass
        if not closing:
            logger.warning("the warm spare crawl process (pid %s) did not become ready (exit %s): %s", process.pid,
                           process.returncode, " | ".join(before) or "no output")  # fmt: skip
        _discard(process)
        return None


def _read_ready(process: subprocess.Popen[str]) -> tuple[bool, list[str]]:
    """Read the spare's output up to its ready line: (ready?, the last lines before it)."""
    assert process.stdout is not None
    before: deque[str] = deque(maxlen=10)
    for line in process.stdout:
        if line.rstrip("\n") == READY:
            return True, list(before)
        before.append(line.rstrip())
        logger.debug("warm spare pid %s | %s", process.pid, line.rstrip())
    return False, list(before)


def _kill(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _discard(process: subprocess.Popen[str]) -> None:
    """Stop a spare nobody will use and release its pipes."""
    stop_child(process, _STOP_GRACE_S)
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass
