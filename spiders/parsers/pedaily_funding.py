"""pedaily_funding: 投资界 investment-event list page (static HTML, `ul#newslist-all`) -> FundingRound items."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin

from parsel import Selector

from spiders.errors import ParseError
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.funding_common import (
    SHANGHAI,
    FeedEntry,
    check_not_blocked,
    parse_local_time,
    rounds_from_entries,
)

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse", "parse_list_date"]

SOURCE_ID = "pedaily_funding"
DEFAULT_ENDPOINT = "https://www.pedaily.cn/vcpeevent/"


#: the selectors parse() reads the list with, from the page root (the run's fingerprint checks each one matched)
SELECTORS = (
    "ul#newslist-all",
    "ul#newslist-all li.h-news",
    "li.h-news div.txt > h3 > a",
    "li.h-news div.info > span.date",
)


def parse_list_date(label: str, *, fetched_at: datetime) -> datetime | None:
    """`2026-06-01 11:40` (Beijing) or a relative label (`3分钟前`, `昨天 15:20`, seen on mobile copies) -> UTC.

    Relative labels are read against the fetch time, never hashed or stored as text (funding.md §3: a mirror's
    "3 分钟前" once re-processed 261 old articles).
    """
    label = re.sub(r"\s+", " ", label).strip()
    absolute = parse_local_time(label, SHANGHAI)
    if absolute is not None:
        return absolute
    # Imported here: dateparser takes ~0.4 s to import and only relative labels need it.
    import dateparser

    parsed = dateparser.parse(
        label,
        languages=["zh", "en"],
        settings={
            "TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": fetched_at.astimezone(SHANGHAI).replace(tzinfo=None),
            "PREFER_DATES_FROM": "past",
        },
    )
    return parsed.astimezone(UTC) if parsed is not None else None


def parse(body: bytes | str, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """The event list -> rounds from each headline (the list gives no summary; the detail page is not fetched).

    Raises BlockedError for a verification page and ParseError when `ul#newslist-all` is gone (layout changed)
    or none of its items has the documented title link.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    body = decode_text(body, fallbacks=CHINESE_FALLBACKS, what="the pedaily page")
    page = Selector(text=body)
    listing = page.css("ul#newslist-all")
    if not listing:
        # Only a page without the list is checked for a verification shell: a real list page may well carry
        # a login box that says 验证码 somewhere in its header.
        check_not_blocked(body, what="the 投资界 event list", html_expected=True)
        raise ParseError("no ul#newslist-all on the page (layout changed?)")
    items = listing.css("li.h-news")
    entries: list[FeedEntry] = []
    skipped: list[str] = []
    for index, item in enumerate(items):
        link = item.css("div.txt > h3 > a")
        title = " ".join(link.css("::text").getall()).strip()
        href = link.attrib.get("href", "") if link else ""
        if not title or not href:
            skipped.append(f"li.h-news[{index}]: no title link")
            continue
        label = " ".join(item.css("div.info > span.date::text").getall())
        entries.append(
            FeedEntry(
                title=title,
                summary="",
                url=urljoin(url, href),
                published_at=parse_list_date(label, fetched_at=fetched_at) if label.strip() else None,
            )
        )
    if items and not entries:
        raise ParseError(f"none of the {len(items)} list items has a title link (layout changed?)")
    return rounds_from_entries(
        entries, source=SOURCE_ID, fetched_at=fetched_at, skipped=skipped, listed=len(items),
        empty_reason="no item in the event list",
    )  # fmt: skip
