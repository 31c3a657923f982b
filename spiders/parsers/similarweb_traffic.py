"""SimilarWeb's free extension endpoint (data.similarweb.com/api/v1/data) -> monthly TrafficSnapshot items."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spiders.errors import BlockedError, ParseError
from spiders.items import Item, TrafficSnapshot
from spiders.parsers.common import decode_text, load_json
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.numbers import optional_json_decimal

__all__ = ["BLOCK_MARKERS", "DEFAULT_ENDPOINT", "SOURCE_ID", "block_marker", "parse"]

SOURCE_ID = "similarweb_traffic"
DEFAULT_ENDPOINT = "https://data.similarweb.com/api/v1/data"
#: body texts of CloudFront's block page (traffic.md §2.2; Heart-Quake test doubles, 2026-05)
BLOCK_MARKERS = ("request blocked", "the request could not be satisfied")


def block_marker(headers: Mapping[str, str], body: bytes | str) -> str | None:
    """The CloudFront block signature of a 403, if any: which header or body text gave it away.

    `headers` maps lower-case names to values. A 403 without any marker is a "plain" 403 (retried once).
    """
    if "cloudfront" in headers.get("server", "").lower():
        return f"server: {headers['server']}"
    if "error from cloudfront" in headers.get("x-cache", "").lower():
        return f"x-cache: {headers['x-cache']}"
    amz = sorted(name for name in headers if name.startswith("x-amz-cf-"))
    if amz:
        return f"{amz[0]} header"
    text = (body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body)[:5000].lower()
    for marker in BLOCK_MARKERS:
        if marker in text:
            return f"body says {marker!r}"
    return None


def parse(body: bytes | str, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """One domain's answer (the domain named in `url`'s `domain=` query): monthly snapshots, oldest first.

    Every month of EstimatedMonthlyVisits becomes a visits-only snapshot; the data month (SnapshotDate,
    else Engagments Year/Month) also carries duration, pages per visit, bounce rate and global rank.
    Zeros are missing values. An answer without Engagments data and without history is "no data": no
    item and a note, never zeros. A CloudFront block page raises BlockedError, a body that is no payload
    ParseError. Notes name the domain.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    domain = _requested_domain(url)
    text = decode_text(body, what="the Similarweb answer")
    if text.lstrip().startswith("<"):
        marker = block_marker({}, text)
        if marker is not None:
            raise BlockedError(f"CloudFront block page ({marker})")
    snapshots, remarks = _snapshots(load_json(text), domain, url=url, fetched_at=fetched_at)
    notes = [f"{domain}: {remark}" for remark in remarks]
    if not snapshots:
        notes.append(f"{domain}: SimilarWeb has no data for it; nothing stored")
    return ParseResult(items=snapshots, notes=notes, expect_items=False)


def _snapshots(data: object, domain: str, *, url: str, fetched_at: datetime) -> tuple[list[Item], list[str]]:
    """The snapshots of a decoded extension payload and its remarks."""
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    if "data" in data and "SiteName" not in data:
        raise ParseError("a reseller's wrapper ({description, status, data}), not the extension payload")
    site = data.get("SiteName")
    if not isinstance(site, str):
        raise ParseError("no SiteName: not a SimilarWeb extension payload")
    if site.strip().lower().removeprefix("www.") != domain:
        raise ParseError(f"SiteName {site!r} is not the requested domain {domain!r} (redirect or alias?)")

    history = _history(data.get("EstimatedMonthlyVisits"))
    engagement = data.get("Engagments")  # sic: the key is misspelled in every real payload (2020-2026)
    if engagement is None:
        engagement = {}
    if not isinstance(engagement, dict):
        raise ParseError(f"Engagments is {type(engagement).__name__}, not an object")
    visits = _measure(engagement, "Visits")
    duration_s = _measure(engagement, "TimeOnSite")
    pages = _measure(engagement, "PagePerVisit")
    bounce = _measure(engagement, "BounceRate")
    has_engagement = any(v is not None for v in (visits, duration_s, pages, bounce))
    if not has_engagement and not history:
        return [], _notes(data)

    month = _data_month(data, engagement, required=has_engagement)

    def snapshot(period: date, **values: Any) -> TrafficSnapshot:
        return TrafficSnapshot(
            source=SOURCE_ID,
            url=url,
            observed_at=fetched_at,
            domain=domain,
            period_start=period,
            granularity="month",
            **values,
        )

    snapshots: list[Item] = [
        snapshot(period, visits=count) for period, count in sorted(history.items()) if period != month
    ]
    if month is not None and (has_engagement or month in history):
        # Engagments.Visits wins over the month's history entry, which resellers saw stale at 0 (traffic.md §2.3).
        # Truncated, not rounded: the history lists the same month truncated (att.com 2020-01:
        # "9.756941889301659E7" vs 97569418), so a month fetched first as current, then as history, stays one fact.
        count = int(visits) if visits is not None else history.get(month)
        snapshots.append(
            snapshot(
                month,
                visits=count,
                avg_visit_duration_s=duration_s,
                pages_per_visit=pages,
                bounce_rate=bounce,
                global_rank=_rank(data.get("GlobalRank")),
            )
        )
    return snapshots, _notes(data)


