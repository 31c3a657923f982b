"""pedaily_funding: funding rounds from the 投资界 (pedaily.cn) investment-event list page."""

from __future__ import annotations

from datetime import datetime

from scrapy.http import Response

from spiders.parsers.funding_common import FundingPage
from spiders.parsers.pedaily_funding import DEFAULT_ENDPOINT, parse
from spiders.sources.funding_common import FundingFeedSpider


class PedailyFundingSpider(FundingFeedSpider):
    name = "pedaily_funding"
    default_endpoint = DEFAULT_ENDPOINT
    description = "投资界 vcpeevent list (static HTML): 逐笔投资事件 headlines -> rounds"

    def feed_parser(self, response: Response, fetched_at: datetime) -> FundingPage:
        return parse(self.body_text(response), url=response.url, fetched_at=fetched_at)
