"""yahoo_quotes: US, HK and A-share quotes from the Yahoo Finance v8 chart API, one request per symbol."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.parsers.yahoo_quotes import DEFAULT_ENDPOINT, quote_url
from spiders.sources.quotes_base import QuoteSpider


class YahooQuotesSpider(QuoteSpider):
    name = "yahoo_quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Yahoo Finance v8 chart: US and HK quotes (A-shares too), previous close from the daily bars"
    expects = "json"
    # CSI-only indices are not on Yahoo; Beijing (.BJ) coverage is unverified (stocks.md §13).
    exchanges = frozenset({"SH", "SZ", "BJ", "HK", "US"})
    # 429s are common since 2025: one request at a time, spaced out.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 2.0}  # noqa: RUF012

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        self.sent(len(symbols))
        for symbol in symbols:
            yield self.request(quote_url(self.endpoint, symbol))
