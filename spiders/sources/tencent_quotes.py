"""tencent_quotes: A-share, index, HK and US quotes from Tencent qt.gtimg.cn, batched, GBK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.parsers.tencent_quotes import DEFAULT_ENDPOINT, MAX_BATCH, quote_url
from spiders.sources.quotes_base import QuoteSpider


class TencentQuotesSpider(QuoteSpider):
    name = "tencent_quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Tencent qt.gtimg.cn: A-share, index, HK and US quotes, batched (primary for A-shares and HK)"
    expects = "text"
    # No key or header needed; a few batched requests a minute is far below what public clients send.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}  # noqa: RUF012 - Scrapy declares it an instance attribute

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        batches = [symbols[i : i + MAX_BATCH] for i in range(0, len(symbols), MAX_BATCH)]
        self.sent(len(batches))
        for batch in batches:
            yield self.request(quote_url(self.endpoint, batch))
