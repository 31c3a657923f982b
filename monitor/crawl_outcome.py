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


def crawl_error(tail: Sequence[str]) -> str:
    """The real error in a crawl's last log lines: its last logged ERROR, else a traceback's exception line.

    Never a fragment of the Scrapy stats dump printed at the end (`'log_count/ERROR': 1,`).
    """
    logged = [m["message"].strip() for line in tail if (m := _LOGGED_ERROR.search(line))]
    if logged:
        return logged[-1]
    raised = [line.strip() for line in tail if _EXCEPTION_LINE.match(line.strip())]
    if raised:
        return raised[-1]
    plain = [line.strip() for line in tail if line.strip() and not line.lstrip().startswith(("'", "{", "}"))]
    return (plain or ["no output"])[-1]
