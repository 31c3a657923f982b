"""crunchbase_funding: funding rounds from the Crunchbase News venture feed (weekly round-ups split per deal)."""

from __future__ import annotations

from spiders.parsers.crunchbase_funding import DEFAULT_ENDPOINT
from spiders.sources.funding_common import FundingFeedSpider


class CrunchbaseFundingSpider(FundingFeedSpider):
    name = "crunchbase_funding"
    default_endpoint = DEFAULT_ENDPOINT
    description = "Crunchbase News venture RSS: funding stories and weekly biggest-rounds lists -> rounds"
    expects = "xml"
