"""Alibaba Cloud ECS price file (instancePrice.json) and its version page -> GpuOffer items (gpu.md §4.1, §5)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.aliyun_specs import (
    ALIYUN_FAMILIES,
    ALIYUN_SKUS,
    AliyunFamily,
    AliyunSku,
    TypeSpec,
    describe_instance_type,
)
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text, load_json_bytes
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.parsers.numbers import optional_json_decimal

__all__ = [
    "ALIYUN_FAMILIES",
    "ALIYUN_SKUS",
    "DEFAULT_CDN",
    "DEFAULT_ENDPOINT",
    "PRICE_FILE",
    "SOURCE_ID",
    "VERSION_PAGE",
    "AliyunFamily",
    "AliyunSku",
    "TypeSpec",
    "describe_instance_type",
    "parse",
    "price_file_url",
]

SOURCE_ID = "aliyun_gpu"
#: the public ECS pricing page whose HTML names the current price-file version
DEFAULT_ENDPOINT = "https://www.aliyun.com/price/ecs/ecs-pricing/zh"
#: mainland (CNY) price files live under <cdn>/<version>/price/download/instancePrice.json
DEFAULT_CDN = "https://g.alicdn.com/aliyun/ecs-price-info"
PRICE_FILE_PATH = "price/download/instancePrice.json"
#: the steps of the flow: the pricing page names the current version (the first step), then its price file
VERSION_PAGE = "version_page"
PRICE_FILE = "price_file"

# The trailing "/" keeps the intl files (ecs-price-info-intl/<ver>) out. Protocol-relative URLs count too.
_VERSION_URL = re.compile(r"(?:https?:)?//g\.alicdn\.com/aliyun/ecs-price-info/(\d+(?:\.\d+)+)/")
_VERSION = re.compile(r"\d+(?:\.\d+)+")


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Read one answer of the flow: the pricing page (step `version_page`, the default) or a price file.

    The pricing page leads to the price file of the version it names (under `request.meta["cdn"]`,
    default DEFAULT_CDN); the run facts keep that version (`price_file_version`) and every version the
    page named. A price file (step `price_file`, `meta["version"]` the version it was fetched as,
    `meta["pinned"]` True when `-a version=` chose it) yields the offers; its facts are the version,
    `price_file_published` and `price_file_currency`.
    """
    step = (request.step if request is not None else None) or VERSION_PAGE
    meta = request.meta if request is not None else {}
    if step == VERSION_PAGE:
        return _version_page(body, cdn=str(meta.get("cdn") or DEFAULT_CDN))
    if step == PRICE_FILE:
        pinned = bool(meta.get("pinned"))
        return _price_file(body, url=url, fetched_at=fetched_at, fetched_as=meta.get("version"), pinned=pinned)
    raise ValueError(f"aliyun_gpu has no step {step!r}")


def _version_page(html: str | bytes, *, cdn: str) -> ParseResult:
    """Find the mainland price-file version in the ECS pricing page's HTML.

    Raises ParseError when no `g.alicdn.com/aliyun/ecs-price-info/<version>/` URL is on the page: the
    layout changed, and falling back to an old version would silently serve years-old prices.
    """
    text = decode_text(html, fallbacks=CHINESE_FALLBACKS, what="the pricing page")
    seen = sorted({m[1] for m in _VERSION_URL.finditer(text)}, key=_version_key)
    if not seen:
        raise ParseError(
            "no g.alicdn.com/aliyun/ecs-price-info/<version>/ URL on the pricing page (layout changed?); "
            "pin one with -a version=… after checking it is current"
        )
    version = seen[-1]
    notes = [f"pricing page names several price-file versions {seen}: using {version}"] if len(seen) > 1 else []
    return ParseResult(
        notes=[*notes, f"price file version {version}"], expect_items=False,
        details={"price_file_version": version, "price_file_versions_seen": seen},
        follow=[FollowUp(price_file_url(cdn, version), step=PRICE_FILE, meta={"version": version})],
    )  # fmt: skip


def price_file_url(cdn: str, version: str) -> str:
    """The price file of `version` under the CDN base `cdn` (e.g. https://g.alicdn.com/aliyun/ecs-price-info)."""
    if not _VERSION.fullmatch(version):
        raise ValueError(f"price-file version {version!r} is not like 2.0.211")
    return f"{cdn.rstrip('/')}/{version}/{PRICE_FILE_PATH}"


