"""gpushare_gpu: 恒源云's store page in Chromium, reading the machine-list JSON the page itself loads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from spiders.base import BLOCK_STATUSES, SourceSpider, short_url
from spiders.parsers.gpushare_gpu import DEFAULT_ENDPOINT, MACHINE_LIST_PATH


@dataclass(frozen=True)
class CapturedJson:
    """The machine-list XHR as the page received it."""

    url: str
    status: int
    body: bytes


class MachineListCapture:
    """Watches a page's responses from before navigation, then hands over the first machine-list answer.

    Registered through `playwright_page_event_handlers`, so a request the page makes before
    `goto` returns is not missed; `read` waits a bounded time for it and reads its body.
    """

    def __init__(self, path: str, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.responses: list[PlaywrightResponse] = []

    def matches(self, response: PlaywrightResponse) -> bool:
        """True for the machine-list API call (any host: the real page calls api.gpushare.com)."""
        return self.path in urlsplit(response.url).path

    def on_response(self, response: PlaywrightResponse) -> None:
        """Page "response" event handler."""
        if self.matches(response):
            self.responses.append(response)

    async def read(self, page: Page) -> CapturedJson | str:
        """The first machine-list response with its body, or the reason there is none (never waits unbounded)."""
        if self.responses:
            first = self.responses[0]
        else:
            try:
                first = await page.wait_for_event("response", predicate=self.matches, timeout=self.timeout_s * 1000)
            except PlaywrightTimeoutError:
                return f"the store page made no {self.path} request within {self.timeout_s:g}s (page changed?)"
        try:
            body = await asyncio.wait_for(first.body(), timeout=self.timeout_s)
        except (TimeoutError, PlaywrightError) as exc:
            return f"cannot read the {self.path} answer: {type(exc).__name__} {exc}".strip()
        return CapturedJson(first.url, first.status, body)


class GpushareGpuSpider(SourceSpider):
    name = "gpushare_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "恒源云 store (browser): pay-as-you-go price per GPU type, sold-out types kept (CNY per GPU-hour)"
    needs_browser = True
    custom_settings = {"CONCURRENT_REQUESTS": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    def __init__(self, *args: Any, xhr_timeout_s: str | float = 30, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.xhr_timeout_s = float(xhr_timeout_s)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        capture = MachineListCapture(MACHINE_LIST_PATH, self.xhr_timeout_s)
        request = self.request(self.endpoint)
        request.meta.update(
            {
                "playwright": True,
                "playwright_page_event_handlers": {"response": capture.on_response},
                # The page's own data call is what matters: don't wait for every image and tracker to load.
                "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded", "timeout": self.xhr_timeout_s * 1000},
                "playwright_page_methods": [PageMethod(capture.read)],
            }
        )
        yield request

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """The parser reads the machine-list XHR the page received, not the page itself."""
        captured = response.meta["playwright_page_methods"][0].result
        if not isinstance(captured, CapturedJson):
            self.fail(str(captured or "the machine list was not captured"))
            return
        if captured.status >= 400:
            self.fail(
                f"HTTP {captured.status} from {short_url(captured.url)}", blocked=captured.status in BLOCK_STATUSES
            )
            return
        yield from super().parse_response(response.replace(url=captured.url, body=captured.body), step, parser_meta)
