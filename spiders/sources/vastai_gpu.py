"""vastai_gpu: Vast.ai marketplace offers search (POST, no key), summarised per GPU, count and country."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.vastai_gpu import DEFAULT_ENDPOINT, DEFAULT_LIMIT, build_query


class VastaiGpuSpider(SourceSpider):
    name = "vastai_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Vast.ai marketplace: on-demand offers per GPU, count and country (median USD per offer-hour)"
    expects = "json"
    # Vast answers bursts with 429 "API requests too frequent" (thresholds undisclosed): one request per run.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    def __init__(self, *args: Any, gpus: str = "", limit: str | int = DEFAULT_LIMIT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Vast's own GPU names to search for ("A100 SXM4,H100 SXM"); empty searches every GPU
        self.gpus = [name.strip() for name in gpus.split(",") if name.strip()]
        self.limit = int(limit)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.endpoint, json=build_query(self.gpus, self.limit), meta={"limit": self.limit})
