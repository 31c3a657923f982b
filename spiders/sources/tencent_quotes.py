"""tencent_quotes: A-share, index, HK and US quotes from Tencent qt.gtimg.cn, batched, GBK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.items import Quote
from spiders.parsers.tencent_quotes import DEFAULT_ENDPOINT, MAX_BATCH, parse, quote_url
from spiders.sources.quotes_base import QuoteSpider


class TencentQuotesSpider(QuoteSpider):
    name = "tencent_quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Tencent qt.gtimg.cn: A-share, index, HK and US quotes, batched (primary for A-shares and HK)"
    # No key or header needed; a few batched requests a minute is far below what public clients send.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}  # noqa: RUF012 - Scrapy declares it an instance attribute

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        batches = [symbols[i : i + MAX_BATCH] for i in range(0, len(symbols), MAX_BATCH)]
        self.sent(len(batches))
        for batch in batches:
            url = quote_url(self.endpoint, batch)
            yield scrapy.Request(url, callback=self.parse_quotes, errback=self.errback, cb_kwargs={"url": url})

    def parse_quotes(self, response: Response, url: str, **_: Any) -> Iterator[Quote]:
        fetched_at = self.now()
        yield from self.take(response, lambda: parse(response.body, url=url, fetched_at=fetched_at))
