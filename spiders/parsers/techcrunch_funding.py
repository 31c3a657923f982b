"""techcrunch_funding: TechCrunch category RSS feeds (WordPress RSS 2.0) -> FundingRound items."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.funding_common import FeedEntry, read_feed, rounds_from_entries

__all__ = ["DEFAULT_ENDPOINT", "EXTRA_FEEDS", "SOURCE_ID", "parse"]

SOURCE_ID = "techcrunch_funding"
DEFAULT_ENDPOINT = "https://techcrunch.com/category/venture/feed/"
#: fetched besides the endpoint; on the endpoint's host when the endpoint is overridden (tests, demo)
EXTRA_FEEDS = ("https://techcrunch.com/category/artificial-intelligence/feed/",)
_STABLE_ID = re.compile(r"^https?://techcrunch\.com/\?p=\d+$")


def _summary(entry: FeedEntry) -> str:
    # WordPress truncates the description and ends it with "[&#8230;]"; the ellipsis is no part of the text.
    return re.sub(r"\s*\[(?:&#8230;|…|\.\.\.)\]\s*$", "", entry.summary)


def parse(body: bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """One TechCrunch feed -> rounds; the `?p=<id>` guid is the article's identity (slugs change, funding.md §3)."""
    notes: list[str] = []
    entries = [
        replace(entry, url=entry.guid) if entry.guid and _STABLE_ID.match(entry.guid) else entry
        for entry in read_feed(body, url=url, notes=notes)
    ]
    return rounds_from_entries(entries, source=SOURCE_ID, fetched_at=fetched_at, summary_of=_summary, skipped=notes)
