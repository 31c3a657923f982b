"""What the daemon records for a run its crawl process did not close: the real error from the process's log."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from core.config import redact


@dataclass(frozen=True)
class CrawlOutcome:
    """How a crawl process ended: exit code, timeout, its last log lines, or why it could not start."""

    returncode: int | None
    timed_out: bool
    tail: list[str]
    timeout: timedelta
    spawn_error: str | None = None

    def describe(self, stopping: bool) -> tuple[str, str]:
        """The status and error of a run its crawl process did not close."""
        if self.spawn_error is not None:
            return "failed", self.spawn_error
        if self.timed_out:
            return "failed", f"timed out after {self.timeout}"
        if stopping:
            return "cancelled", "stopped by daemon shutdown"
        return "failed", redact(f"crawl process exited with code {self.returncode}: {crawl_error(self.tail)}")[:2000]


_LOGGED_ERROR = re.compile(r"\] (?:ERROR|CRITICAL): (?P<message>.+)$")
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$")


#: logged ERROR messages that only announce a traceback: the exception line after them is the real error
_WRAPPERS = (
    "Task exception was never retrieved",
    "Future exception was never retrieved",
    "Unhandled error in Deferred",
)


def crawl_error(tail: Sequence[str]) -> str:
    """The real error in a crawl's last log lines: its last logged ERROR, else a traceback's exception line.

    A logged ERROR that only announces a traceback (asyncio's "Task exception was never retrieved") gives way to
    the exception line that follows it. Never a fragment of the Scrapy stats dump printed at the end
    (`'log_count/ERROR': 1,`).
    """
    lines = [line.strip() for line in tail]
    for index in range(len(lines) - 1, -1, -1):
        logged = _LOGGED_ERROR.search(lines[index])
        if logged is None:
            continue
        message = logged["message"].strip()
        if not message.startswith(_WRAPPERS):
            return message
        raised = [line for line in lines[index + 1 :] if _EXCEPTION_LINE.match(line)]
        if raised:
            return raised[-1]
    raised = [line for line in lines if _EXCEPTION_LINE.match(line)]
    if raised:
        return raised[-1]
    plain = [line for line in lines if line and not line.startswith(("'", "{", "}"))]
    return (plain or ["no output"])[-1]
