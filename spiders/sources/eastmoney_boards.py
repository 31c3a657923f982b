"""eastmoney_boards: every member of the configured Eastmoney boards (clist `fs=b:BK0800`) with its quote."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.base import SourceSpider
from spiders.items import Item, Quote
from spiders.parsers.contract import ParseResult
from spiders.parsers.eastmoney_boards import BOARD_CODE, DEFAULT_ENDPOINT, MAX_PAGE_SIZE, board_url


class EastmoneyBoardsSpider(SourceSpider):
    """Pages through each board's constituents; `details["boards"]` records which symbols belong to which board."""

    name = "eastmoney_boards"
    kind = "quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Eastmoney push2 clist: every member of a board (b:BK0800) with its quote, for a board's top movers"
    # The most rate-limited Eastmoney host (stocks.md §5): a few requests at a time, the list page's Referer.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DEFAULT_REQUEST_HEADERS": {"Accept": "application/json"},
    }
    #: set on each request: Scrapy's RefererMiddleware would otherwise send page 1's API URL with page 2
    headers: ClassVar[dict[str, str]] = {"Referer": "https://quote.eastmoney.com/"}

    def __init__(
        self,
        *args: Any,
        boards: str | None = None,
        fltt: str | None = "2",
        page_size: str | int = MAX_PAGE_SIZE,
        max_pages: str | int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if fltt not in (None, "", "1", "2"):
            raise ValueError(f"fltt must be 1 or 2, got {fltt!r}")
        self.boards_arg = boards
        self.fltt2 = fltt == "2"
        self.page_size, self.max_pages = int(page_size), int(max_pages)
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE} (clist's cap), got {self.page_size}")
        if self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {self.max_pages}")
        self.members: dict[str, list[str]] = {}
        self.totals: dict[str, int] = {}
        self.unknown: list[str] = []
        self._yielded: set[str] = set()
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> EastmoneyBoardsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, EastmoneyBoardsSpider)
        if spider.boards_arg is None:  # the [quotes] boards
            spider.boards_arg = ",".join(spider.crawl_settings.quote_boards) or None
        return spider

    def wanted(self) -> list[str]:
        """The board codes of this run (`-a boards=BK0800,BK1184`); a bad or missing list is a recorded failure."""
        codes = list(dict.fromkeys(c.strip().upper() for c in (self.boards_arg or "").split(",") if c.strip()))
        if not codes:
            self.fail("no boards: give -a boards=BK0800 or list them in [quotes] boards")
            return []
        bad = [code for code in codes if not BOARD_CODE.fullmatch(code)]
        if bad:
            self.fail(f"bad -a boards: {', '.join(bad)} (Eastmoney board codes look like BK0800)")
            return []
        return codes

    async def start(self) -> AsyncIterator[scrapy.Request]:
        boards = self.wanted()
        for board in boards:
            self.members[board] = []
            self.details.setdefault("boards", {})[board] = self.members[board]
        # Counted up front: the first board's answer may arrive before the last board's request is made.
        self._pending += len(boards)
        for board in boards:
            url = board_url(self.endpoint, board, page=1, page_size=self.page_size, fltt2=self.fltt2)
            yield self.request(url, meta={"max_pages": self.max_pages})

    def request(self, url: str, **kwargs: Any) -> scrapy.Request:
        """Every page (the parser's next-page follow-ups too) carries the list page's Referer."""
        kwargs["headers"] = {**self.headers, **(kwargs.get("headers") or {})}
        return super().request(url, **kwargs)

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """The generic callback; whatever the answer (a page, an unknown board, a failure), one request is done."""
        try:
            yield from super().parse_response(response, step, parser_meta)
        finally:
            self._done()

    def handle_result(self, result: ParseResult, response: Response) -> Iterator[Any]:
        """Run-wide assembly over pages and boards: members and totals per board, a share in two boards once."""
        for board in result.details.get("unknown_boards", []):
            self.unknown.append(board)
            self.details["boards"].pop(board, None)
        for board, members in result.details.get("boards", {}).items():
            self.members.setdefault(board, [])[:] = members  # the same list as details["boards"][board]
        for board, total in result.details.get("board_totals", {}).items():
            self.totals.setdefault(board, total)  # page 1's count stands for the board
            self.details.setdefault("board_totals", {}).setdefault(board, total)
        fresh: list[Item] = []
        for quote in result.items:
            if isinstance(quote, Quote) and quote.symbol not in self._yielded:  # a share in two boards is one quote
                self._yielded.add(quote.symbol)
                fresh.append(quote)
        self._pending += len(result.follow)
        yield from super().handle_result(replace(result, items=fresh, details={}), response)

    def errback(self, failure: Failure) -> None:
        """Record the failed request like every source, then close the books when it was the last one."""
        try:
            super().errback(failure)
        finally:
            self._done()

    def _done(self) -> None:
        self._pending -= 1
        if self._pending == 0 and not self.failures and not self._yielded:
            if self.unknown and len(self.unknown) == len(self.members):
                self.fail(f"no board known to Eastmoney ({', '.join(self.unknown)})")
            elif not self.totals or not any(self.totals.values()):
                self.fail(f"no member listed for any board ({', '.join(self.members)})")
