"""Quote spiders without the engine: where their symbols come from, and which symbols each source takes."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from core.config import AppConfig
from core.config.quotes import QuotesConfig
from spiders.config_addon import scrapy_settings
from spiders.sources.eastmoney_klines import EastmoneyKlinesSpider
from spiders.sources.eastmoney_quotes import EastmoneyQuotesSpider
from spiders.sources.quotes_base import QuoteSpider
from spiders.sources.sina_quotes import SinaQuotesSpider
from spiders.sources.tencent_quotes import TencentQuotesSpider
from spiders.sources.yahoo_quotes import YahooQuotesSpider

WATCH = QuotesConfig.model_validate({"watch": [{"symbol": "002230.SZ"}, {"symbol": "0700.HK"}],
                                     "indices": ["000300.SH"]})  # fmt: skip


def _spider(cls: type[QuoteSpider], aipulse: dict[str, Any] | None = None, **kwargs: str) -> QuoteSpider:
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.setdict(aipulse or {}, priority="cmdline")
    spider = cls.from_crawler(Crawler(cls, settings), **kwargs)
    assert isinstance(spider, QuoteSpider)
    return spider


def test_without_a_symbols_argument_the_config_watch_list_and_indices_are_quoted() -> None:
    configured = scrapy_settings(AppConfig(quotes=WATCH))
    spider = _spider(TencentQuotesSpider, configured)
    assert [s.canonical for s in spider.wanted()] == ["002230.SZ", "0700.HK", "000300.SH"]
    assert spider.failures == []
    explicit = _spider(TencentQuotesSpider, configured, symbols="NVDA")
    assert [s.canonical for s in explicit.wanted()] == ["NVDA"]


def test_without_symbols_anywhere_the_run_fails_with_how_to_fix_it() -> None:
    spider = _spider(TencentQuotesSpider, scrapy_settings(None))
    assert spider.wanted() == []
    assert spider.failures == ["no symbols: give -a symbols=002230.SZ,0700.HK or a [quotes] watch list"]


@pytest.mark.parametrize(
    ("cls", "taken"),
    [
        (TencentQuotesSpider, ["002230.SZ", "0700.HK", "NVDA"]),
        (SinaQuotesSpider, ["002230.SZ", "0700.HK"]),
        (EastmoneyQuotesSpider, ["002230.SZ", "932000.CSI", "0700.HK", "NVDA"]),
        (EastmoneyKlinesSpider, ["002230.SZ", "932000.CSI", "0700.HK", "NVDA"]),
        (YahooQuotesSpider, ["002230.SZ", "0700.HK", "NVDA"]),
    ],
)
def test_each_source_takes_the_symbols_it_can_quote_and_notes_the_rest(
    cls: type[QuoteSpider], taken: list[str]
) -> None:
    spider = _spider(cls, symbols="002230.SZ,932000.CSI,0700.HK,NVDA")
    assert [s.canonical for s in spider.wanted()] == taken
    skipped = {"002230.SZ", "932000.CSI", "0700.HK", "NVDA"} - set(taken)
    assert len(spider.notes) == len(skipped)
    assert spider.failures == []


def test_bad_spider_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="fltt"):
        _spider(EastmoneyQuotesSpider, symbols="002230.SZ", fltt="3")
    with pytest.raises(ValueError, match="days"):
        _spider(EastmoneyKlinesSpider, symbols="002230.SZ", days="0")
    assert _spider(EastmoneyQuotesSpider, symbols="002230.SZ", fltt="2").fltt2  # type: ignore[attr-defined]
