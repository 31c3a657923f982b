"""sina_quotes: A-share, index and HK quotes from Sina hq.sinajs.cn (fallback; needs the Referer; GBK)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.parsers.sina_quotes import DEFAULT_ENDPOINT, MAX_BATCH, REFERER, quote_url
from spiders.sources.quotes_base import QuoteSpider


class SinaQuotesSpider(QuoteSpider):
    name = "sina_quotes"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Sina hq.sinajs.cn: A-share, index and HK quotes, batched, change % computed (fallback)"
    expects = "text"
    # US lines (gb_) have an unverified layout (stocks.md §3, L): Yahoo and Tencent cover US.
    exchanges = frozenset({"SH", "SZ", "BJ", "HK"})
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    async def start(self) -> AsyncIterator[scrapy.Request]:
        symbols = self.wanted()
        batches = [symbols[i : i + MAX_BATCH] for i in range(0, len(symbols), MAX_BATCH)]
        self.sent(len(batches))
        for batch in batches:
            # Without the Referer Sina answers 403 or "Kinsoku jikou desu" (since ~Jan 2022).
            yield self.request(quote_url(self.endpoint, batch), headers={"Referer": REFERER})
