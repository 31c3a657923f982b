"""instances.vantage.sh instances.json -> EC2 GPU GpuOffer items, Linux on-demand and spot, per region (gpu.md §3.2)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.numbers import decimal_or_none
from spiders.errors import ParseError
from spiders.gpu_names import GpuName, canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import load_json_bytes
from spiders.parsers.contract import ParseResult, Request

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse"]

SOURCE_ID = "aws_gpu"
DEFAULT_ENDPOINT = "https://instances.vantage.sh/instances.json"
_OS = "linux"
# spot_min is the lowest spot price seen across the region's zones. spot_avg is NOT used: when no spot price
# was seen the builder writes ondemand × (100 − pct_savings_od)% from the Spot Advisor there instead (seen in
# tsaol/aws-gpu gpu_instances_raw.json, 2025-11: spot_avg 1.670165 = 4.7719 × 0.35, no spot_min), an estimate
# that would look like a market price.
_SPOT_FIELD = "spot_min"


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse the whole instances.json (a list of instance records) into per-instance-hour GPU offers.

    Only records with `GPU` > 0 count. Each region's `linux.ondemand` is an on_demand offer and its
    `spot_min` a spot offer; Windows/RHEL/SUSE, dedicated hosts and reservations are left out. The body
    is decoded once and never copied (the file is tens of MB). Raises ParseError when the body is not a
    list of records or a GPU record lacks `instance_type`/`GPU`/`pricing` in the expected shape. The run
    facts say how many GPU instance types the file held (`gpu_instance_types`).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    data = _load_json(body)
    if not isinstance(data, list):
        raise ParseError(f"expected the JSON array of instances, got {type(data).__name__}")
    offers: list[GpuOffer] = []
    notes: list[str] = []
    skipped: list[str] = []
    gpu_types = 0
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise ParseError(f"instances[{index}] is not an object")
        count = _gpu_count(record, index)
        if count is None:
            continue
        gpu_types += 1
        instance_type = _instance_type(record, index)
        gpu = _gpu_name(record, instance_type, count, notes)
        if gpu is None:
            skipped.append(f"{instance_type}: GPU_model missing")
            continue
        pricing = record.get("pricing")
        if not isinstance(pricing, dict):
            raise ParseError(f"{instance_type}: pricing is {type(pricing).__name__}, not an object")
        for region, by_os in pricing.items():
            linux = by_os.get(_OS) if isinstance(by_os, dict) else None
            if not isinstance(linux, dict):
                skipped.append(f"{instance_type} {region}: no Linux price (dedicated or other OS only)")
                continue
            for billing, field in (("on_demand", "ondemand"), ("spot", _SPOT_FIELD)):
                price = _price(linux.get(field))
                if price is None:
                    skipped.append(f"{instance_type} {region} {billing}: no usable {field} ({linux.get(field)!r})")
                    continue
                offers.append(
                    GpuOffer(
                        source=SOURCE_ID,
                        url=url,
                        observed_at=fetched_at,
                        provider="aws",
                        instance_type=instance_type,
                        region=str(region),
                        gpu_model=gpu.model,
                        gpu_variant=gpu.variant,
                        gpu_count=count,
                        vcpus=_optional_int(record.get("vCPU")),
                        memory_gb=_optional_decimal(record.get("memory")),
                        billing=billing,
                        price=price,
                        currency="USD",  # the file's prices are USD per instance-hour
                        available=True,  # the file has no stock signal
                    )
                )
    return ParseResult(
        items=list(offers), skipped=skipped, notes=list(dict.fromkeys(notes)),
        details={"gpu_instance_types": gpu_types},
        empty_reason="no GPU offer in instances.json (GPU or pricing fields renamed?)",
    )  # fmt: skip


def _load_json(body: str | bytes) -> Any:
    """Decode JSON once; only the head is inspected, so the large body is neither stripped nor copied."""
    head = body[:1024]
    head_text = (head.decode("utf-8", errors="replace") if isinstance(head, bytes) else head).lstrip()
    if not head_text and len(body) <= len(head):
        raise ParseError("empty body where instances.json was expected")
    if head_text.startswith("<"):
        raise ParseError(f"HTML instead of instances.json: {head_text[:80]!r}")
    try:
        return load_json_bytes(body, what="instances.json")
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _gpu_count(record: dict[str, Any], index: int) -> Decimal | None:
    value = record.get("GPU", 0)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(f"instances[{index}].GPU is {type(value).__name__}, not a number")
    if value <= 0:
        return None
    count = Decimal(str(value))
    return Decimal(int(count)) if count == count.to_integral_value() else count


def _instance_type(record: dict[str, Any], index: int) -> str:
    value = record.get("instance_type")
    if not isinstance(value, str) or not value:
        raise ParseError(f"instances[{index}] has no instance_type")
    return value


def _gpu_name(record: dict[str, Any], instance_type: str, count: Decimal, notes: list[str]) -> GpuName | None:
    raw = record.get("GPU_model")
    if not isinstance(raw, str) or not raw.strip():
        notes.append(f"{instance_type}: GPU > 0 but no GPU_model, left out")
        return None
    # GPU_memory is the instance's total (p4d: 320 for 8 × A100 40 GB), per vantage-sh scrape.py add_gpu_info.
    total = record.get("GPU_memory")
    per_gpu: int | None = None
    if isinstance(total, int | float) and not isinstance(total, bool) and total > 0:
        per_gpu = round(Decimal(str(total)) / count) or None
    gpu = canonical_gpu(raw, per_gpu)
    if not gpu.known:
        memory = f", {per_gpu} GB each" if per_gpu else ""
        notes.append(f"unknown GPU {raw!r} ({instance_type}{memory}): stored under its raw name")
    return gpu


def _price(value: object) -> Decimal | None:
    """A price string ("21.957642") as Decimal; missing, unreadable, zero or negative is no price."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price > 0 else None


def _optional_int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value)


def _optional_decimal(value: object) -> Decimal | None:
    return decimal_or_none(value) if isinstance(value, int | float) else None
