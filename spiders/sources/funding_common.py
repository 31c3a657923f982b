"""The spider shared by the funding-news sources: fetch each feed, hand it to the source's parser, yield new rounds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from spiders.base import SourceSpider, short_url
from spiders.items import FundingRound
from spiders.parsers.funding_common import FundingPage

#: parse(body, url=, fetched_at=) of one source
FeedParser = Callable[..., FundingPage]


class FundingFeedSpider(SourceSpider):
    """Base of the funding spiders (no `name`, so Scrapy never lists it). Subclasses set `feed_parser`.

    `-a endpoint=URL` replaces the primary feed; the extra feeds then move to the endpoint's host with their
    own paths, so a test or demo server answers all of them. `-a feeds=a,b` replaces the extra feeds (URLs, or
    paths resolved against the endpoint; `none` for no extra feed).
    """

    kind = "funding"
    #: feeds fetched besides the endpoint (live URLs)
    extra_feeds: ClassVar[tuple[str, ...]] = ()
    #: a feed with no item at all is a failure (a real category feed always carries ~20)
    empty_feed_fails: ClassVar[bool] = True
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

    @staticmethod
    def body_text(response: Response) -> str:
        """The body as text whatever the Content-Type said (a block page may come as octet-stream)."""
        text = getattr(response, "text", None)
        return text if isinstance(text, str) else response.body.decode("utf-8", errors="replace")

    def feed_parser(self, response: Response, fetched_at: datetime) -> FundingPage:
        """Parse one response with the source's parser (subclasses)."""
        raise NotImplementedError

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.feed_urls():
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.errback, dont_filter=True)

    def parse_feed(self, response: Response) -> Iterator[FundingRound]:
        """Hand one feed to the parser; skipped entries become run notes, repeated rounds are yielded once."""
        fetched_at = self.now()
        page = self.parsed(response, lambda: self.feed_parser(response, fetched_at))
        if page is None:
            return
        if page.entries == 0:
            message = f"no item in {short_url(response.url)}"
            if self.empty_feed_fails:
                self.fail(message)
            else:
                self.note(message)
        for reason in page.skipped:
            self.note(f"{short_url(response.url)}: {reason}")
        yield from self.fresh(page.rounds)

    def fresh(self, rounds: list[FundingRound]) -> Iterator[FundingRound]:
        """Rounds not yet yielded in this run (the same article in two feeds of one source)."""
        for item in rounds:
            key = (item.url, item.company, item.round)
            if key not in self.rounds_seen:
                self.rounds_seen.add(key)
                yield item
