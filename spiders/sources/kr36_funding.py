"""kr36_funding: funding rounds from 36氪's newsflash gateway (JSON POST, page 1) and its article RSS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import scrapy
from scrapy.http import Response

from spiders.base import short_url
from spiders.items import FundingRound
from spiders.parsers.common import load_json
from spiders.parsers.funding_common import FundingPage, check_not_blocked
from spiders.parsers.kr36_funding import ARTICLE_FEED, DEFAULT_ENDPOINT, gateway_body, parse_feed, parse_gateway
from spiders.sources.funding_common import FundingFeedSpider


class Kr36FundingSpider(FundingFeedSpider):
    name = "kr36_funding"
    default_endpoint = DEFAULT_ENDPOINT
    extra_feeds = (ARTICLE_FEED,)
    description = "36氪 newsflash gateway (JSON) + article RSS: 融资 news -> rounds; two inputs, both must answer"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Page 1 of the gateway needs no signature; deeper pages do (funding.md §3), so v1 polls page 1 only.
        body = gateway_body(int(self.now().timestamp() * 1000))
        yield scrapy.Request(
            self.endpoint,
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Referer": "https://36kr.com/"},
            callback=self.parse_gateway,
            errback=self.errback,
            dont_filter=True,
        )
        for url in self.feed_urls()[1:]:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.errback, dont_filter=True)

    def parse_gateway(self, response: Response) -> Iterator[FundingRound]:
        """The newsflash list: JSON, or a risk-control page that is a block."""
        fetched_at = self.now()

        def read() -> FundingPage:
            check_not_blocked(self.body_text(response), what="the 36kr gateway JSON")
            return parse_gateway(load_json(response.body), url=response.url, fetched_at=fetched_at)

        page = self.parsed(response, read)
        if page is None:
            return
        if page.entries == 0:
            self.fail(f"no newsflash in {short_url(response.url)}")
        for reason in page.skipped:
            self.note(f"{short_url(response.url)}: {reason}")
        yield from self.fresh(page.rounds)

    def feed_parser(self, response: Response, fetched_at: datetime) -> FundingPage:
        return parse_feed(response.body, url=response.url, fetched_at=fetched_at)
