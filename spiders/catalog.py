"""Every source id and its kind, known without importing a spider (the CLI, `scrapy list` and the loader read it).

A spider lives in `spiders/sources/<id>.py`, or is declared by `SOURCE = Source(...)` in `spiders/parsers/<id>.py`;
`tests/test_spider_catalog.py` fails, naming the difference, when this table and the spider modules disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SOURCE_KINDS"]

#: {source id: kind} of every spider, in the order `scrapy list` prints them
SOURCE_KINDS: Mapping[str, str] = MappingProxyType({
    "aliyun_gpu": "gpu",
    "autodl_gpu": "gpu",
    "aws_gpu": "gpu",
    "azure_gpu": "gpu",
    "crunchbase_funding": "funding",
    "datacrunch_gpu": "gpu",
    "eastmoney_boards": "quotes",
    "eastmoney_klines": "quotes",
    "eastmoney_quotes": "quotes",
    "googlenews_funding": "funding",
    "gpushare_gpu": "gpu",
    "kr36_funding": "funding",
    "lambda_gpu": "gpu",
    "pedaily_funding": "funding",
    "runpod_gpu": "gpu",
    "similarweb_api_traffic": "traffic",
    "similarweb_traffic": "traffic",
    "sina_quotes": "quotes",
    "techcrunch_funding": "funding",
    "tencent_gpu": "gpu",
    "tencent_quotes": "quotes",
    "tranco_traffic": "traffic",
    "vastai_gpu": "gpu",
    "yahoo_quotes": "quotes",
})  # fmt: skip
