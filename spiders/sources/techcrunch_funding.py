"""techcrunch_funding: funding rounds from TechCrunch's venture and AI category feeds."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import Response

from spiders.parsers.funding_common import FundingPage
from spiders.parsers.techcrunch_funding import DEFAULT_ENDPOINT, EXTRA_FEEDS, parse
from spiders.sources.funding_common import FundingFeedSpider


class TechCrunchFundingSpider(FundingFeedSpider):
    name = "techcrunch_funding"
    default_endpoint = DEFAULT_ENDPOINT
    extra_feeds = EXTRA_FEEDS
    description = "TechCrunch venture + AI category RSS: funding headlines -> rounds (company, round, amount, leads)"

    def feed_parser(self, response: Response, fetched_at: datetime) -> FundingPage:
        return parse(response.body, url=response.url, fetched_at=fetched_at)
