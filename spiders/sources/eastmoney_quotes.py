"""eastmoney_quotes: A-share, index, CSI, HK and US snapshots from Eastmoney push2 `stock/get`, one per symbol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from core.symbols import eastmoney_secids
from spiders.parsers.eastmoney_quotes import DEFAULT_ENDPOINT, quote_url
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
            # The parser asks for the `later` secids one by one while the answer says "unknown" (US tickers).
            first, *later = eastmoney_secids(symbol)
            yield self.request(quote_url(self.endpoint, first, fltt2=self.fltt2), meta={"later": later})
