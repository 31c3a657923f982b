"""The spider contract (DESIGN §4): endpoint override, a clock, failures recorded as state, browser opt-in."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import JsonRequest, Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from spiders.arguments import argument_problems
from spiders.crawl_settings import CrawlSettings, SourceSettings
from spiders.errors import BlockedError, ParseError
from spiders.fingerprint import FingerprintBuilder, LineShape
from spiders.limits import body_limits
from spiders.parsers.blocks import detect_block
from spiders.parsers.contract import FollowUp, Parser, ParseResult, unknown_gpu_notes
from spiders.parsers.contract import Request as ParserRequest

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


def _too_large(failure: Failure) -> bool:
    """A download Scrapy cut off at DOWNLOAD_MAXSIZE (announced size, or the body or its inflation passing it)."""
    message = failure.getErrorMessage()
    return isinstance(failure.value, DownloadCancelledError | CancelledError | IgnoreRequest) and (
        "max size" in message or "DOWNLOAD_MAXSIZE" in message
    )


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
    #: the module under spiders/parsers/ whose `parse` reads this source's answers (default: the spider's name)
    parser_module: ClassVar[str | None] = None
    #: the kind of answer the parser reads (json, html, xml, text; None: several, by step): any other kind is a
    #: failed run before the parser sees it, and a block page or an auth failure a blocked one (parsers/blocks.py)
    expects: ClassVar[str | None] = None
    #: set: a finished run whose answers together held no item fails with this reason, formatted with
    #: `spider=self` (for sources where one answer may rightly be empty, e.g. a region without GPUs)
    empty_run_reason: ClassVar[str | None] = None

    def __init__(self, *args: Any, endpoint: str | None = None, clock: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._arguments = {k: str(v) for k, v in kwargs.items() if isinstance(v, str | int | float | bool)}
        if endpoint:
            self._arguments["endpoint"] = endpoint
        self._endpoint_arg = endpoint
        self._frozen_now = datetime.fromisoformat(clock) if clock else None
        if self._frozen_now is not None and self._frozen_now.tzinfo is None:
            raise ValueError(f"clock {clock!r} must carry a time zone, e.g. 2024-07-15T08:00:00+00:00")
        self.failures: list[str] = []
        self.blocked = False
        self.notes: list[str] = []
        #: facts about this run kept in crawl_runs.details (e.g. the price-file version a source served)
        self.details: dict[str, Any] = {}
        #: the structural fingerprint of the answers the parser accepted (kept in crawl_runs.details)
        self.shapes = FingerprintBuilder()
        #: aipulse's settings for this run and this source's section (set by `from_crawler`)
        self.crawl_settings = CrawlSettings()
        self.source_settings = SourceSettings()

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        # body limits by kind first (also the decompressed size, so a gzip bomb is cut off); a spider's
        # custom_settings and the source's `settings` in aipulse.toml come after and win
        settings.setdict(body_limits(getattr(cls, "kind", "")), priority="project")
        super().update_settings(settings)
        crawl = CrawlSettings.from_settings(settings)
        if cls.needs_browser:
            browser = crawl.browser
            launch = browser_settings(browser.executable_path, list(browser.args), browser.page_timeout_ms)
            settings.setdict(launch, priority="spider")
        # the source's own `settings = {…}` in aipulse.toml win over the spider's custom_settings
        settings.setdict(dict(crawl.source(cls.name).settings), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        crawl = CrawlSettings.from_settings(crawler.settings)
        for key, value in crawl.source(cls.name).spider_args().items():
            kwargs.setdefault(key, value)
        problems = argument_problems(cls, kwargs)
        if problems:  # a misspelt or mistyped `-a NAME=VALUE` stops the crawl before any request, naming it
            raise ValueError(f"{cls.name}: " + "; ".join(problems))
        spider: SourceSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.crawl_settings = crawl
        spider.source_settings = crawl.source(cls.name)
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
            self.note(*unknown_gpu_notes([name]))
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
        elif _too_large(failure):
            limit = self.settings.getint("DOWNLOAD_MAXSIZE") if hasattr(self, "settings") else 0
            size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
            self.fail(f"the answer from {where} is larger than the {size} limit "
                      f"(DOWNLOAD_MAXSIZE; raise it in this source's settings if the size is expected)")  # fmt: skip
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

    def request(
        self,
        url: str,
        *,
        step: str | None = None,
        method: str = "GET",
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        meta: dict[str, Any] | None = None,
        json: Any = None,
    ) -> scrapy.Request:
        """A request whose answer goes to `parse_response` (then to the parser) with `step` and `meta` attached.

        `json` (instead of `body`) sends that value as a JSON POST, as Scrapy's JsonRequest does.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        options: dict[str, Any] = {
            "headers": headers, "callback": self.parse_response, "errback": self.errback,
            "cb_kwargs": {"step": step, "parser_meta": dict(meta or {})}, "dont_filter": True,
        }  # fmt: skip
        if json is not None:
            return JsonRequest(url, data=json, method="POST" if method == "GET" else method, **options)
        return scrapy.Request(url, method=method, body=data or None, **options)

    def parser_request(self, response: Response, step: str | None, parser_meta: dict[str, Any]) -> ParserRequest:
        """What the parser is told about the request this response answers."""
        request = response.request
        headers = {}
        if request is not None:
            headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in request.headers.items()}
        return ParserRequest(
            method=request.method if request is not None else "GET",
            body=request.body if request is not None else b"",
            headers=headers, step=step, args=self.spider_arguments(), meta=parser_meta,
            url=request.url if request is not None else response.url,
        )  # fmt: skip

    def spider_arguments(self) -> dict[str, str]:
        """The `-a` arguments this run was given (for the parser and for recorded cases)."""
        return dict(getattr(self, "_arguments", {}))

    @classmethod
    def source_parser(cls) -> Parser:
        """The source's pure parser: `spiders/parsers/<parser_module or name>.py:parse`."""
        module = importlib.import_module(f"spiders.parsers.{cls.parser_module or cls.name}")
        parser: Parser = module.parse
        return parser

    @classmethod
    def parser_selectors(cls) -> tuple[str, ...]:
        """The CSS selectors the parser reads HTML answers with (its module's `SELECTORS`), for the fingerprint."""
        module = importlib.import_module(f"spiders.parsers.{cls.parser_module or cls.name}")
        return tuple(getattr(module, "SELECTORS", ()))

    @classmethod
    def parser_line_shape(cls) -> LineShape | None:
        """The parser module's `shape(body)` for a line format of its own (quote lines), None when it has none."""
        module = importlib.import_module(f"spiders.parsers.{cls.parser_module or cls.name}")
        found: LineShape | None = getattr(module, "shape", None)
        return found

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """The one callback: hand the body to the source's parser, report what it says, yield items and follow-ups."""
        parser = self.source_parser()
        fetched_at = self.now()
        info = self.parser_request(response, step, parser_meta or {})

        # every answer the parser is shown counts, also one it rejects: a failed run's drift explains its failure
        self.shapes.add(step, response.body, self.parser_selectors(), self.parser_line_shape())

        def read() -> ParseResult:
            # The parser reads first: its own reading of a refusal is the most precise. When it refuses the
            # body, crashes on it or finds nothing, the shared detector says whether it was a block page, an
            # auth failure or an answer of another kind (parsers/blocks.py).
            what = f"the {self.name} answer"
            try:
                result = parser(response.body, url=response.url, fetched_at=fetched_at, request=info)
            except BlockedError:
                raise
            except ParseError:
                detect_block(response.body, what=what)
                raise
            except Exception:
                detect_block(response.body, expects=self.expects, what=what)
                raise
            if not result.items and not result.follow and result.expect_items:
                detect_block(response.body, expects=self.expects, what=what)
            return result

        result = self.parsed(response, read)
        if result is None:
            return
        yield from self.handle_result(result, response)

    def handle_result(self, result: ParseResult, response: Response) -> Iterator[Any]:
        """Notes, skipped items and run facts recorded; an empty answer that should not be is a failure."""
        for message in result.notes:
            self.note(message)
        for reason in result.skipped:
            self.logger.debug("skipped %s", reason)
        for key, value in result.details.items():  # per-answer facts keyed by page or region add up
            known = self.details.get(key)
            self.details[key] = {**known, **value} if isinstance(known, dict) and isinstance(value, dict) else value
        self.items_seen = getattr(self, "items_seen", 0) + len(result.items)
        if result.expect_items and not result.items and not result.follow:
            self.details["no_data"] = True  # the run failed because the source said nothing (`crawl --live-check`)
            self.fail(f"{result.empty_reason} ({short_url(response.url)})")
            return
        yield from result.items
        for follow in result.follow:
            yield self.follow_up(follow)

    def follow_up(self, follow: FollowUp) -> scrapy.Request:
        """The Scrapy request for a parser's follow-up (subclasses may rewrite its URL onto the endpoint)."""
        return self.request(
            follow.url, step=follow.step, method=follow.method, body=follow.body,
            headers=dict(follow.headers), meta=dict(follow.meta),
        )  # fmt: skip

    def closed(self, reason: str) -> None:
        """Fail a finished run that found nothing when `empty_run_reason` says that cannot be right."""
        if self.empty_run_reason and reason == "finished" and not self.failures and not getattr(self, "items_seen", 0):
            self.details["no_data"] = True
            self.fail(self.empty_run_reason.format(spider=self))

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        if spider is self:
            self.failures.append(f"spider error on {short_url(response.url)}: {failure.getErrorMessage()}")
