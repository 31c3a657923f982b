"""eastmoney_quotes: A-share, index, CSI, HK and US snapshots from Eastmoney push2 `stock/get`, one per symbol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from core.symbols import Symbol, eastmoney_secids
from spiders.items import Quote
from spiders.parsers.eastmoney_quotes import DEFAULT_ENDPOINT, parse, quote_url
from spiders.parsers.quotes_common import QuoteBatch
from spiders.sources.quotes_base import QuoteSpider


class EastmoneyQuotesSpider(QuoteSpider):
    name = "eastmoney_quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Eastmoney push2 stock/get: A-share, index (incl. CSI-only), HK and US snapshots with limit prices"
    exchanges = frozenset({"SH", "SZ", "BJ", "CSI", "HK", "US"})
    # The most rate-limited source (502s, IP blocks): few concurrent requests, the web page's Referer.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS_PER_DOMAIN": 3,
        "DEFAULT_REQUEST_HEADERS": {"Referer": "https://quote.eastmoney.com/", "Accept": "application/json"},
    }

    def __init__(self, *args: Any, fltt: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fltt not in (None, "", "1", "2"):
            raise ValueError(f"fltt must be 1 or 2, got {fltt!r}")
        self.fltt2 = fltt == "2"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        self.sent(len(symbols))
        for symbol in symbols:
            yield self._request(symbol, eastmoney_secids(symbol))

    def _request(self, symbol: Symbol, secids: tuple[str, ...]) -> scrapy.Request:
        url = quote_url(self.endpoint, secids[0], fltt2=self.fltt2)
        return scrapy.Request(
            url,
            callback=self.parse_snapshot,
            errback=self.errback,
            cb_kwargs={"url": url, "symbol": symbol, "later": secids[1:]},
        )

    def parse_snapshot(
        self, response: Response, url: str, symbol: Symbol, later: tuple[str, ...], **_: Any
    ) -> Iterator[Quote | scrapy.Request]:
        fetched_at = self.now()
        batch = self.parsed(response, lambda: parse(response.body, url=url, fetched_at=fetched_at))
        if batch is not None and batch.unknown and later:
            # A US ticker's exchange is not in the ticker: NASDAQ (105), then NYSE (106), then AMEX (107).
            self.sent()
            yield self._request(symbol, later)
            batch = QuoteBatch([], [])
        yield from self.accept(batch)
