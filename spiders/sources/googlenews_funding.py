"""googlenews_funding: funding rounds from Google News RSS searches (`-a queries=q1,q2`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from spiders.parsers.googlenews_funding import DEFAULT_ENDPOINT, DEFAULT_QUERIES, search_query
from spiders.sources.funding_common import FundingFeedSpider


class GoogleNewsFundingSpider(FundingFeedSpider):
    name = "googlenews_funding"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Google News RSS search (configurable queries): funding headlines from many outlets -> rounds"
    expects = "xml"

    def __init__(self, *args: Any, queries: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Queries are comma-separated (config lists arrive joined with commas), so a query holds no comma.
        given = [q.strip() for q in (queries or "").split(",") if q.strip()]
        self.queries = given or list(DEFAULT_QUERIES)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for query in self.queries:
            yield self.request(f"{self.endpoint}?{search_query(query)}")
