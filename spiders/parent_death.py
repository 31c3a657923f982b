"""The crawl child's answer to its parent's death: one graceful shutdown, however many signals the kernel sends.

The daemon and the cluster worker start every crawl with `PR_SET_PDEATHSIG = SIGHUP`. Linux sends that signal
each time the *thread* that forked the child exits, and the child is handed to the next thread of the dying
process: a multi-threaded daemon killed with SIGKILL sends it several. Were it SIGTERM, Scrapy would read the
second one as "force an unclean shutdown" and the child would die without closing its run. SIGHUP is turned
into one SIGTERM to ourselves instead, so Scrapy stops gracefully and the storage pipeline records the run
(as `aborted`, since its parent is gone).
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from scrapy.crawler import Crawler

__all__ = ["ParentDeath"]


class ParentDeath:
    """A Scrapy extension: the first SIGHUP becomes one SIGTERM (a graceful stop); later ones are ignored."""

    def __init__(self) -> None:
        self.received = False
        if threading.current_thread() is threading.main_thread():  # a crawler built in a thread keeps Scrapy's own
            signal.signal(signal.SIGHUP, self._on_hangup)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParentDeath:
        return cls()

    def _on_hangup(self, _signum: int, _frame: FrameType | None) -> None:
        if not self.received:
            self.received = True
            os.kill(os.getpid(), signal.SIGTERM)
