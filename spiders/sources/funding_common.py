"""The spider shared by the funding-news sources: fetch each feed, hand it to the source's parser, yield new rounds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider, short_url
from spiders.items import FundingRound, Item
from spiders.parsers.contract import ParseResult


class FundingFeedSpider(SourceSpider):
    """Base of the funding spiders (no `name`, so Scrapy never lists it); the parser is the source's own.

    `-a endpoint=URL` replaces the primary feed; the extra feeds then move to the endpoint's host with their
    own paths, so a test or demo server answers all of them. `-a feeds=a,b` replaces the extra feeds (URLs, or
    paths resolved against the endpoint; `none` for no extra feed).
    """

    kind = "funding"
    #: feeds fetched besides the endpoint (live URLs)
    extra_feeds: ClassVar[tuple[str, ...]] = ()
    # News sites: one request at a time per host, a polite pause, and a hard wall-clock limit per crawl.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 2.0,
        "CLOSESPIDER_TIMEOUT": 300,
    }

    def __init__(self, *args: Any, feeds: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._feeds_arg = feeds
        self.rounds_seen: set[tuple[str, str, str]] = set()

    def feed_urls(self) -> list[str]:
        """The primary endpoint and the extra feeds, in fetch order."""
        if self._feeds_arg is not None:
            extra = [f.strip() for f in self._feeds_arg.split(",") if f.strip() and f.strip().lower() != "none"]
            return [self.endpoint, *(urljoin(self.endpoint, feed) for feed in extra)]
        return [self.endpoint, *(self.on_endpoint_host(feed) for feed in self.extra_feeds)]

    def on_endpoint_host(self, live_url: str) -> str:
        """A live URL moved to the overridden endpoint's scheme and host (as it is when the endpoint is the default)."""
        if not self._endpoint_arg:
            return live_url
        endpoint, live = urlsplit(self._endpoint_arg), urlsplit(live_url)
        return urlunsplit((endpoint.scheme, endpoint.netloc, live.path, live.query, ""))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.feed_urls():
            yield self.request(url)

    def handle_result(self, result: ParseResult, response: Response) -> Iterator[Any]:
        """Skipped entries become run notes (extraction quality is reviewed from them); repeated rounds go once.

        The same article in two feeds of one source is one round: the set of rounds seen spans the run's responses.
        """
        for reason in result.skipped:
            self.note(f"{short_url(response.url)}: {reason}")
        yield from super().handle_result(replace(result, items=list(self.fresh(result.items))), response)

    def fresh(self, items: list[Item]) -> Iterator[Item]:
        """Rounds not yet yielded in this run."""
        for item in items:
            if isinstance(item, FundingRound):
                key = (item.url, item.company, item.round)
                if key in self.rounds_seen:
                    continue
                self.rounds_seen.add(key)
            yield item
