"""SimilarWeb's official REST API (visits, average visit duration) -> TrafficSnapshot per day, week or month."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from spiders.errors import BlockedError, ParseError
from spiders.items import Item, TrafficSnapshot
from spiders.parsers.common import load_json
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.parsers.numbers import optional_json_decimal

__all__ = [
    "API_GRANULARITIES",
    "DEFAULT_ENDPOINT",
    "DURATIONS",
    "METRICS",
    "SOURCE_ID",
    "VISITS",
    "ApiSeries",
    "build_snapshots",
    "error_message",
    "metric_path",
    "parse",
    "parse_metric",
    "public_url",
]

SOURCE_ID = "similarweb_api_traffic"
DEFAULT_ENDPOINT = "https://api.similarweb.com/v1/website"
#: the API's granularity parameter -> TrafficSnapshot.granularity
API_GRANULARITIES = {"daily": "day", "weekly": "week", "monthly": "month"}
#: response key -> endpoint path after /{domain}/ (traffic.md §2.5)
METRICS = {
    "visits": "total-traffic-and-engagement/visits",
    "average_visit_duration": "total-traffic-and-engagement/average-visit-duration",
}
#: the request steps: a domain's visits first, then (when it has any) its average visit durations
VISITS, DURATIONS = "visits", "average_visit_duration"
#: words in an error_message that mean the key or plan was refused (a block, not a layout change)
_AUTH_WORDS = ("api key", "api_key", "unauthorized", "permission", "forbidden", "hits", "credit", "subscription")


@dataclass(frozen=True)
class ApiSeries:
    """One metric of one domain: {period start: value}, zeros left out; empty when SimilarWeb has no data."""

    domain: str
    granularity: str
    points: dict[date, Decimal]
    last_updated: date | None = None


def metric_path(metric: str) -> str:
    """The endpoint path of a metric key (`visits`, `average_visit_duration`)."""
    return METRICS[metric]


def public_url(url: str) -> str:
    """The URL without its `api_key` parameter: what items, notes and errors may show."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("api_key="))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def parse(body: bytes | str, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """One metric answer of one domain; `request.step` says which (default: visits).

    Visits come first: with visits in hand the result asks for the durations (the visits travel in the
    follow-up's meta as `{"visits": {domain, granularity, last_updated, points}, "visits_url": …}`); the
    durations answer then gives the domain's snapshots, stored under the visits URL. A domain without
    visits gives no item and a note. The api_key is cut from every URL the items carry.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    step = (request.step if request is not None else None) or VISITS
    meta = request.meta if request is not None else {}
    shown = public_url(url)
    series = parse_metric(load_json(body), metric=step, url=shown)
    if step == DURATIONS:
        visits = _series_from_meta(meta.get("visits"))
        items: list[Item] = list(
            build_snapshots(visits, series, url=str(meta.get("visits_url") or shown), fetched_at=fetched_at)
        )
        return ParseResult(items=items, expect_items=False)
    if not series.points:
        asked = parse_qs(urlsplit(url).query).get("granularity", [series.granularity])[0]
        return ParseResult(notes=[f"{series.domain}: SimilarWeb has no {asked} visits for it; nothing stored"],
                           expect_items=False)  # fmt: skip
    durations_url = url.replace(f"/{METRICS[VISITS]}?", f"/{METRICS[DURATIONS]}?", 1)
    follow = FollowUp(
        durations_url, step=DURATIONS, meta={**meta, "visits": _series_to_meta(series), "visits_url": shown}
    )
    return ParseResult(follow=[follow], expect_items=False)


def _series_to_meta(series: ApiSeries) -> dict[str, Any]:
    return {
        "domain": series.domain,
        "granularity": series.granularity,
        "last_updated": series.last_updated.isoformat() if series.last_updated else None,
        "points": {day.isoformat(): str(value) for day, value in series.points.items()},
    }


def _series_from_meta(value: object) -> ApiSeries:
    """The visits series a durations request carries in its meta (as `_series_to_meta` wrote it)."""
    if not isinstance(value, Mapping) or not isinstance(value.get("points"), Mapping):
        raise ValueError("a durations request needs the domain's visits in meta['visits']")
    updated = value.get("last_updated")
    return ApiSeries(
        str(value["domain"]), str(value["granularity"]),
        {date.fromisoformat(day): Decimal(number) for day, number in value["points"].items()},
        date.fromisoformat(updated) if isinstance(updated, str) else None,
    )  # fmt: skip


def parse_metric(data: object, *, metric: str, url: str) -> ApiSeries:
    """Parse one metric answer (`{meta, visits: [{date, visits}]}` or the duration twin).

    An error envelope saying the domain has no data is an empty series; a refused key or plan raises
    BlockedError; any other error or a missing series raises ParseError. The api_key never appears here:
    callers pass a URL without it.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    domain = _requested_domain(url)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    meta = data.get("meta")
    if not isinstance(meta, dict):
        raise ParseError("the answer has no meta object")
    request = meta.get("request")
    if not isinstance(request, dict):
        request = {}
    granularity = _granularity(request.get("granularity"), url)
    status = meta.get("status")
    if not isinstance(status, str) or status.lower() != "success":
        _raise_for_error(meta, domain)
        return ApiSeries(domain, granularity, {})
    answered = request.get("domain")
    if isinstance(answered, str) and answered.strip().lower().removeprefix("www.") != domain:
        raise ParseError(f"the answer is for {answered!r}, not the requested {domain!r}")
    entries = data.get(metric)
    if not isinstance(entries, list):
        raise ParseError(f"the answer has no {metric} list")
    points: dict[date, Decimal] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ParseError(f"{metric}[{index}] is not an object")
        day = _date(entry.get("date"), f"{metric}[{index}].date")
        value = _number(entry.get(metric), f"{metric}[{index}].{metric}")
        if value is not None and value > 0:  # 0 = no data for that period, never a -100 % period
            points[day] = value
    return ApiSeries(domain, granularity, points, _last_updated(meta.get("last_updated")))


def build_snapshots(
    visits: ApiSeries, durations: ApiSeries, *, url: str, fetched_at: datetime
) -> list[TrafficSnapshot]:
    """One snapshot per period present in either series (oldest first): visits and average visit duration."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    if (visits.domain, visits.granularity) != (durations.domain, durations.granularity):
        raise ParseError(
            f"cannot combine {visits.domain}/{visits.granularity} visits with "
            f"{durations.domain}/{durations.granularity} durations"
        )
    periods = sorted(set(visits.points) | set(durations.points))
    snapshots = []
    for period in periods:
        count = visits.points.get(period)
        snapshots.append(
            TrafficSnapshot(
                source=SOURCE_ID,
                url=url,
                observed_at=fetched_at,
                domain=visits.domain,
                period_start=period,
                granularity=visits.granularity,
                # the API estimates fractional visits; whole visits are what TrafficSnapshot stores
                visits=None if count is None else int(count.to_integral_value(ROUND_HALF_EVEN)),
                avg_visit_duration_s=durations.points.get(period),
            )
        )
    return snapshots


def error_message(data: object) -> str | None:
    """The `error_message` of an error envelope (for reasons of HTTP 4xx answers), else None."""
    if isinstance(data, dict) and isinstance(data.get("meta"), dict):
        message = data["meta"].get("error_message")
        return str(message) if message is not None else None
    return None


def _raise_for_error(meta: Mapping[str, Any], domain: str) -> None:
    code = meta.get("error_code")
    message = str(meta.get("error_message") or meta.get("status") or "no status")
    lowered = message.lower()
    if "not found" in lowered:
        return  # the domain has no data (honest empty), whatever error_code came with it
    if code in (401, 403) or any(word in lowered for word in _AUTH_WORDS):
        raise BlockedError(f"SimilarWeb API refused the request for {domain}: {message} (error_code {code})")
    raise ParseError(f"SimilarWeb API error for {domain}: {message} (error_code {code})")


def _requested_domain(url: str) -> str:
    parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
    for index, part in enumerate(parts[:-1]):
        if part == "website":
            return parts[index + 1].strip().lower().removeprefix("www.")
    raise ValueError(f"{url!r} has no /website/<domain>/ path: cannot tell which domain was asked for")


def _granularity(value: object, url: str) -> str:
    # meta.request echoes it capitalised ("Monthly" in the real 2020 capture); the URL says what was asked.
    names = [value] if isinstance(value, str) and value else parse_qs(urlsplit(url).query).get("granularity", [])
    for name in names:
        found = API_GRANULARITIES.get(name.strip().lower())
        if found is not None:
            return found
    raise ParseError(f"unknown granularity {names[0] if names else None!r} (known: {', '.join(API_GRANULARITIES)})")


def _date(value: object, where: str) -> date:
    if not isinstance(value, str):
        raise ParseError(f"{where} is not text")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ParseError(f"{where} {value!r} is not YYYY-MM-DD") from None


def _last_updated(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    return _date(value, "meta.last_updated")


def _number(value: object, where: str) -> Decimal | None:
    return optional_json_decimal(value, where, text=True, non_negative=True)
