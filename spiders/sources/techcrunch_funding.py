"""techcrunch_funding: funding rounds from TechCrunch's venture and AI category feeds."""

from __future__ import annotations

from spiders.parsers.techcrunch_funding import DEFAULT_ENDPOINT, EXTRA_FEEDS
from spiders.sources.funding_common import FundingFeedSpider


class TechCrunchFundingSpider(FundingFeedSpider):
    name = "techcrunch_funding"
    default_endpoint = DEFAULT_ENDPOINT
    extra_feeds = EXTRA_FEEDS
    description = "TechCrunch venture + AI category RSS: funding headlines -> rounds (company, round, amount, leads)"
    expects = "xml"
