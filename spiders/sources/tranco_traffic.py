"""tranco_traffic: Tranco's daily rank of each watched domain (no key, at most one request a second)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import scrapy

from core.traffic_domains import split_domains
from spiders.base import SourceSpider
from spiders.parsers.tranco_traffic import DEFAULT_ENDPOINT


class TrancoTrafficSpider(SourceSpider):
    name = "tranco_traffic"
    kind = "traffic"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Tranco research ranking: daily global rank per domain (30-day aggregate; ranks only, no visits)"
    expects = "json"
    # Each domain is its own series: a domain that failed does not make the others' ranks wrong.
    atomic = False
    # Tranco answers 429 (with an HTML body) beyond one query a second (traffic.md §3.1): 1.1 s apart, in order.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 1.1,
        "DOWNLOAD_DELAY_JITTER": 0,  # Scrapy 2.19 name; RANDOMIZE_DOWNLOAD_DELAY is deprecated
        "AUTOTHROTTLE_ENABLED": False,
    }

    def __init__(self, *args: Any, domains: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._domains_arg = domains

    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            arg = self._domains_arg
            domains = split_domains(arg) if arg else list(self.crawl_settings.traffic_domains)
        except ValueError as exc:
            self.fail(str(exc))
            return
        if not domains:
            self.fail("no domain to fetch (-a domains=… or [traffic] apps)")
            return
        for domain in domains:
            yield self.request(f"{self.endpoint}/{quote(domain)}", meta={"domain": domain})
