"""autodl_gpu: AutoDL's market list with a login token, else the home page's public price list in Chromium (CNY)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import scrapy
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from core.config import ConfigError
from spiders.base import SourceSpider, short_url
from spiders.errors import ParseError
from spiders.parsers.autodl_gpu import DEFAULT_ENDPOINT, MARKET_PAGE, PUBLIC_LIST, build_body
from spiders.parsers.autodl_public import DEFAULT_PUBLIC_URL, PRICE_KEY, has_price_objects, join_texts
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text
from spiders.parsers.contract import FollowUp

ORIGIN = "https://www.autodl.com"
REFERER = "https://www.autodl.com/market/list"
NO_TOKEN = (
    "no token: public list used (one list price per GPU type, no regions or stock); set secrets = { token = "
    '"${AUTODL_TOKEN}" } in [sources.autodl_gpu] (or -a token=) for the market list'
)
#: what the page loads that may carry the price list: its JS bundle and chunks, or a data call
_READ_RESOURCE_TYPES = frozenset({"script", "xhr", "fetch"})
_POLL_S = 0.1


@dataclass(frozen=True)
class CapturedTexts:
    """What the page gave: bodies mentioning `originalPrice`, whether any holds price objects, bodies read."""

    texts: list[str]
    found: bool
    scanned: int


class PriceListCapture:
    """Collects the scripts and data calls a page makes from before navigation, then reads them for the price list.

    Registered through `playwright_page_event_handlers`, so the bundle requested while `goto` runs is not
    missed. `read` polls until a body (or the page itself) holds `originalPrice` objects, a bounded time:
    the price chunk may be loaded lazily by the app's router after the page is "loaded".
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.responses: list[PlaywrightResponse] = []
        self.page_status: int | None = None

    def on_response(self, response: PlaywrightResponse) -> None:
        """Page "response" event handler."""
        resource_type = response.request.resource_type
        if resource_type == "document":
            with suppress(PlaywrightError):  # a service worker's response has no frame
                if response.frame.parent_frame is None:
                    self.page_status = response.status
        elif resource_type in _READ_RESOURCE_TYPES and response.status < 400:
            self.responses.append(response)

    async def read(self, page: Page) -> CapturedTexts:
        """Bodies holding `originalPrice`, read until price objects show up or the time is over (never unbounded)."""
        deadline = time.monotonic() + self.timeout_s
        texts: list[str] = []
        found = False
        scanned = 0
        while True:
            while scanned < len(self.responses) and time.monotonic() < deadline:
                text = await self._body(self.responses[scanned], deadline)
                scanned += 1
                if text is not None and PRICE_KEY in text:
                    texts.append(text)
                    found = found or has_price_objects(text)
            if not found:
                html = await self._content(page, deadline)
                found = html is not None and has_price_objects(html)
            if found or time.monotonic() >= deadline or (self.page_status or 0) >= 400:
                return CapturedTexts(texts, found, scanned)
            await asyncio.sleep(_POLL_S)

    @staticmethod
    async def _body(response: PlaywrightResponse, deadline: float) -> str | None:
        try:
            body = await asyncio.wait_for(response.body(), timeout=max(0.5, deadline - time.monotonic()))
        except (TimeoutError, PlaywrightError):  # a redirect has no body; a slow one is not waited for
            return None
        try:
            return decode_text(body, fallbacks=CHINESE_FALLBACKS)
        except ParseError:  # a script no declared encoding reads holds no price we could trust
            return None

    @staticmethod
    async def _content(page: Page, deadline: float) -> str | None:
        try:
            return await asyncio.wait_for(page.content(), timeout=max(0.5, deadline - time.monotonic()))
        except (TimeoutError, PlaywrightError):  # the page is navigating: try again on the next poll
            return None


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class AutodlGpuSpider(SourceSpider):
    name = "autodl_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = (
        "AutoDL: market list with a login token (cheapest machine per GPU type and region), else the home page's "
        "public list price per GPU type in Chromium (CNY per GPU-hour)"
    )
    # The Playwright handler serves only requests marked meta["playwright"] (the tokenless home page); the
    # token path's JSON POSTs still go through Scrapy's own HTTP handler (scrapy-playwright 0.0.48 handler.py).
    needs_browser = True
    # An undocumented console API: one request at a time, a second apart (gpu.md §7).
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 1.0}  # noqa: RUF012

    def __init__(
        self,
        *args: Any,
        token: str | None = None,
        gpus: str = "",
        regions: str = "",
        min_idle_gpus: str | int = 1,
        page_size: str | int = 10,
        max_pages: str | int = 100,
        public_url: str | None = None,
        page_timeout_s: str | float = 30,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: the page whose scripts carry the public price list (used without a token)
        self.public_url = public_url or DEFAULT_PUBLIC_URL
        #: bound on the page's navigation and on the wait for its price list, each
        self.page_timeout_s = float(page_timeout_s)
        self._token_arg = token or None  # never logged, never an attribute Scrapy prints
        #: AutoDL's GPU type names ("A100-SXM4-80GB,RTX 4090") and region signs ("neimeng-A"); empty = all
        self.gpu_types = _names(gpus)
        self.regions = _names(regions)
        # The documented body asks for machines with at least one idle GPU (1); 0 may list full ones too.
        self.min_idle_gpus = int(min_idle_gpus)
        self.page_size = int(page_size)
        self.max_pages = int(max_pages)

    def _token(self) -> str | None:
        """The login token: `-a token=`, else the source's `token` secret; None without one.

        A `token` secret whose environment variable is not set is a failure, not a silent switch to
        the public list: the operator asked for the market list.
        """
        if self._token_arg:
            return self._token_arg
        try:
            token = self.source_settings.secret("token")
        except ConfigError as exc:
            self.fail(f"no token configured: {exc}")
            return None
        return token or None

    def page_request(self, page_index: int, token: str, meta: dict[str, Any]) -> scrapy.Request:
        """The POST for one page of the market list; `meta` carries the page count and machines read so far."""
        body = build_body(
            page_index,
            gpu_types=self.gpu_types,
            regions=self.regions,
            min_idle_gpus=self.min_idle_gpus,
            page_size=self.page_size,
        )
        # AutoDL takes the bare token, no "Bearer" (gpu.md §4.5).
        headers = {"Authorization": token, "Origin": ORIGIN, "Referer": REFERER}
        return self.request(self.endpoint, step=MARKET_PAGE, json=body, headers=headers, meta=meta)

    def public_request(self) -> scrapy.Request:
        """The home page in Chromium, with its scripts and data calls read for the `originalPrice` list."""
        capture = PriceListCapture(self.page_timeout_s)
        request = self.request(self.public_url, step=PUBLIC_LIST)
        request.meta.update(
            {
                "playwright": True,
                "playwright_page_event_handlers": {"response": capture.on_response},
                # The bundle is what matters: don't wait for every image and tracker to load.
                "playwright_page_goto_kwargs": {
                    "wait_until": "domcontentloaded",
                    "timeout": self.page_timeout_s * 1000,
                },
                "playwright_page_methods": [PageMethod(capture.read)],
            }
        )
        return request

    async def start(self) -> AsyncIterator[scrapy.Request]:
        token = self._token()
        if token is not None:
            yield self.page_request(1, token, {"page_index": 1, "max_pages": self.max_pages})
        elif not self.failures:
            self.note(NO_TOKEN)
            yield self.public_request()

    def follow_up(self, follow: FollowUp) -> scrapy.Request:
        """The next market page: the same filters and token on the configured endpoint."""
        token = self._token()
        if follow.step != MARKET_PAGE or token is None:
            return super().follow_up(follow)
        return self.page_request(int(follow.meta["page_index"]), token, dict(follow.meta))

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """The public list is read from the rendered page and the scripts it loaded, not the page alone."""
        if step != PUBLIC_LIST:
            yield from super().parse_response(response, step, parser_meta)
            return
        captured = response.meta["playwright_page_methods"][0].result
        if not isinstance(captured, CapturedTexts):
            self.fail(f"the scripts of {short_url(response.url)} were not read")
            return
        self.logger.info("read %d script/data bodies of %s, %d mention %s", captured.scanned, response.url,
                         len(captured.texts), PRICE_KEY)  # fmt: skip
        if not captured.found:
            self.fail(
                f"no price objects ({PRICE_KEY!r} with a value) in {short_url(response.url)} or the "
                f"{captured.scanned} scripts and data calls it loaded within {self.page_timeout_s:g}s: "
                "the page or its bundle changed"
            )
            return
        # The rendered page goes in too: the list may sit in an inline script instead of the bundle.
        # (scrapy-playwright hands the rendered page over as UTF-8 encoded text, so it always decodes)
        texts = [decode_text(response.body), *captured.texts]
        yield from super().parse_response(response.replace(body=join_texts(texts)), step, parser_meta)
