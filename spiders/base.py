"""The spider contract (DESIGN §4): endpoint override, a clock, failures recorded as state, browser opt-in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.python.failure import Failure

from core.config import AppConfig
from spiders.errors import BlockedError, ParseError
from spiders.runtime import config_for

logger = logging.getLogger(__name__)

T = TypeVar("T")
BLOCK_STATUSES = frozenset({401, 403, 451})
TIMEOUTS = (DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError)
CONNECTION_ERRORS = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    net_error.DNSLookupError,
    net_error.ConnectError,
)


def short_url(url: str, limit: int = 120) -> str:
    """A URL short enough for an error message: the query is cut when it is long."""
    return url if len(url) <= limit else url[:limit] + "…"


def browser_settings(executable_path: str | None, args: list[str], page_timeout_ms: int) -> dict[str, Any]:
    """Scrapy settings that route requests through scrapy-playwright and Chromium (browser spiders only)."""
    launch: dict[str, Any] = {"headless": True, "args": args, "timeout": page_timeout_ms}
    if executable_path:
        launch["executable_path"] = executable_path
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": page_timeout_ms,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
        "CONCURRENT_REQUESTS": 2,
    }


class SourceSpider(scrapy.Spider):
    """Base of every aipulse spider: subclasses set the class attributes and implement `start()`."""

    #: the item kind this source emits: gpu, traffic, funding or quotes
    kind: ClassVar[str]
    #: the primary endpoint, replaced by `-a endpoint=` or the source's `endpoint` in aipulse.toml
    default_endpoint: ClassVar[str]
    #: one line for `aipulse sources` and the README
    description: ClassVar[str] = ""
    #: True routes this spider's requests through Chromium (scrapy-playwright)
    needs_browser: ClassVar[bool] = False
    #: True: a run that fails stores nothing of what it fetched; False: what was fetched before the failure is kept
    atomic: ClassVar[bool] = True

    def __init__(self, *args: Any, endpoint: str | None = None, clock: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._endpoint_arg = endpoint
        self._frozen_now = datetime.fromisoformat(clock) if clock else None
        if self._frozen_now is not None and self._frozen_now.tzinfo is None:
            raise ValueError(f"clock {clock!r} must carry a time zone, e.g. 2024-07-15T08:00:00+00:00")
        self.failures: list[str] = []
        self.blocked = False
        self.notes: list[str] = []
        #: facts about this run kept in crawl_runs.details (e.g. the price-file version a source served)
        self.details: dict[str, Any] = {}

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        config = config_for(settings)
        if cls.needs_browser:
            browser = (config or AppConfig()).browser
            executable = (config or AppConfig()).chromium_path()
            timeout_ms = int(browser.page_timeout.total_seconds() * 1000)
            settings.setdict(browser_settings(executable, list(browser.args), timeout_ms), priority="spider")
        section = config.sources.get(cls.name) if config else None
        if section is not None:  # the source's own `settings = {…}` in aipulse.toml win over the spider's
            settings.setdict(section.settings, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        config = config_for(crawler.settings)
        section = config.sources.get(cls.name) if config else None
        if section is not None:
            for key, value in section.spider_args().items():
                kwargs.setdefault(key, value)
        spider: SourceSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=scrapy.signals.spider_error)
        return spider

    @property
    def endpoint(self) -> str:
        """The primary endpoint in force for this run (argument, then config, then the default)."""
        return self._endpoint_arg or self.default_endpoint

    def now(self) -> datetime:
        """The time of an observation: the real UTC time, or the frozen `-a clock=` time in demos and tests."""
        return self._frozen_now or datetime.now(UTC)

    def fail(self, reason: str, *, blocked: bool = False) -> None:
        """Record that this run failed (or was blocked); the run keeps going only if the spider chooses to."""
        self.failures.append(reason)
        self.blocked = self.blocked or blocked
        self.logger.error("%s: %s", "blocked" if blocked else "failed", reason)

    def note(self, message: str) -> None:
        """Record something the run's operator should read once (an unknown GPU model, a skipped item)."""
        if message not in self.notes:
            self.notes.append(message)
            self.logger.warning(message)

    def report_skipped(self, unknown_gpus: Iterable[str], skipped: Iterable[str]) -> None:
        """Note each unknown GPU model once (kept under its raw name) and log skipped items at debug level."""
        for name in unknown_gpus:
            self.note(f"unknown GPU model {name!r}: kept under its raw name (add it to spiders/gpu_names.py)")
        for reason in skipped:
            self.logger.debug("skipped %s", reason)

    def errback(self, failure: Failure) -> None:
        """Turn a request that finally failed (after retries) into a recorded failure with a readable reason."""
        request = getattr(failure, "request", None)
        where = short_url(request.url) if request is not None else "?"
        error = failure.value
        if isinstance(error, HttpError):
            status = error.response.status
            self.fail(f"HTTP {status} from {where}", blocked=status in BLOCK_STATUSES)
        elif isinstance(error, TIMEOUTS):
            self.fail(f"timed out fetching {where}")
        elif isinstance(error, CONNECTION_ERRORS):
            self.fail(f"cannot connect to {where}: {failure.getErrorMessage()}")
        else:
            self.fail(f"{type(error).__name__} fetching {where}: {failure.getErrorMessage()}")

    def parsed(self, response: Response, parse: Callable[[], T]) -> T | None:
        """Run a pure parser on a response; a ParseError or a block becomes a recorded failure and None."""
        try:
            return parse()
        except BlockedError as exc:
            self.fail(f"{exc} ({short_url(response.url)})", blocked=True)
        except ParseError as exc:
            self.fail(f"cannot parse {short_url(response.url)}: {exc}")
        return None

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        if spider is self:
            self.failures.append(f"spider error on {short_url(response.url)}: {failure.getErrorMessage()}")
