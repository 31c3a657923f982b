"""googlenews_funding: Google News RSS search results -> FundingRound items (headline only, publisher split off)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlencode

from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.funding_common import FeedEntry, read_feed, rounds_from_entries

__all__ = ["DEFAULT_ENDPOINT", "DEFAULT_QUERIES", "SOURCE_ID", "parse", "search_query", "split_publisher"]

SOURCE_ID = "googlenews_funding"
DEFAULT_ENDPOINT = "https://news.google.com/rss/search"
#: funding.md §2: a recall net for outlets without a feed of their own; `when:1d` keeps each poll to a day
DEFAULT_QUERIES = (
    'AI startup raises OR "Series A" OR "Series B" OR "seed round" when:1d',
    "AI 融资 when:1d",
)


def search_query(query: str) -> str:
    """The query string of one search: English edition, or the Chinese one for a query written in Chinese."""
    if re.search(r"[\u4e00-\u9fff]", query):
        return urlencode({"q": query, "hl": "zh-CN", "gl": "CN", "ceid": "CN:zh-Hans"})
    return urlencode({"q": query, "hl": "en-US", "gl": "US", "ceid": "US:en"})


def split_publisher(title: str) -> tuple[str, str | None]:
    """`Headline - Publisher` -> (headline, publisher), split on the last ` - ` (headlines may hold dashes)."""
    head, sep, publisher = title.rpartition(" - ")
    if not sep or not head.strip() or len(publisher) > 60:
        return title, None
    return head.strip(), publisher.strip()


def parse(body: bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """One search feed -> rounds. The description only repeats the title and publisher, so rules read the title alone.

    A search may honestly find nothing today: an empty feed is a note, not a failure.

    The `link` is a redirect token (`…/rss/articles/<token>?oc=5`); it is kept as the id and never resolved.
    """
    notes: list[str] = []
    entries: list[FeedEntry] = []
    for entry in read_feed(body, url=url, notes=notes):
        headline, _ = split_publisher(entry.title)
        entries.append(replace(entry, title=headline, summary=""))
    result = rounds_from_entries(entries, source=SOURCE_ID, fetched_at=fetched_at, skipped=notes, empty_reason=None)
    if not entries:
        result.notes.append(f"no item in {url}")
    return result
