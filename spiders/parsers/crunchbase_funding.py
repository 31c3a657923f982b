"""crunchbase_funding: Crunchbase News venture RSS -> FundingRound items, weekly round-ups split per numbered line."""

from __future__ import annotations

from datetime import datetime

from spiders.funding_extract import is_roundup
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.funding_common import FeedEntry, read_feed, rounds_from_entries

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse"]

SOURCE_ID = "crunchbase_funding"
DEFAULT_ENDPOINT = "https://news.crunchbase.com/sections/venture/feed/"


def _summary(entry: FeedEntry) -> str:
    # "The Week's 10 Biggest Funding Rounds" names one company in its title but lists ten deals in the body
    # (`1. <Company>, $<amount>, <sector>: …`, funding.md §3): the body is what gets split.
    if is_roundup(entry.title) and entry.content:
        return entry.content
    return entry.summary


def parse(body: bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """One Crunchbase News feed -> rounds (a round-up without numbered lines yields nothing)."""
    notes: list[str] = []
    entries = read_feed(body, url=url, notes=notes)
    return rounds_from_entries(entries, source=SOURCE_ID, fetched_at=fetched_at, summary_of=_summary, skipped=notes)
