"""The crawl child process: started so it dies with its parent, its output forwarded, stopped in bounded time."""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import signal
import subprocess
from collections import deque
from pathlib import Path

from core.config import redact

__all__ = ["die_with_parent", "forward_output", "pid_alive", "process_alive", "start_crawl_process", "stop_child"]

_PR_SET_PDEATHSIG = 1


def pid_alive(pid: int) -> bool:
    """True when a crawl process with this pid still runs on this machine (a zombie or a reused pid is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path("/proc") / str(pid)
    try:
        # A crawl orphaned by a killed daemon is reparented; where nobody reaps it, it lingers as a zombie.
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        command = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
    except (OSError, IndexError):
        return True  # no /proc to ask: trust kill(0)
    return state not in ("Z", "X") and b"scrapy" in command


def process_alive(pid: int) -> bool:
    """True when a process with this pid runs on this machine and is not a zombie (any command)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the child between fork and exec
    # A crawl must not outlive a daemon killed with SIGKILL: the kernel sends it SIGHUP (once per exiting thread
    # of the daemon), spiders.parent_death turns the first into one SIGTERM, and Scrapy stops cleanly.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGHUP)
    except OSError:
        return
    if os.getppid() != parent:  # the parent died between the fork and the prctl: no signal will come
        os._exit(1)


def start_crawl_process(command: list[str], env: dict[str, str], *, stdin: int) -> subprocess.Popen[str]:
    """A crawl process (cold child or warm spare): its own session, output merged as text, dying with its
    parent's forking thread. `stdin` is `subprocess.DEVNULL` or `subprocess.PIPE` (a spare reads its job)."""
    return subprocess.Popen(
        command,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=functools.partial(die_with_parent, os.getpid()),
    )


def forward_output(child: subprocess.Popen[str], log: logging.Logger, run_id: int, tail: deque[str]) -> None:
    assert child.stdout is not None
    for line in child.stdout:
        line = line.rstrip()
        if line:
            tail.append(line)
            log.debug("run %s | %s", run_id, line)
            if " ERROR: " in line or " CRITICAL: " in line:
                log.error("run %s | %s", run_id, redact(line))


def stop_child(child: subprocess.Popen[str], grace_s: float) -> None:
    if child.poll() is not None:
        return
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    except ProcessLookupError:
        pass
