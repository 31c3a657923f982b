"""aliyun_gpu: Alibaba Cloud GPU instance list prices from the versioned CNY price file on g.alicdn.com."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.aliyun_gpu import DEFAULT_CDN, DEFAULT_ENDPOINT, PRICE_FILE, VERSION_PAGE, price_file_url


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

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.pinned_version is not None:
            meta = {"version": self.pinned_version, "pinned": True}
            yield self.request(price_file_url(self.cdn, self.pinned_version), step=PRICE_FILE, meta=meta)
            return
        yield self.request(self.endpoint, step=VERSION_PAGE, meta={"cdn": self.cdn})
