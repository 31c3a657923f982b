"""pedaily_funding: funding rounds from the 投资界 (pedaily.cn) investment-event list page."""

from __future__ import annotations

from spiders.parsers.pedaily_funding import DEFAULT_ENDPOINT
from spiders.sources.funding_common import FundingFeedSpider


class PedailyFundingSpider(FundingFeedSpider):
    name = "pedaily_funding"
    default_endpoint = DEFAULT_ENDPOINT
    description = "投资界 vcpeevent list (static HTML): 逐笔投资事件 headlines -> rounds"
    expects = "html"
