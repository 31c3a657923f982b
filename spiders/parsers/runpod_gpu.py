"""RunPod GraphQL `gpuTypes` -> per-GPU secure, community and spot offers (gpu.md §3.5)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import GpuName, canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import load_json
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes
from spiders.parsers.numbers import optional_json_decimal

__all__ = ["DEFAULT_ENDPOINT", "GPU_TYPES_QUERY", "SOURCE_ID", "parse"]

SOURCE_ID = "runpod_gpu"
DEFAULT_ENDPOINT = "https://api.runpod.io/graphql"
#: RunPod's prices hold for every data centre (lowestPrice varies by data centre; this query does not ask)
REGION = "global"
GPU_TYPES_QUERY = (
    "query GpuTypes { gpuTypes { id displayName memoryInGb securePrice communityPrice secureSpotPrice "
    "communitySpotPrice lowestPrice(input: {gpuCount: 1}) { minimumBidPrice uninterruptablePrice stockStatus "
    "minVcpu minMemory } } }"
)
_AUTH_WORDS = ("unauthorized", "unauthenticated", "authenticat", "api key", "forbidden")


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Turn a `{"data": {"gpuTypes": [...]}}` answer into one-GPU offers, USD per GPU-hour.

    Per GPU type: `securePrice` -> on_demand, `communityPrice` -> community, and the lower of
    `secureSpotPrice` / `communitySpotPrice` -> spot (the cheapest interruptible GPU, whichever
    cloud offers it). A null price means the market does not offer the GPU and yields nothing; a zero
    or negative one is left out with a reason. When the answer carries `secureCloud` / `communityCloud`
    and one is false, that cloud's prices (on-demand and spot) are placeholders (real answers show 0.5
    for clouds that do not offer the GPU) and are left out with a reason. `lowestPrice.stockStatus`
    null marks every offer of the type unavailable, prices kept; an answer without `lowestPrice` (a
    query that did not ask for it) says nothing about stock and leaves offers available. Raises
    BlockedError for an authentication error and ParseError for any other error answer or a missing field.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    offers: list[GpuOffer] = []
    skipped: list[str] = []
    unknown: list[str] = []
    for index, gpu_type in enumerate(_gpu_types(load_json(body))):
        if not isinstance(gpu_type, dict):
            raise ParseError(f"gpuTypes[{index}] is not an object")
        type_id = _text(gpu_type, "id", index)
        display = _text(gpu_type, "displayName", index)
        gpu = _canonical(display, type_id, gpu_type.get("memoryInGb"))
        if not gpu.known and display not in unknown:
            unknown.append(display)
        available = _in_stock(gpu_type["lowestPrice"], index) if "lowestPrice" in gpu_type else True
        for billing, price in _prices(gpu_type, index, type_id, skipped):
            offers.append(
                GpuOffer(
                    source=SOURCE_ID,
                    url=url,
                    observed_at=fetched_at,
                    provider="runpod",
                    instance_type=type_id,
                    region=REGION,
                    gpu_model=gpu.model if gpu.known else display,
                    gpu_variant=gpu.variant,
                    gpu_count=Decimal(1),
                    billing=billing,
                    price=price,
                    currency="USD",
                    available=available,
                )
            )
    return ParseResult(
        items=list(offers), skipped=skipped, notes=unknown_gpu_notes(unknown),
        empty_reason="no priced GPU type in the answer (an empty gpuTypes list or every price null)",
    )  # fmt: skip


def _gpu_types(data: object) -> list[Any]:
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    inner = data.get("data")
    gpu_types = inner.get("gpuTypes") if isinstance(inner, dict) else None
    if isinstance(gpu_types, list):
        return gpu_types
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        if any(word in messages.lower() for word in _AUTH_WORDS):
            raise BlockedError(f"RunPod refused the query: {messages}")
        raise ParseError(f"GraphQL error instead of gpuTypes: {messages}")
    raise ParseError("the answer has no data.gpuTypes list")


def _prices(gpu_type: dict[str, Any], index: int, type_id: str, skipped: list[str]) -> list[tuple[str, Decimal]]:
    """(billing, price per GPU-hour) for every market that offers this GPU."""
    found: list[tuple[str, Decimal]] = []
    spot: list[Decimal] = []
    for name, billing, cloud in (
        ("securePrice", "on_demand", "secureCloud"),
        ("communityPrice", "community", "communityCloud"),
        ("secureSpotPrice", "spot", "secureCloud"),
        ("communitySpotPrice", "spot", "communityCloud"),
    ):
        price = _price(gpu_type, name, index)
        if price is None:
            continue
        if gpu_type.get(cloud) is False:
            skipped.append(f"{type_id} {billing}: {name} {price} ignored, {cloud} is false")
            continue
        if price <= 0:
            skipped.append(f"{type_id} {billing}: {name} {price} is no price")
            continue
        if billing == "spot":
            spot.append(price)
        else:
            found.append((billing, price))
    if spot:
        found.append(("spot", min(spot)))
    return found


def _in_stock(lowest: object, index: int) -> bool:
    if lowest is None:
        return False
    if not isinstance(lowest, dict):
        raise ParseError(f"gpuTypes[{index}].lowestPrice is not an object")
    return lowest.get("stockStatus") is not None


def _canonical(display: str, type_id: str, memory: object) -> GpuName:
    memory_gb = memory if isinstance(memory, int) and not isinstance(memory, bool) and memory > 0 else None
    # displayName carries the variant ("H100 SXM"); the id sometimes does not ("NVIDIA H100 80GB HBM3").
    gpu = canonical_gpu(display, memory_gb)
    return gpu if gpu.known else canonical_gpu(type_id, memory_gb)


def _text(item: dict[str, Any], name: str, index: int) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"gpuTypes[{index}] has no text field {name!r}")
    return value.strip()


def _price(item: dict[str, Any], name: str, index: int) -> Decimal | None:
    if name not in item:
        raise ParseError(f"gpuTypes[{index}] lacks {name!r} (the query asks for it)")
    return optional_json_decimal(item[name], f"gpuTypes[{index}].{name}")
