"""tencent_gpu: Tencent Cloud GPU instance hourly list prices and stock from the purchase page's API (no login)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.tencent_gpu import (
    DEFAULT_ENDPOINT,
    DEFAULT_REGIONS,
    parse_answer,
    request_body,
    request_headers,
    request_query,
)

_REGION = re.compile(r"[a-z]{2}-[a-z]+(?:-[a-z0-9]+)*")


class TencentGpuSpider(SourceSpider):
    name = "tencent_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Tencent Cloud purchase-page API: GPU instances (GT4 A100 …), hourly list price and stock (CNY)"
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
        self.offers_seen = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for region in self.regions:
            yield scrapy.Request(
                f"{self.endpoint}?{request_query(region)}",
                method="POST",
                body=json.dumps(request_body(region)),
                headers=request_headers(int(self.now().timestamp() * 1000)),
                callback=self.parse_region,
                errback=self.errback,
                cb_kwargs={"region": region},
                dont_filter=True,
            )

    def parse_region(self, response: Response, region: str) -> Iterator[GpuOffer]:
        fetched_at = self.now()
        answer = self.parsed(response, lambda: parse_answer(response.body, url=response.url, fetched_at=fetched_at))
        if answer is None:
            return
        self.logger.info("%s: %d GPU offers (RequestId %s)", region, len(answer.offers), answer.request_id)
        for message in answer.notes:
            self.note(message)
        for reason in answer.skipped:
            self.logger.debug("skipped %s", reason)
        self.offers_seen += len(answer.offers)
        yield from answer.offers

    def closed(self, reason: str) -> None:
        """A run that read every region and found no GPU at all is a changed API, not a quiet market."""
        if reason == "finished" and not self.failures and self.offers_seen == 0:
            self.fail(f"no GPU offer in any of {self.regions} (filters or field names changed?)")
