"""Alibaba Cloud ECS price file (instancePrice.json) and its version page -> GpuOffer items (gpu.md §4.1, §5)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer

__all__ = [
    "ALIYUN_FAMILIES",
    "ALIYUN_SKUS",
    "DEFAULT_CDN",
    "DEFAULT_ENDPOINT",
    "SOURCE_ID",
    "AliyunFamily",
    "AliyunPriceFile",
    "AliyunSku",
    "PriceFileVersion",
    "TypeSpec",
    "describe_instance_type",
    "parse_price_file",
    "parse_version_page",
    "price_file_url",
]

SOURCE_ID = "aliyun_gpu"
#: the public ECS pricing page whose HTML names the current price-file version
DEFAULT_ENDPOINT = "https://www.aliyun.com/price/ecs/ecs-pricing/zh"
#: mainland (CNY) price files live under <cdn>/<version>/price/download/instancePrice.json
DEFAULT_CDN = "https://g.alicdn.com/aliyun/ecs-price-info"
PRICE_FILE_PATH = "price/download/instancePrice.json"

# The trailing "/" keeps the intl files (ecs-price-info-intl/<ver>) out. Protocol-relative URLs count too.
_VERSION_URL = re.compile(r"(?:https?:)?//g\.alicdn\.com/aliyun/ecs-price-info/(\d+(?:\.\d+)+)/")
_VERSION = re.compile(r"\d+(?:\.\d+)+")


@dataclass(frozen=True)
class AliyunFamily:
    """The GPU of an instance family as the official tables describe it (name with variant, memory per GPU)."""

    gpu: str
    memory_gb: int


@dataclass(frozen=True)
class AliyunSku:
    """One row of an official spec table: GPUs, vCPUs and memory (GiB) of an instance type."""

    gpu_count: int
    vcpus: int
    memory_gb: int


#: family -> GPU. The price file names no hardware, so the family is the only key. From the official tables
#: (help.aliyun.com "GPU-accelerated compute-optimized instance families", English copy read 2026-11; gn7/gn7e
#: also /work/shared/samples/gpu/alibaba_gn7_gn7e_instance_types_doc_excerpt.md, whose tables give only the
#: memory: the A100 is gpu.md §5). Left out on purpose: gn8v/gn8v-tee/ebmgn8v (96 GB, GPU not named) and
#: ebmgn9g* (Blackwell, not named) are reported as unknown families rather than guessed.
ALIYUN_FAMILIES: dict[str, AliyunFamily] = {
    "gn5": AliyunFamily("NVIDIA P100", 16),
    "gn5i": AliyunFamily("NVIDIA P4", 8),
    "gn6i": AliyunFamily("NVIDIA T4", 16),
    "ebmgn6i": AliyunFamily("NVIDIA T4", 16),
    # gn6v/gn6e: "NVIDIA V100 GPUs (SXM2-based)" in the docs.
    "gn6v": AliyunFamily("NVIDIA V100 SXM2", 16),
    "ebmgn6v": AliyunFamily("NVIDIA V100 SXM2", 16),
    "gn6e": AliyunFamily("NVIDIA V100 SXM2", 32),
    "ebmgn6e": AliyunFamily("NVIDIA V100 SXM2", 32),
    "gn7": AliyunFamily("NVIDIA A100", 40),
    "ebmgn7": AliyunFamily("NVIDIA A100", 40),
    "gn7e": AliyunFamily("NVIDIA A100", 80),
    "ebmgn7e": AliyunFamily("NVIDIA A100", 80),
    "gn7i": AliyunFamily("NVIDIA A10", 24),
    "ebmgn7i": AliyunFamily("NVIDIA A10", 24),
    "gn7s": AliyunFamily("NVIDIA A30", 24),
    "gn8is": AliyunFamily("NVIDIA L20", 48),
    "ebmgn8is": AliyunFamily("NVIDIA L20", 48),
    "ebmgn8ia": AliyunFamily("NVIDIA L20", 48),
}

#: instance type -> (GPUs, vCPUs, GiB), copied from the same official tables. A type missing here falls back
#: to its name (describe_instance_type); the table wins because names round (gn6v-c10g1.20xlarge has 82 vCPUs).
ALIYUN_SKUS: dict[str, AliyunSku] = {
    "ecs.gn8is.2xlarge": AliyunSku(1, 8, 64),
    "ecs.gn8is.4xlarge": AliyunSku(1, 16, 128),
    "ecs.gn8is-2x.8xlarge": AliyunSku(2, 32, 256),
    "ecs.gn8is-4x.16xlarge": AliyunSku(4, 64, 512),
    "ecs.gn8is-8x.32xlarge": AliyunSku(8, 128, 1024),
    "ecs.gn7e-c16g1.4xlarge": AliyunSku(1, 16, 125),
    "ecs.gn7e-c16g1.8xlarge": AliyunSku(2, 32, 250),
    "ecs.gn7e-c16g1.16xlarge": AliyunSku(4, 64, 500),
    "ecs.gn7e-c16g1.32xlarge": AliyunSku(8, 128, 1000),
    "ecs.gn7i-c8g1.2xlarge": AliyunSku(1, 8, 30),
    "ecs.gn7i-c16g1.4xlarge": AliyunSku(1, 16, 60),
    "ecs.gn7i-c32g1.8xlarge": AliyunSku(1, 32, 188),
    "ecs.gn7i-c32g1.16xlarge": AliyunSku(2, 64, 376),
    "ecs.gn7i-c32g1.32xlarge": AliyunSku(4, 128, 752),
    "ecs.gn7i-c48g1.12xlarge": AliyunSku(1, 48, 310),
    "ecs.gn7i-c56g1.14xlarge": AliyunSku(1, 56, 346),
    "ecs.gn7i-2x.8xlarge": AliyunSku(2, 32, 128),
    "ecs.gn7i-4x.8xlarge": AliyunSku(4, 32, 128),
    "ecs.gn7i-4x.16xlarge": AliyunSku(4, 64, 256),
    "ecs.gn7i-8x.32xlarge": AliyunSku(8, 128, 512),
    "ecs.gn7i-8x.16xlarge": AliyunSku(8, 64, 256),
    "ecs.gn7s-c8g1.2xlarge": AliyunSku(1, 8, 60),
    "ecs.gn7s-c16g1.4xlarge": AliyunSku(1, 16, 120),
    "ecs.gn7s-c32g1.8xlarge": AliyunSku(1, 32, 250),
    "ecs.gn7s-c32g1.16xlarge": AliyunSku(2, 64, 500),
    "ecs.gn7s-c32g1.32xlarge": AliyunSku(4, 128, 1000),
    "ecs.gn7s-c48g1.12xlarge": AliyunSku(1, 48, 380),
    "ecs.gn7s-c56g1.14xlarge": AliyunSku(1, 56, 440),
    "ecs.gn7-c12g1.3xlarge": AliyunSku(1, 12, 94),
    "ecs.gn7-c13g1.13xlarge": AliyunSku(4, 52, 378),
    "ecs.gn7-c13g1.26xlarge": AliyunSku(8, 104, 756),
    "ecs.gn6i-c4g1.xlarge": AliyunSku(1, 4, 15),
    "ecs.gn6i-c8g1.2xlarge": AliyunSku(1, 8, 31),
    "ecs.gn6i-c16g1.4xlarge": AliyunSku(1, 16, 62),
    "ecs.gn6i-c24g1.6xlarge": AliyunSku(1, 24, 93),
    "ecs.gn6i-c40g1.10xlarge": AliyunSku(1, 40, 155),
    "ecs.gn6i-c24g1.12xlarge": AliyunSku(2, 48, 186),
    "ecs.gn6i-c24g1.24xlarge": AliyunSku(4, 96, 372),
    "ecs.gn6e-c12g1.3xlarge": AliyunSku(1, 12, 92),
    "ecs.gn6e-c12g1.6xlarge": AliyunSku(2, 24, 184),
    "ecs.gn6e-c12g1.12xlarge": AliyunSku(4, 48, 368),
    "ecs.gn6e-c12g1.24xlarge": AliyunSku(8, 96, 736),
    "ecs.gn6v-c8g1.2xlarge": AliyunSku(1, 8, 32),
    "ecs.gn6v-c8g1.4xlarge": AliyunSku(2, 16, 64),
    "ecs.gn6v-c8g1.8xlarge": AliyunSku(4, 32, 128),
    "ecs.gn6v-c8g1.16xlarge": AliyunSku(8, 64, 256),
    "ecs.gn6v-c10g1.20xlarge": AliyunSku(8, 82, 336),
    "ecs.ebmgn8ia.64xlarge": AliyunSku(4, 256, 1536),
    "ecs.ebmgn8is.32xlarge": AliyunSku(8, 128, 1024),
    "ecs.ebmgn7e.32xlarge": AliyunSku(8, 128, 1024),
    "ecs.ebmgn7i.32xlarge": AliyunSku(4, 128, 768),
    "ecs.ebmgn7.26xlarge": AliyunSku(8, 104, 768),
    "ecs.ebmgn6e.24xlarge": AliyunSku(8, 96, 768),
    "ecs.ebmgn6v.24xlarge": AliyunSku(8, 96, 384),
    "ecs.ebmgn6i.24xlarge": AliyunSku(4, 96, 384),
    "ecs.gn5i-c2g1.large": AliyunSku(1, 2, 8),
    "ecs.gn5i-c4g1.xlarge": AliyunSku(1, 4, 16),
    "ecs.gn5i-c8g1.2xlarge": AliyunSku(1, 8, 32),
    "ecs.gn5i-c16g1.4xlarge": AliyunSku(1, 16, 64),
    "ecs.gn5i-c16g1.8xlarge": AliyunSku(2, 32, 128),
    "ecs.gn5i-c28g1.14xlarge": AliyunSku(2, 56, 224),
    "ecs.gn5-c4g1.xlarge": AliyunSku(1, 4, 30),
    "ecs.gn5-c8g1.2xlarge": AliyunSku(1, 8, 60),
    "ecs.gn5-c4g1.2xlarge": AliyunSku(2, 8, 60),
    "ecs.gn5-c8g1.4xlarge": AliyunSku(2, 16, 120),
    "ecs.gn5-c28g1.7xlarge": AliyunSku(1, 28, 112),
    "ecs.gn5-c8g1.8xlarge": AliyunSku(4, 32, 240),
    "ecs.gn5-c28g1.14xlarge": AliyunSku(2, 56, 224),
    "ecs.gn5-c8g1.14xlarge": AliyunSku(8, 54, 480),
}

# Instance type names: ecs.<family>[-<suffix>…][-<n>x | -c<vcpus per GPU>g<gpus>].<size>
_VGPU_FAMILY = re.compile(r"[vs]gn\d+[a-z]*")  # vgn6i, sgn7i: slices of a GPU
_GPU_FAMILY = re.compile(r"[a-z]*gn\d+[a-z]*")  # gn7, ebmgn7e, sccgn6, …
_GPU_COUNT_TOKEN = re.compile(r"(\d+)x")
_RATIO_TOKEN = re.compile(r"c(\d+)g(\d+)")
_SIZE = re.compile(r"(\d*)xlarge|large")


@dataclass(frozen=True)
class PriceFileVersion:
    """The price-file version named by the pricing page (the highest when several appear) and all seen."""

    version: str
    seen: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    """What an instance type has: GPUs, vCPUs, GiB; `from_name` when read from its name, not a table."""

    family: str
    sku: AliyunSku | None
    gpu_count: int
    vcpus: int | None
    memory_gb: int | None
    from_name: bool


@dataclass(frozen=True)
class AliyunPriceFile:
    """One parsed price file: its offers, what it says about itself, and why keys were left out.

    `notes` are for the run's operator (unknown GPU families, specs read from a name, unknown GPU names);
    `skipped` are routine reasons (Windows keys, CPU types, missing prices).
    """

    offers: list[GpuOffer]
    version: str | None
    publication_date: str | None
    currency: str
    notes: list[str]
    skipped: list[str]


def parse_version_page(html: str | bytes) -> PriceFileVersion:
    """Find the mainland price-file version in the ECS pricing page's HTML.

    Raises ParseError when no `g.alicdn.com/aliyun/ecs-price-info/<version>/` URL is on the page: the
    layout changed, and falling back to an old version would silently serve years-old prices.
    """
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    seen = sorted({m[1] for m in _VERSION_URL.finditer(text)}, key=_version_key)
    if not seen:
        raise ParseError(
            "no g.alicdn.com/aliyun/ecs-price-info/<version>/ URL on the pricing page (layout changed?); "
            "pin one with -a version=… after checking it is current"
        )
    return PriceFileVersion(version=seen[-1], seen=tuple(seen))


def price_file_url(cdn: str, version: str) -> str:
    """The price file of `version` under the CDN base `cdn` (e.g. https://g.alicdn.com/aliyun/ecs-price-info)."""
    if not _VERSION.fullmatch(version):
        raise ValueError(f"price-file version {version!r} is not like 2.0.211")
    return f"{cdn.rstrip('/')}/{version}/{PRICE_FILE_PATH}"


def describe_instance_type(instance_type: str) -> TypeSpec | str:
    """The GPU spec of an ECS instance type, or the reason it is not a whole-GPU type we know.

    The official table (ALIYUN_SKUS) wins; otherwise the GPU count is read from the documented name
    parts (`-4x` = 4 GPUs; `-c12g1` = 12 vCPUs per GPU with `<n>xlarge` = 4n vCPUs) and the memory is unknown.
    """
    name = instance_type.removeprefix("ecs.")
    head, _, size = name.partition(".")
    tokens = head.split("-")
    if _VGPU_FAMILY.fullmatch(tokens[0]):
        return f"{instance_type}: vGPU slice, not a whole GPU"
    if not _GPU_FAMILY.fullmatch(tokens[0]):
        return f"{instance_type}: not a GPU instance type"
    gpus_token = next((m for t in tokens[1:] if (m := _GPU_COUNT_TOKEN.fullmatch(t))), None)
    ratio = next((m for t in tokens[1:] if (m := _RATIO_TOKEN.fullmatch(t))), None)
    family = "-".join(t for t in tokens if not (_GPU_COUNT_TOKEN.fullmatch(t) or _RATIO_TOKEN.fullmatch(t)))
    if family not in ALIYUN_FAMILIES:
        return f"{instance_type}: unknown GPU family {family!r}, add it to ALIYUN_FAMILIES"
    sku = ALIYUN_SKUS.get(instance_type)
    if sku is not None:
        return TypeSpec(family, sku, sku.gpu_count, sku.vcpus, sku.memory_gb, from_name=False)
    vcpus = _vcpus_from_size(size)
    gpu_count: int | None = None
    if gpus_token is not None:
        gpu_count = int(gpus_token[1])
    elif ratio is not None and vcpus is not None and vcpus % int(ratio[1]) == 0:
        gpu_count = vcpus // int(ratio[1]) * int(ratio[2])
    if not gpu_count:
        return f"{instance_type}: GPU count neither in ALIYUN_SKUS nor in the name, add it to ALIYUN_SKUS"
    return TypeSpec(family, None, gpu_count, vcpus, None, from_name=True)


def parse_price_file(body: str | bytes, *, url: str, fetched_at: datetime) -> AliyunPriceFile:
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
    return AliyunPriceFile(
        offers=offers,
        version=_optional_text(data, "version"),
        publication_date=_optional_text(data, "publicationDate"),
        currency=currency,
        notes=list(dict.fromkeys(notes)),
        skipped=skipped,
    )


def _load_json(body: str | bytes) -> Any:
    """Decode JSON once; only the head is inspected (the mainland file is large: no strip, no copy)."""
    head = body[:1024]
    head_text = (head.decode("utf-8", errors="replace") if isinstance(head, bytes) else head).lstrip()
    if not head_text and len(body) <= len(head):
        raise ParseError("empty body where the price file was expected")
    if head_text.startswith("<"):
        raise ParseError(f"HTML instead of the price file: {head_text[:80]!r}")
    try:
        return json.loads(body)
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
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ParseError(f"pricingInfo[{key!r}].hours[0].price is {type(raw).__name__}")
    try:
        # str() first: Decimal(9.5326) would carry the binary float's digits.
        price = Decimal(str(raw))
    except InvalidOperation:
        raise ParseError(f"pricingInfo[{key!r}].hours[0].price {raw!r} is not a number") from None
    if not price.is_finite():
        raise ParseError(f"pricingInfo[{key!r}].hours[0].price {raw!r} is not a number")
    return price if price > 0 else None


def _vcpus_from_size(size: str) -> int | None:
    match = _SIZE.fullmatch(size)
    if match is None:
        return None
    if match[0] == "large":
        return 2
    return 4 * int(match[1] or 1)


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
