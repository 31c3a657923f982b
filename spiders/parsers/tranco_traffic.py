"""Tranco's per-domain rank history (tranco-list.eu/api/ranks/domain/{domain}) -> daily global_rank snapshots."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import unquote, urlsplit

from spiders.errors import ParseError
from spiders.items import Item, TrafficSnapshot
from spiders.parsers.common import load_json
from spiders.parsers.contract import ParseResult, Request

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse"]

SOURCE_ID = "tranco_traffic"
DEFAULT_ENDPOINT = "https://tranco-list.eu/api/ranks/domain"


def parse(body: bytes | str, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """One snapshot per listed day (oldest first), the rank in that day's list as `global_rank`.

    Each daily Tranco list is a 30-day aggregate, so a day's rank lags real traffic (traffic.md §3.1).
    `{"ranks": []}` is Tranco's answer for unranked hosts and subdomains: no item and a note, never rank 0.
    `request.meta["domain"]` names the domain in that note as the operator wrote it (else the answer's).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    ranks = data.get("ranks")
    domain = data.get("domain")
    if not isinstance(ranks, list):
        raise ParseError("the answer has no ranks list")
    if not isinstance(domain, str) or not domain:
        raise ParseError("the answer does not name its domain")
    domain = domain.strip().lower()
    asked = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]).lower()
    if asked and asked != domain:
        raise ParseError(f"ranks for {domain!r}, but {asked!r} was asked for")
    by_day: dict[date, int] = {}
    for index, entry in enumerate(ranks):
        if not isinstance(entry, dict):
            raise ParseError(f"ranks[{index}] is not an object")
        day = _day(entry.get("date"), index)
        rank = entry.get("rank")
        if isinstance(rank, bool) or not isinstance(rank, int):
            raise ParseError(f"ranks[{index}].rank {rank!r} is not an integer")
        if rank < 1:
            continue  # never seen in a real answer; a rank below 1 means "not ranked", not a top position
        by_day.setdefault(day, rank)  # newest first: a repeated day keeps its first (newest) entry
    snapshots: list[Item] = [
        TrafficSnapshot(
            source=SOURCE_ID,
            url=url,
            observed_at=fetched_at,
            domain=domain,
            period_start=day,
            granularity="day",
            global_rank=rank,
        )
        for day, rank in sorted(by_day.items())
    ]
    if snapshots:
        return ParseResult(items=snapshots)
    # Tranco's default list holds registrable domains only: subdomain apps are never in it.
    named = str((request.meta if request is not None else {}).get("domain") or domain)
    return ParseResult(notes=[f"{named}: not ranked by Tranco (subdomain or unknown host); nothing stored"],
                       expect_items=False)  # fmt: skip


def _day(value: object, index: int) -> date:
    if not isinstance(value, str):
        raise ParseError(f"ranks[{index}].date is not text")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParseError(f"ranks[{index}].date {value!r} is not YYYY-MM-DD") from None
