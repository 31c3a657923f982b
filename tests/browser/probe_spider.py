"""A browser spider used only by the tests: the page builds its content with JavaScript from a JSON call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import scrapy
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from spiders.base import SourceSpider
from spiders.items import GpuOffer


class BrowserProbeSpider(SourceSpider):
    name = "browser_probe"
    kind = "gpu"
    default_endpoint = "http://127.0.0.1:9/store"
    needs_browser = True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        wait = PageMethod("wait_for_selector", "#offer[data-price]", timeout=15_000)
        meta = {"playwright": True, "playwright_page_methods": [wait]}
        yield scrapy.Request(self.endpoint, meta=meta, callback=self.parse_store, errback=self.errback)

    def parse_store(self, response: Response) -> Iterator[GpuOffer]:
        offer = response.css("#offer")
        yield GpuOffer(
            source=self.name,
            url=response.url,
            observed_at=self.now(),
            provider="probe",
            instance_type=offer.attrib["data-name"],
            region="local",
            gpu_model="A100-80G",
            gpu_count=Decimal(1),
            billing="on_demand",
            currency="CNY",
            price=Decimal(offer.attrib["data-price"]),
        )
