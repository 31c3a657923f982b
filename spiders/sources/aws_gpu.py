"""aws_gpu: EC2 GPU instance prices (Linux on-demand and spot, every region) from instances.vantage.sh."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.aws_gpu import DEFAULT_ENDPOINT


class AwsGpuSpider(SourceSpider):
    name = "aws_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "EC2 GPU instances (p4d A100, p5 H100 …) via instances.vantage.sh: on-demand and spot (USD per hour)"
    expects = "json"
    # instances.json describes every EC2 type (tens of MB; the GPU records alone are 3.8 MB, 2025-11), and
    # DOWNLOAD_MAXSIZE also caps the decompressed size: allow it for this spider only, without the 32 MiB
    # size warning, and give the download time.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "DOWNLOAD_MAXSIZE": 512 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 256 * 1024 * 1024,
        "DOWNLOAD_TIMEOUT": 300,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # The parser is handed response.body as bytes: json.loads decodes it once, no str copy is made first.
        yield self.request(self.endpoint)