def _requested_domain(url: str) -> str:
    values = parse_qs(urlsplit(url).query).get("domain")
    if not values or not values[0].strip():
        raise ValueError(f"{url!r} has no domain= query: cannot tell which domain was asked for")
    return values[0].strip().lower().removeprefix("www.")


def _number(value: object, where: str) -> Decimal | None:
    """A non-negative number given as int, float or text ("81953796787", "9.756941889301659E7"); None if absent."""
    return optional_json_decimal(value, where, text=True, non_negative=True)


def _measure(engagement: dict[str, Any], name: str) -> Decimal | None:
    number = _number(engagement.get(name), f"Engagments.{name}")
    return None if number is None or number == 0 else number  # 0 = no data, never a real 0 s or 0 visits


def _history(value: object) -> dict[date, int]:
    """EstimatedMonthlyVisits as {first of month: visits}, zero months left out (missing, not a -100 % month)."""
    if value is None:
        return {}
    if isinstance(value, list):
        raise ParseError("EstimatedMonthlyVisits is a list: a reseller's reshaped payload, not the extension's")
    if not isinstance(value, dict):
        raise ParseError(f"EstimatedMonthlyVisits is {type(value).__name__}, not an object")
    months: dict[date, int] = {}
    for key, raw in value.items():
        try:
            period = date.fromisoformat(key)
        except (TypeError, ValueError):
            raise ParseError(f"EstimatedMonthlyVisits key {key!r} is not a YYYY-MM-DD date") from None
        if period.day != 1:
            raise ParseError(f"EstimatedMonthlyVisits key {key!r} is not the first of a month")
        number = _number(raw, f"EstimatedMonthlyVisits[{key}]")
        if number is not None and int(number) > 0:
            months[period] = int(number)
    return months


def _data_month(data: dict[str, Any], engagement: dict[str, Any], *, required: bool) -> date | None:
    """The month the numbers describe: SnapshotDate (2024+), else Engagments Year/Month ("01" in 2020, "9" in 2024)."""
    from_snapshot = None
    raw = data.get("SnapshotDate")
    if raw is not None:
        if not isinstance(raw, str):
            raise ParseError(f"SnapshotDate is {type(raw).__name__}, not text")
        try:
            stamp = datetime.fromisoformat(raw)
        except ValueError:
            raise ParseError(f"SnapshotDate {raw!r} is not ISO 8601") from None
        from_snapshot = date(stamp.year, stamp.month, 1)
    from_engagement = None
    year, month = engagement.get("Year"), engagement.get("Month")
    if year not in (None, "") and month not in (None, ""):
        try:
            number_year, number_month = int(str(year)), int(str(month))
            from_engagement = date(number_year, number_month, 1)
        except ValueError:
            raise ParseError(f"Engagments Year/Month {year!r}/{month!r} is not a month") from None
    if from_snapshot and from_engagement and from_snapshot != from_engagement:
        raise ParseError(f"SnapshotDate month {from_snapshot:%Y-%m} differs from Engagments {from_engagement:%Y-%m}")
    found = from_snapshot or from_engagement
    if found is None and required:
        raise ParseError("Engagments has numbers but neither SnapshotDate nor Year/Month says which month")
    return found


def _rank(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ParseError(f"GlobalRank is {type(value).__name__}, not an object")
    number = _number(value.get("Rank"), "GlobalRank.Rank")
    return None if number is None or number < 1 else int(number)


def _notes(data: dict[str, Any]) -> list[str]:
    if data.get("IsSmall") is True:
        return ["IsSmall: SimilarWeb marks these numbers as a sparse-data estimate (low confidence)"]
    return []
