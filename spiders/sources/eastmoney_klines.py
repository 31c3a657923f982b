"""eastmoney_klines: daily closes (unadjusted) from Eastmoney push2his k-lines, for weekly index and stock reviews."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from core.symbols import Symbol, eastmoney_secids
from spiders.items import Quote
from spiders.parsers.eastmoney_klines import DEFAULT_ENDPOINT, kline_url, parse
from spiders.parsers.quotes_common import QuoteBatch
from spiders.sources.quotes_base import QuoteSpider


class EastmoneyKlinesSpider(QuoteSpider):
    name = "eastmoney_klines"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Eastmoney push2his daily k-lines: one closed-day quote per trading day (weekly index moves)"
    exchanges = frozenset({"SH", "SZ", "BJ", "CSI", "HK", "US"})
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS_PER_DOMAIN": 3,
        "DEFAULT_REQUEST_HEADERS": {"Referer": "https://quote.eastmoney.com/", "Accept": "application/json"},
    }

    def __init__(self, *args: Any, days: str | int = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days = int(days)
        if not 1 <= self.days <= 800:  # ~800 rows per request is what the host is reported to serve
            raise ValueError(f"days must be 1..800, got {self.days}")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        self.sent(len(symbols))
        for symbol in symbols:
            yield self._request(symbol, eastmoney_secids(symbol))

    def _request(self, symbol: Symbol, secids: tuple[str, ...]) -> scrapy.Request:
        url = kline_url(self.endpoint, secids[0], days=self.days)
        kwargs = {"url": url, "symbol": symbol, "later": secids[1:]}
        return scrapy.Request(url, callback=self.parse_klines, errback=self.errback, cb_kwargs=kwargs)

    def parse_klines(
        self, response: Response, url: str, symbol: Symbol, later: tuple[str, ...], **_: Any
    ) -> Iterator[Quote | scrapy.Request]:
        fetched_at = self.now()
        batch = self.parsed(response, lambda: parse(response.body, url=url, fetched_at=fetched_at))
        if batch is not None and batch.unknown and later:
            self.sent()  # a US ticker: NASDAQ, then NYSE, then AMEX
            yield self._request(symbol, later)
            batch = QuoteBatch([], [])
        yield from self.accept(batch)
