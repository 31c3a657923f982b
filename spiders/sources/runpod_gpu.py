"""runpod_gpu: RunPod's public GraphQL `gpuTypes` (no key): secure, community and spot prices per GPU-hour."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.runpod_gpu import DEFAULT_ENDPOINT, GPU_TYPES_QUERY


class RunpodGpuSpider(SourceSpider):
    name = "runpod_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "RunPod GraphQL gpuTypes: secure (on-demand), community and spot prices per GPU-hour (USD)"
    expects = "json"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.endpoint, json={"operationName": "GpuTypes", "query": GPU_TYPES_QUERY, "variables": {}})
