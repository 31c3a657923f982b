"""eastmoney_klines: daily closes (unadjusted) from Eastmoney push2his k-lines, for weekly index and stock reviews."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from core.symbols import eastmoney_secids
from spiders.parsers.eastmoney_klines import DEFAULT_ENDPOINT, kline_url
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
            # The parser asks for the `later` secids one by one while the answer says "unknown" (US tickers).
            first, *later = eastmoney_secids(symbol)
            yield self.request(kline_url(self.endpoint, first, days=self.days), meta={"later": later})
