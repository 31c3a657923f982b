"""lambda_gpu: Lambda's public GPU Cloud pricing page (static HTML table, USD per GPU-hour, no key)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.lambda_gpu import DEFAULT_ENDPOINT, parse_pricing


class LambdaGpuSpider(SourceSpider):
    name = "lambda_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Lambda GPU Cloud pricing table: on-demand instances, priced per GPU-hour (USD, before sales tax)"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.endpoint, callback=self.parse_pricing, errback=self.errback)

    def parse_pricing(self, response: Response) -> Iterator[GpuOffer]:
        fetched_at = self.now()
        page = self.parsed(response, lambda: parse_pricing(response.body, url=response.url, fetched_at=fetched_at))
        if page is None:
            return
        self.report_skipped(page.unknown_gpus, page.skipped)
        if not page.offers:
            self.fail("the pricing table has rows but none with a price")
            return
        yield from page.offers
