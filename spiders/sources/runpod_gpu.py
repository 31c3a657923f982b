"""runpod_gpu: RunPod's public GraphQL `gpuTypes` (no key): secure, community and spot prices per GPU-hour."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import JsonRequest, Response

from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.common import load_json
from spiders.parsers.runpod_gpu import DEFAULT_ENDPOINT, GPU_TYPES_QUERY, parse_gpu_types


class RunpodGpuSpider(SourceSpider):
    name = "runpod_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "RunPod GraphQL gpuTypes: secure (on-demand), community and spot prices per GPU-hour (USD)"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield JsonRequest(
            self.endpoint,
            data={"operationName": "GpuTypes", "query": GPU_TYPES_QUERY, "variables": {}},
            callback=self.parse_gpu_types,
            errback=self.errback,
        )

    def parse_gpu_types(self, response: Response) -> Iterator[GpuOffer]:
        fetched_at = self.now()
        page = self.parsed(
            response, lambda: parse_gpu_types(load_json(response.body), url=response.url, fetched_at=fetched_at)
        )
        if page is None:
            return
        self.report_skipped(page.unknown_gpus, page.skipped)
        if not page.offers:
            self.fail("no priced GPU type in the answer (an empty gpuTypes list or every price null)")
            return
        yield from page.offers
