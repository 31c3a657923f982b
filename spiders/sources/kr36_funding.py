"""kr36_funding: funding rounds from 36氪's newsflash gateway (JSON POST, page 1) and its article RSS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import scrapy

from spiders.parsers.kr36_funding import ARTICLE_FEED, DEFAULT_ENDPOINT, GATEWAY, gateway_body
from spiders.sources.funding_common import FundingFeedSpider


class Kr36FundingSpider(FundingFeedSpider):
    name = "kr36_funding"
    default_endpoint = DEFAULT_ENDPOINT
    extra_feeds = (ARTICLE_FEED,)
    description = "36氪 newsflash gateway (JSON) + article RSS: 融资 news -> rounds; two inputs, both must answer"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Page 1 of the gateway needs no signature; deeper pages do (funding.md §3), so v1 polls page 1 only.
        body = gateway_body(int(self.now().timestamp() * 1000))
        headers = {"Content-Type": "application/json", "Referer": "https://36kr.com/"}
        yield self.request(self.endpoint, step=GATEWAY, method="POST", body=json.dumps(body), headers=headers)
        for url in self.feed_urls()[1:]:
            yield self.request(url)
