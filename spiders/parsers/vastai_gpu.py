"""Vast.ai marketplace offers -> one GpuOffer per (GPU, count, country, billing) at the median price (gpu.md §3.4)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import GpuName, canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import load_json
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes
from spiders.parsers.numbers import json_decimal

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_LIMIT",
    "SOURCE_ID",
    "build_query",
    "country_of",
    "parse",
]

SOURCE_ID = "vastai_gpu"
DEFAULT_ENDPOINT = "https://console.vast.ai/api/v0/bundles/"
# Without a limit the API returns a bundled subset (vast-cli #268), so the limit is always sent.
DEFAULT_LIMIT = 3000
UNKNOWN_REGION = "unknown"
_COUNTRY = re.compile(r"(?:^|,)\s*([A-Z]{2})\s*$")
_MIB_PER_GB = 1024
_AUTH_WORDS = ("auth", "api key", "api_key", "forbidden", "permission")


@dataclass(frozen=True)
class _Offer:
    gpu: GpuName
    gpu_count: int
    region: str
    price: Decimal
    available: bool


def build_query(gpu_names: Sequence[str] = (), limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """The JSON body of the offers search: rentable on-demand offers of whole GPUs, cheapest first.

    `gpu_names` restricts the search to Vast's own spellings ("A100 SXM4", "H100 SXM", "RTX 4090").
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query: dict[str, Any] = {
        "rentable": {"eq": True},
        "rented": {"eq": False},
        "num_gpus": {"gte": 1},
        "order": [["dph_total", "asc"]],
        "type": "on-demand",
        "limit": limit,
    }
    if gpu_names:
        query["gpu_name"] = {"in": list(gpu_names)}
    return query


def country_of(geolocation: object) -> str:
    """The ISO country code at the end of a Vast geolocation ("Guangxi, CN" -> "CN"); "unknown" otherwise."""
    if not isinstance(geolocation, str):
        return UNKNOWN_REGION
    match = _COUNTRY.search(geolocation)
    return match[1] if match else UNKNOWN_REGION


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Summarise an `{"offers": [...]}` answer per (GPU model + variant, GPU count, country, billing).

    `dph_total` is USD per hour for the whole offer (all its GPUs, storage included). Each group's
    offer is priced at the median over its rentable offers (`price_min` the cheapest, `offer_count`
    how many); when none is rentable the group is unavailable and priced from the rest. `num_gpus` whole
    GPUs are rented: `gpu_frac` is only their share of the machine's GPUs (0.25 = 1 of 4), so it leaves
    nothing out. Zero prices are left out with a reason. `request.meta["limit"]`, the
    search's limit, turns an answer that reached it into a note. Raises ParseError when the envelope
    or an offer lacks what the parser needs.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    offers = _offer_list(load_json(body))
    grouped: dict[tuple[str, str | None, int, str], list[_Offer]] = {}
    skipped: list[str] = []
    unknown: list[str] = []
    for index, raw in enumerate(offers):
        outcome = _read_offer(raw, index)
        if isinstance(outcome, str):
            skipped.append(outcome)
            continue
        if not outcome.gpu.known and outcome.gpu.model not in unknown:
            unknown.append(outcome.gpu.model)
        key = (outcome.gpu.model, outcome.gpu.variant, outcome.gpu_count, outcome.region)
        grouped.setdefault(key, []).append(outcome)
    notes = unknown_gpu_notes(unknown)
    limit = (request.meta if request is not None else {}).get("limit")
    if isinstance(limit, int) and len(offers) >= limit:
        notes.append(f"the answer holds {len(offers)} offers, the limit: raise -a limit= to see them all")
    return ParseResult(
        items=[_summarise(members, url=url, fetched_at=fetched_at) for members in grouped.values()],
        skipped=skipped, notes=notes, details={"offers_seen": len(offers)},
        empty_reason=f"none of the {len(offers)} offers has a price" if offers
        else "no offer in the answer: the search matched nothing (query or GPU names changed?)",
    )  # fmt: skip


def _offer_list(data: object) -> list[Any]:
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    offers = data.get("offers")
    if isinstance(offers, list):
        return offers
    message = " ".join(str(data.get(key, "")) for key in ("error", "msg", "message")).strip()
    if message and any(word in message.lower() for word in _AUTH_WORDS):
        raise BlockedError(f"Vast refused the search: {message}")
    if message:
        raise ParseError(f"error body instead of offers: {message!r}")
    raise ParseError(f"no 'offers' list in the answer (keys: {sorted(data)[:10]})")


def _read_offer(raw: object, index: int) -> _Offer | str:
    if not isinstance(raw, dict):
        raise ParseError(f"offers[{index}] is not an object")
    offer_id = raw.get("id")
    gpu_name = raw.get("gpu_name")
    if not isinstance(gpu_name, str) or not gpu_name.strip():
        raise ParseError(f"offers[{index}] (id {offer_id}) has no gpu_name")
    gpu_count = raw.get("num_gpus")
    if isinstance(gpu_count, bool) or not isinstance(gpu_count, int) or gpu_count < 1:
        raise ParseError(f"offers[{index}] (id {offer_id}) has no whole num_gpus: {gpu_count!r}")
    price = _decimal(raw.get("dph_total"), f"offers[{index}] (id {offer_id}) dph_total")
    geolocation = raw.get("geolocation")
    label = f"offer {offer_id} ({gpu_name}, {geolocation or 'no location'})"
    if price <= 0:
        return f"{label}: dph_total {price} is no price"
    gpu_ram = raw.get("gpu_ram")
    memory_gb = round(gpu_ram / _MIB_PER_GB) if isinstance(gpu_ram, int | float) and gpu_ram > 0 else None
    return _Offer(
        gpu=canonical_gpu(gpu_name, memory_gb),
        gpu_count=gpu_count,
        region=country_of(geolocation),
        price=price,
        available=raw.get("rentable", True) is True and raw.get("rented", False) is not True,
    )


def _summarise(members: list[_Offer], *, url: str, fetched_at: datetime) -> GpuOffer:
    first = members[0]
    rentable = [m.price for m in members if m.available]
    prices = rentable or [m.price for m in members]
    model = first.gpu.model.replace(" ", "-")
    suffix = f"-{first.gpu.variant}" if first.gpu.variant else ""
    return GpuOffer(
        source=SOURCE_ID,
        url=url,
        observed_at=fetched_at,
        provider="vastai",
        instance_type=f"vast:{first.gpu_count}x{model}{suffix}",
        region=first.region,
        gpu_model=first.gpu.model,
        gpu_variant=first.gpu.variant,
        gpu_count=Decimal(first.gpu_count),
        billing="on_demand",
        price=statistics.median(prices),
        currency="USD",
        available=bool(rentable),
        price_min=min(prices),
        offer_count=len(prices),
    )


def _decimal(value: object, what: str) -> Decimal:
    return json_decimal(value, what)
