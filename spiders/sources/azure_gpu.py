"""azure_gpu: GPU VM prices from the Azure Retail Prices API (no key), following NextPageLink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.azure_gpu import API_VERSION, DEFAULT_ENDPOINT, build_filter
from spiders.parsers.contract import FollowUp


class AzureGpuSpider(SourceSpider):
    name = "azure_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Azure Retail Prices API: A100/H100/H200 VMs, on-demand and spot, per region (USD per VM-hour)"
    expects = "json"
    # Azure throttles bursts with 429; one request at a time is plenty for ~10 pages.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    def __init__(self, *args: Any, max_pages: str | int = 200, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        query = urlencode({"api-version": API_VERSION, "$filter": build_filter()})
        yield self.request(f"{self.endpoint}?{query}", meta={"page": 1, "max_pages": self.max_pages})

    def follow_up(self, follow: FollowUp) -> scrapy.Request:
        """The next page on the configured endpoint: NextPageLink's own host is never followed (it may be live)."""
        return super().follow_up(replace(follow, url=f"{self.endpoint}?{urlsplit(follow.url).query}"))
