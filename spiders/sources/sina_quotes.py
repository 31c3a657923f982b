"""sina_quotes: A-share, index and HK quotes from Sina hq.sinajs.cn (fallback; needs the Referer; GBK)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.items import Quote
from spiders.parsers.sina_quotes import DEFAULT_ENDPOINT, MAX_BATCH, REFERER, parse, quote_url
from spiders.sources.quotes_base import QuoteSpider


class SinaQuotesSpider(QuoteSpider):
    name = "sina_quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Sina hq.sinajs.cn: A-share, index and HK quotes, batched, change % computed (fallback)"
    # US lines (gb_) have an unverified layout (stocks.md §3, L): Yahoo and Tencent cover US.
    exchanges = frozenset({"SH", "SZ", "BJ", "HK"})
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        batches = [symbols[i : i + MAX_BATCH] for i in range(0, len(symbols), MAX_BATCH)]
        self.sent(len(batches))
        for batch in batches:
            url = quote_url(self.endpoint, batch)
            yield scrapy.Request(
                url,
                # Without the Referer Sina answers 403 or "Kinsoku jikou desu" (since ~Jan 2022).
                headers={"Referer": REFERER},
                callback=self.parse_quotes,
                errback=self.errback,
                cb_kwargs={"url": url},
            )

    def parse_quotes(self, response: Response, url: str, **_: Any) -> Iterator[Quote]:
        fetched_at = self.now()
        yield from self.take(response, lambda: parse(response.body, url=url, fetched_at=fetched_at))
