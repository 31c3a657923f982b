"""aliyun_gpu: Alibaba Cloud GPU instance list prices from the versioned CNY price file on g.alicdn.com."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.aliyun_gpu import (
    DEFAULT_CDN,
    DEFAULT_ENDPOINT,
    parse_price_file,
    parse_version_page,
    price_file_url,
)


class AliyunGpuSpider(SourceSpider):
    name = "aliyun_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Alibaba Cloud ECS price file: GPU instance families (gn7 A100 …) in every region (CNY per hour)"
    # The mainland instancePrice.json holds every ECS type in every region (tens of MB): allow it for this
    # spider only, without the 32 MiB size warning, and give the download time.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "DOWNLOAD_MAXSIZE": 256 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 128 * 1024 * 1024,
        "DOWNLOAD_TIMEOUT": 300,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }

    def __init__(self, *args: Any, cdn: str | None = None, version: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cdn = cdn or DEFAULT_CDN
        self.pinned_version = version or None
        if self.pinned_version is not None:
            price_file_url(self.cdn, self.pinned_version)  # a malformed pin fails at start, not at fetch
        #: the price-file version this run read (the lead stores it with the run); None until known
        self.price_file_version: str | None = None
        #: the file's own publicationDate, when it carries one
        self.price_file_published: str | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.pinned_version is not None:
            yield self._price_file_request(self.pinned_version, pinned=True)
            return
        yield scrapy.Request(self.endpoint, callback=self.parse_version, errback=self.errback)

    def parse_version(self, response: Response) -> Iterator[scrapy.Request]:
        found = self.parsed(response, lambda: parse_version_page(response.body))
        if found is None:
            return
        if len(found.seen) > 1:
            self.note(f"pricing page names several price-file versions {list(found.seen)}: using {found.version}")
        yield self._price_file_request(found.version, pinned=False)

    def _price_file_request(self, version: str, *, pinned: bool) -> scrapy.Request:
        self.price_file_version = version
        self.details["price_file_version"] = version
        self.note(f"price file version {version}" + (" (pinned with -a version=)" if pinned else ""))
        return scrapy.Request(price_file_url(self.cdn, version), callback=self.parse_prices, errback=self.errback)

    def parse_prices(self, response: Response) -> Iterator[GpuOffer]:
        fetched_at = self.now()
        result = self.parsed(response, lambda: parse_price_file(response.body, url=response.url, fetched_at=fetched_at))
        if result is None:
            return
        if result.version is not None and result.version != self.price_file_version:
            self.note(f"price file says version {result.version} but was fetched as {self.price_file_version}")
        self.price_file_published = result.publication_date
        self.details["price_file_published"] = result.publication_date
        if result.publication_date:
            self.note(f"price file published {result.publication_date}")
        for message in result.notes:
            self.note(message)
        for reason in result.skipped:
            self.logger.debug("skipped %s", reason)
        if not result.offers:
            self.fail(f"no GPU offer in price file {self.price_file_version} (file layout or families changed?)")
            return
        yield from result.offers
