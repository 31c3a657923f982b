"""datacrunch_gpu: DataCrunch (Verda) public instance-type list, on-demand and spot (USD per instance-hour)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.datacrunch_gpu import DEFAULT_ENDPOINT


class DatacrunchGpuSpider(SourceSpider):
    name = "datacrunch_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "DataCrunch (Verda) instance types: H100/A100 on-demand and spot, per instance-hour (USD)"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.endpoint)
