"""lambda_gpu: Lambda's public GPU Cloud pricing page (static HTML table, USD per GPU-hour, no key)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.lambda_gpu import DEFAULT_ENDPOINT


class LambdaGpuSpider(SourceSpider):
    name = "lambda_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Lambda GPU Cloud pricing table: on-demand instances, priced per GPU-hour (USD, before sales tax)"
    expects = "html"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.endpoint)
