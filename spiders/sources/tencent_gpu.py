"""tencent_gpu: Tencent Cloud GPU instance hourly list prices and stock from the purchase page's API (no login)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.tencent_gpu import DEFAULT_ENDPOINT, DEFAULT_REGIONS, request_body, request_headers, request_query

_REGION = re.compile(r"[a-z]{2}-[a-z]+(?:-[a-z0-9]+)*")


class TencentGpuSpider(SourceSpider):
    name = "tencent_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Tencent Cloud purchase-page API: GPU instances (GT4 A100 …), hourly list price and stock (CNY)"
    expects = "json"
    # A region may sell no GPU; a run that read every region and found none is a changed API, not a quiet market.
    empty_run_reason = "no GPU offer in any of {spider.regions} (filters or field names changed?)"
    # An undocumented console endpoint: one request at a time, a second apart (gpu.md §7).
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 1.0,
    }

    def __init__(self, *args: Any, regions: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [r.strip() for r in regions.split(",")] if regions else list(DEFAULT_REGIONS)
        self.regions = [r for r in names if r]
        bad = [r for r in self.regions if not _REGION.fullmatch(r)]
        if bad or not self.regions:
            raise ValueError(f"regions must be Tencent region ids like ap-beijing, got {regions!r}")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for region in self.regions:
            yield self.request(
                f"{self.endpoint}?{request_query(region)}",
                method="POST",
                body=json.dumps(request_body(region)),
                headers=request_headers(int(self.now().timestamp() * 1000)),
            )