def _price_file(
    body: str | bytes, *, url: str, fetched_at: datetime, fetched_as: str | None, pinned: bool
) -> ParseResult:
    """Parse an instancePrice.json body into per-instance-hour Linux VPC offers of GPU instance types.

    The body is decoded once (the mainland file is large). Raises ParseError when it is not a price file
    (no `pricingInfo` object, no `currency`, a key or entry of the wrong shape). A missing, empty or zero
    `hours[0].price` is no price (never free): the key is skipped with a reason.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    data = _load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    pricing = data.get("pricingInfo")
    if not isinstance(pricing, dict):
        raise ParseError(f"no pricingInfo object in the price file (keys: {sorted(data)[:8]})")
    currency = data.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise ParseError(f"price file currency {currency!r} is not an ISO 4217 code")

    offers: list[GpuOffer] = []
    notes: list[str] = []
    skipped: list[str] = []
    gpu_names: dict[AliyunFamily, tuple[str, str | None]] = {}
    for key, entry in pricing.items():
        parts = key.split("::") if isinstance(key, str) else []
        if len(parts) != 5:
            raise ParseError(f"pricingInfo key {key!r} is not RegionId::InstanceType::Network::OS::IoOptimized")
        region, instance_type, network, os_type, io = parts
        if (network, os_type, io) != ("vpc", "linux", "optimized"):
            skipped.append(f"{key}: not a Linux VPC I/O-optimized price")
            continue
        spec = describe_instance_type(instance_type)
        if isinstance(spec, str):
            (notes if "add it" in spec else skipped).append(spec)
            continue
        price = _hourly_price(key, entry)
        if price is None:
            skipped.append(f"{key}: no hourly price (missing, empty or 0 is no price, never free)")
            continue
        family = ALIYUN_FAMILIES[spec.family]
        if family not in gpu_names:
            gpu = canonical_gpu(family.gpu, family.memory_gb)
            gpu_names[family] = (gpu.model, gpu.variant)
            if not gpu.known:
                notes.append(f"unknown GPU {family.gpu!r} ({spec.family}): stored under its raw name")
        model, variant = gpu_names[family]
        if spec.from_name:
            notes.append(
                f"{instance_type}: not in the official table, {spec.gpu_count} GPUs read from its name "
                "(add it to ALIYUN_SKUS)"
            )
        offers.append(
            GpuOffer(
                source=SOURCE_ID,
                url=url,
                observed_at=fetched_at,
                provider="aliyun",
                instance_type=instance_type,
                region=region,
                gpu_model=model,
                gpu_variant=variant,
                gpu_count=Decimal(spec.gpu_count),
                vcpus=spec.vcpus,
                memory_gb=None if spec.memory_gb is None else Decimal(spec.memory_gb),
                billing="on_demand",
                price=price,
                currency=currency,
                available=True,  # the price file has no stock signal (gpu.md §6.10)
            )
        )
    own_version, published = _optional_text(data, "version"), _optional_text(data, "publicationDate")
    version = fetched_as or own_version
    about = [f"price file version {version} (pinned with -a version=)"] if pinned else []
    if fetched_as is not None and own_version is not None and own_version != fetched_as:
        about.append(f"price file says version {own_version} but was fetched as {fetched_as}")
    if published:
        about.append(f"price file published {published}")
    return ParseResult(
        items=list(offers), skipped=skipped, notes=about + list(dict.fromkeys(notes)),
        details={"price_file_version": version, "price_file_published": published, "price_file_currency": currency},
        empty_reason=f"no GPU offer in price file {version} (file layout or families changed?)",
    )  # fmt: skip


def _load_json(body: str | bytes) -> Any:
    """Decode JSON once; only the head is inspected (the mainland file is large: no strip, no copy)."""
    head = body[:1024]
    head_text = (head.decode("utf-8", errors="replace") if isinstance(head, bytes) else head).lstrip()
    if not head_text and len(body) <= len(head):
        raise ParseError("empty body where the price file was expected")
    if head_text.startswith("<"):
        raise ParseError(f"HTML instead of the price file: {head_text[:80]!r}")
    try:
        return load_json_bytes(body, fallbacks=CHINESE_FALLBACKS, what="the price file")
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _hourly_price(key: str, entry: object) -> Decimal | None:
    if not isinstance(entry, dict):
        raise ParseError(f"pricingInfo[{key!r}] is not an object")
    hours = entry.get("hours")
    if hours is None or hours == []:
        return None
    if not isinstance(hours, list) or not isinstance(hours[0], dict):
        raise ParseError(f"pricingInfo[{key!r}].hours is not a list of objects")
    raw = hours[0].get("price")
    price = optional_json_decimal(raw, f"pricingInfo[{key!r}].hours[0].price", text=True)
    if price is None:
        return None
    return price if price > 0 else None


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
