"""vastai_gpu: Vast.ai marketplace offers search (POST, no key), summarised per GPU, count and country."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import JsonRequest, Response

from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.common import load_json
from spiders.parsers.vastai_gpu import DEFAULT_ENDPOINT, DEFAULT_LIMIT, build_query, parse_offers


class VastaiGpuSpider(SourceSpider):
    name = "vastai_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Vast.ai marketplace: on-demand offers per GPU, count and country (median USD per offer-hour)"
    # Vast answers bursts with 429 "API requests too frequent" (thresholds undisclosed): one request per run.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # noqa: RUF012 - Scrapy declares it an instance attribute

    def __init__(self, *args: Any, gpus: str = "", limit: str | int = DEFAULT_LIMIT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Vast's own GPU names to search for ("A100 SXM4,H100 SXM"); empty searches every GPU
        self.gpus = [name.strip() for name in gpus.split(",") if name.strip()]
        self.limit = int(limit)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield JsonRequest(
            self.endpoint,
            data=build_query(self.gpus, self.limit),
            callback=self.parse_offers,
            errback=self.errback,
        )

    def parse_offers(self, response: Response) -> Iterator[GpuOffer]:
        fetched_at = self.now()
        page = self.parsed(
            response, lambda: parse_offers(load_json(response.body), url=response.url, fetched_at=fetched_at)
        )
        if page is None:
            return
        self.report_skipped(page.unknown_gpus, page.skipped)
        if page.offers_seen == 0:
            self.fail("no offer in the answer: the search matched nothing (query or GPU names changed?)")
            return
        if not page.groups:
            self.fail(f"none of the {page.offers_seen} offers is a priced offer of whole GPUs")
            return
        if page.offers_seen >= self.limit:
            self.note(f"the answer holds {page.offers_seen} offers, the limit: raise -a limit= to see them all")
        self.logger.info("%d offers summarised into %d groups", page.offers_seen, len(page.groups))
        yield from page.offers
