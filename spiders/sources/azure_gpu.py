"""azure_gpu: GPU VM prices from the Azure Retail Prices API (no key), following NextPageLink."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.azure_gpu import API_VERSION, DEFAULT_ENDPOINT, build_filter, parse_page
from spiders.parsers.common import load_json


class AzureGpuSpider(SourceSpider):
    name = "azure_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Azure Retail Prices API: A100/H100/H200 VMs, on-demand and spot, per region (USD per VM-hour)"
    # Azure throttles bursts with 429; one request at a time is plenty for ~10 pages.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    def __init__(self, *args: Any, max_pages: str | int = 200, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)
        self.offers_seen = 0

    def page_url(self, query: str) -> str:
        """A page URL on the configured endpoint (NextPageLink's own host is never followed: it may be live)."""
        return f"{self.endpoint}?{query}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        query = urlencode({"api-version": API_VERSION, "$filter": build_filter()})
        yield scrapy.Request(
            self.page_url(query), callback=self.parse_prices, errback=self.errback, cb_kwargs={"page": 1}
        )

    def parse_prices(self, response: Response, page: int) -> Iterator[GpuOffer | scrapy.Request]:
        fetched_at = self.now()
        result = self.parsed(
            response, lambda: parse_page(load_json(response.body), url=response.url, fetched_at=fetched_at)
        )
        if result is None:
            return
        for reason in result.skipped:
            if "unknown GPU SKU" in reason:
                self.note(reason)
            else:
                self.logger.debug("skipped %s", reason)
        self.offers_seen += len(result.offers)
        yield from result.offers
        if result.next_page_url is None:
            if self.offers_seen == 0:
                self.fail("no GPU offer in the answer: the filter matched nothing (SKU names changed?)")
            return
        if page >= self.max_pages:
            self.fail(f"more than {self.max_pages} pages: stopped instead of truncating (raise -a max_pages=)")
            return
        next_url = self.page_url(urlsplit(result.next_page_url).query)
        yield scrapy.Request(next_url, callback=self.parse_prices, errback=self.errback, cb_kwargs={"page": page + 1})
