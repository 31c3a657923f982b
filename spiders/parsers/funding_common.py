"""What the funding-news parsers share: feeds read into entries, dates, canonical URLs, entries turned into rounds."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import feedparser

from spiders.errors import BlockedError, ParseError
from spiders.funding_extract import extract_rounds, normalise_text
from spiders.items import FundingRound, Item
from spiders.parsers.contract import ParseResult

__all__ = [
    "FeedEntry",
    "canonical_url",
    "check_not_blocked",
    "first_paragraphs",
    "parse_local_time",
    "read_feed",
    "rounds_from_entries",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: query parameters that only track the reader (funding.md §5.1); dropping them keeps one id per article
_TRACKING = re.compile(r"^(?:utm_\w+|f|ktm_source|oc|ref|ref_src|spm|from|source|share_token)$")
_BLOCK_MARKERS = re.compile(
    r"验证码|访问过于频繁|请求过于频繁|安全验证|人机验证|请完成验证|captcha|unusual traffic|access denied"
    r"|are you a robot",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FeedEntry:
    """One news item as a feed or list gives it: the text the rules read and where it lives."""

    title: str
    summary: str
    url: str
    published_at: datetime | None
    categories: tuple[str, ...] = ()
    company_hint: str | None = None
    guid: str | None = None
    #: the full article HTML when the feed carries it (content:encoded); round-ups are split from it
    content: str | None = None


def canonical_url(url: str) -> str:
    """The URL as an identity: lower-case host, no fragment, no tracking parameters (`?f=rss`, `oc=5`, `utm_*`)."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, urlencode(query), ""))


def check_not_blocked(text: str, *, what: str, html_expected: bool = False) -> None:
    """Raise BlockedError for a captcha / risk-control page; ParseError for HTML where a feed or JSON was expected."""
    head = text.lstrip()[:4000]
    if head.startswith(("<?xml", "<rss", "<feed", "{", "[")):
        return  # a feed or JSON document: an article that mentions "captcha" is still data
    if _BLOCK_MARKERS.search(head):
        raise BlockedError(f"a block or captcha page instead of {what}: {_snippet(head)}")
    if not html_expected and head[:200].lower().startswith(("<!doctype html", "<html")):
        raise ParseError(f"an HTML page instead of {what}: {_snippet(head)}")


def _snippet(text: str) -> str:
    return repr(normalise_text(text)[:80])


def parse_local_time(text: str, zone: tzinfo = SHANGHAI) -> datetime | None:
    """`2026-06-13 16:37:21  +0800`, `2026-06-13 16:37`, RFC 822 -> aware UTC; a zone-less time is read in `zone`.

    Naive 36kr and 投资界 times are Beijing time: read as UTC they would be 8 h off (funding.md §3, legacy feed).
    """
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{2}:?\d{2}|Z)?", text)
    if match is not None:
        year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
        second = int(match.group(6) or 0)
        offset = match.group(7)
        if offset is None:
            local = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        else:
            iso = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            zone_text = "+00:00" if offset == "Z" else offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
            local = datetime.fromisoformat(iso + zone_text)
        return local.astimezone(UTC)
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _entry_date(entry: feedparser.FeedParserDict, naive_zone: tzinfo) -> datetime | None:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if isinstance(raw, str) and raw.strip():
            found = parse_local_time(raw, naive_zone)
            if found is not None:
                return found
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            # feedparser already converted to UTC; only reached for formats the parser above does not read
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return None


def _declared_encoding(body: bytes) -> str | None:
    match = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([\w.-]+)[\"']", body)
    return match.group(1).decode("ascii").lower() if match else None


def _redeclare(body: bytes, encoding: str) -> bytes:
    return re.sub(
        rb"(<\?xml[^>]*encoding=[\"'])[\w.-]+([\"'])", rb"\g<1>" + encoding.encode() + rb"\g<2>", body, count=1
    )


def _decode_feed(body: bytes, notes: list[str]) -> feedparser.FeedParserDict:
    """Parse the feed bytes, repairing a wrongly declared encoding (the two cases seen on Chinese feeds)."""
    declared = _declared_encoding(body)
    if declared and declared not in ("utf-8", "utf8") and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            # Valid UTF-8 declared as GB2312/GBK decodes to mojibake without any error: trust the bytes.
            notes.append(f"feed declared {declared} but is UTF-8; read as UTF-8")
            body = _redeclare(body, "utf-8")
    parsed = feedparser.parse(body)
    if isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        try:
            body.decode("gb18030")
        except UnicodeDecodeError:
            raise ParseError(f"the feed's declared encoding ({declared}) is wrong and GB18030 fails too") from None
        notes.append(f"feed declared {declared} but is not; read as GB18030")
        parsed = feedparser.parse(_redeclare(body, "gb18030") if declared else body.decode("gb18030").encode())
    return parsed


