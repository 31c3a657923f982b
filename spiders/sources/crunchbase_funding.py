"""crunchbase_funding: funding rounds from the Crunchbase News venture feed (weekly round-ups split per deal)."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import Response

from spiders.parsers.crunchbase_funding import DEFAULT_ENDPOINT, parse
from spiders.parsers.funding_common import FundingPage
from spiders.sources.funding_common import FundingFeedSpider


class CrunchbaseFundingSpider(FundingFeedSpider):
    name = "crunchbase_funding"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Crunchbase News venture RSS: funding stories and weekly biggest-rounds lists -> rounds"

    def feed_parser(self, response: Response, fetched_at: datetime) -> FundingPage:
        return parse(response.body, url=response.url, fetched_at=fetched_at)