def read_feed(body: bytes, *, url: str, naive_zone: tzinfo = UTC, notes: list[str] | None = None) -> list[FeedEntry]:
    """RSS 2.0 / Atom bytes -> entries in feed order (feedparser); `notes` collects repairs made on the way.

    Raises BlockedError for a captcha page, ParseError for HTML, malformed XML or a document that is not a feed.
    A feed with no items returns []. `naive_zone` reads zone-less dates (Asia/Shanghai for 36kr).
    """
    notes = notes if notes is not None else []
    text = body.decode("utf-8", errors="replace")  # only sniffed for emptiness and block markers
    if not text.strip():
        raise ParseError("empty body where a feed was expected")
    check_not_blocked(text, what="a feed")
    parsed = _decode_feed(body, notes)
    problem = parsed.get("bozo_exception")
    if problem is not None and not isinstance(problem, feedparser.CharacterEncodingOverride):
        raise ParseError(f"malformed feed XML: {problem}")
    if not parsed.get("version"):
        raise ParseError(f"not an RSS or Atom feed: {_snippet(text)}")
    entries: list[FeedEntry] = []
    for item in parsed.entries:
        link = str(item.get("link") or "").strip()
        content = item.get("content")
        entries.append(
            FeedEntry(
                title=str(item.get("title") or ""),
                summary=str(item.get("summary") or ""),
                url=link,
                published_at=_entry_date(item, naive_zone),
                categories=tuple(str(t.get("term")) for t in item.get("tags", []) if t.get("term")),
                guid=str(item.get("id") or "") or None,
                content=str(content[0].get("value")) if content else None,
            )
        )
    return entries


def first_paragraphs(html_text: str, limit: int = 400) -> str:
    """The opening paragraphs of an article body, up to about `limit` characters (a full article confuses the rules)."""
    lines = normalise_text(html_text, keep_lines=True).split("\n")
    kept: list[str] = []
    for line in lines:
        if sum(len(k) for k in kept) >= limit:
            break
        kept.append(line)
    return "\n".join(kept)


def rounds_from_entries(
    entries: Iterable[FeedEntry],
    *,
    source: str,
    fetched_at: datetime,
    summary_of: Callable[[FeedEntry], str] = lambda entry: entry.summary,
    skipped: Iterable[str] = (),
    listed: int | None = None,
    empty_reason: str | None = "no item in the feed",
) -> ParseResult:
    """Run the extraction rules over entries; an entry without a title, link or date is skipped with its reason.

    A repeated guid or URL within one response is read once (the first copy wins). `skipped` are reasons found
    before (they come first), `listed` how many items the response listed (default: the entries given). A
    response that listed items but no funding news is a correct empty answer; one that listed nothing fails
    with `empty_reason`, unless that is None (a search may honestly find nothing).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    rounds: list[FundingRound] = []
    reasons = list(skipped)
    seen: set[str] = set()
    count = 0
    for entry in entries:
        count += 1
        label = normalise_text(entry.title)[:60] or entry.url or "?"
        identity = entry.guid or entry.url
        if identity and identity in seen:
            reasons.append(f"{label!r}: duplicate guid {identity}, read once")
            continue
        if identity:
            seen.add(identity)
        if not entry.title.strip() or not entry.url:
            reasons.append(f"{label!r}: no title or no link")
            continue
        if entry.published_at is None:
            reasons.append(f"{label!r}: no publication date")
            continue
        rounds += extract_rounds(
            entry.title,
            summary_of(entry),
            published_at=entry.published_at,
            url=canonical_url(entry.url),
            source=source,
            observed_at=fetched_at,
            categories=entry.categories,
            company_hint=entry.company_hint,
        )
    items: list[Item] = list(rounds)
    empty = (listed if listed is not None else count) == 0
    return ParseResult(
        items=items, skipped=reasons, expect_items=empty and empty_reason is not None,
        empty_reason=empty_reason or "",
    )  # fmt: skip
