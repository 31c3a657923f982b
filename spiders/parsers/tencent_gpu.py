"""Tencent Cloud purchase-page DescribeZoneInstanceConfigInfos answers -> hourly GpuOffer items (gpu.md §4.3, §5)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.numbers import optional_json_decimal

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_REGIONS",
    "SOURCE_ID",
    "TENCENT_FAMILIES",
    "TencentFamily",
    "parse",
    "request_body",
    "request_headers",
    "request_query",
]

SOURCE_ID = "tencent_gpu"
#: the purchase page's own API gateway; the spider adds ?i=cvm/DescribeZoneInstanceConfigInfos&uin=&region=<r>
DEFAULT_ENDPOINT = "https://workbench.cloud.tencent.com/cgi/api"
DEFAULT_REGIONS = ("ap-beijing", "ap-shanghai", "ap-guangzhou")
CHARGE_TYPE = "POSTPAID_BY_HOUR"
_PURCHASE_PAGE = "https://buy.cloud.tencent.com/price/cvm"


@dataclass(frozen=True)
class TencentFamily:
    """The GPU of a Tencent instance family when the item's own GPUDesc/Remark leave something out."""

    gpu: str
    memory_gb: int


#: family -> GPU, from the official instance-type docs (GT4: /work/shared/samples/gpu/
#: tencent_gpu_GT4_instance_types_doc_excerpt.html, "Tesla A100 NVLink 40G"; others gpu.md §5). A Remark like
#: "8 * NVIDIA A100" has no memory size; the family supplies it. Families not here keep what the item says.
TENCENT_FAMILIES: dict[str, TencentFamily] = {
    "GT4": TencentFamily("NVIDIA A100", 40),
    "GN10X": TencentFamily("NVIDIA V100", 32),
    "GN10Xp": TencentFamily("NVIDIA V100", 32),
    "GN7": TencentFamily("NVIDIA T4", 16),
}

# Error codes meaning our request no longer fits the API (a changed contract); any other error is a refusal.
_CONTRACT_ERRORS = ("InvalidParameter", "InvalidFilter", "MissingParameter", "UnknownParameter", "UnsupportedOperation")
_AVAILABLE_STATUS = "SELL"
_NO_STOCK = "WithoutStock"


def request_query(region: str) -> str:
    """The query string the purchase page sends for `region` (the `uin` stays empty: no login)."""
    return urlencode({"i": "cvm/DescribeZoneInstanceConfigInfos", "uin": "", "region": region})


def request_body(region: str) -> dict[str, Any]:
    """The documented JSON body: every zone of `region`, pay-as-you-go Linux prices (filter names need a capital N)."""
    return {
        "serviceType": "cvm",
        "action": "DescribeZoneInstanceConfigInfos",
        "region": region,
        "data": {
            "Filters": [{"Name": "instance-charge-type", "Values": [CHARGE_TYPE]}],
            "Platform": "LINUX",
            "Version": "2017-03-12",
        },
        "cgiName": "api",
    }


def request_headers(now_ms: int) -> dict[str, str]:
    """The purchase page's headers (gpu.md §4.3); `x-seqid` is a fresh UUID and `x-life` the time in ms."""
    return {
        "Content-Type": "application/json; charset=UTF-8",
        "Accept": "application/json, text/plain, */*",
        "Origin": "https://buy.cloud.tencent.com",
        "Referer": _PURCHASE_PAGE,
        "x-referer": _PURCHASE_PAGE,
        "x-intl": "false",
        "x-csrfcode": "",
        "x-seqid": str(uuid.uuid4()),
        "x-life": str(now_ms),
    }


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse one region's answer into per-instance-hour offers of GPU instance types.

    A region may sell no GPU at all, so an empty answer is not a failure by itself (the spider fails a run
    whose regions together held none). The API's RequestId is a run fact: `details["request_ids"][region]`.

    An HTML page (login, captcha), a non-zero envelope `code` or a `Response.Error` that refuses us raises
    BlockedError; an error saying our request no longer fits, or a body without `InstanceTypeQuotaSet`,
    raises ParseError. Sold-out items (`Status` not SELL, or `StatusCategory` WithoutStock) are offers with
    `available=False`, keeping their price when the answer still carries one.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    response = _response_object(body)
    quota = response.get("InstanceTypeQuotaSet")
    if not isinstance(quota, list):
        raise ParseError("the answer has no InstanceTypeQuotaSet list")
    request_id = response.get("RequestId") if isinstance(response.get("RequestId"), str) else None

    offers: dict[tuple[str, str], GpuOffer] = {}
    notes: list[str] = []
    skipped: list[str] = []
    for index, item in enumerate(quota):
        outcome = _read_item(item, index, url=url, fetched_at=fetched_at, notes=notes)
        if isinstance(outcome, str):
            skipped.append(outcome)
            continue
        key = (outcome.instance_type, outcome.region)
        if key in offers:
            skipped.append(f"{' '.join(key)}: listed twice, the first is kept")
            continue
        offers[key] = outcome
    region = dict(parse_qsl(urlsplit(url).query)).get("region", "?")
    return ParseResult(
        items=list(offers.values()), skipped=skipped, notes=list(dict.fromkeys(notes)),
        details={"request_ids": {region: request_id}} if request_id else {}, expect_items=False,
    )  # fmt: skip


def _response_object(body: str | bytes) -> dict[str, Any]:
    text = decode_text(body, fallbacks=CHINESE_FALLBACKS, what="the workbench answer")
    stripped = text.lstrip()
    if not stripped:
        raise ParseError("empty body where the API's JSON was expected")
    if stripped.startswith("<"):
        # The gateway answers a missing session or a robot check with a page, not JSON.
        raise BlockedError(f"HTML page instead of the API's JSON (login or captcha?): {stripped[:80]!r}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    code = data.get("code")
    if code not in (0, "0"):
        message = data.get("msg") or data.get("message") or data.get("data")
        raise BlockedError(f"workbench answered code {code!r}: {str(message)[:200]}")
    inner = data.get("data")
    response = inner.get("Response") if isinstance(inner, dict) else None
    if not isinstance(response, dict):
        raise ParseError("no data.Response object in the workbench envelope")
    error = response.get("Error")
    if isinstance(error, dict):
        error_code = str(error.get("Code", ""))
        text = f"API error {error_code}: {str(error.get('Message', ''))[:200]}"
        if error_code.startswith(_CONTRACT_ERRORS):
            raise ParseError(text)
        raise BlockedError(text)
    return response


def _read_item(item: object, index: int, *, url: str, fetched_at: datetime, notes: list[str]) -> GpuOffer | str:
    """The item's offer, or why it is not one."""
    if not isinstance(item, dict):
        raise ParseError(f"InstanceTypeQuotaSet[{index}] is not an object")
    instance_type = _text(item, "InstanceType", index)
    zone = _text(item, "Zone", index)
    label = f"{instance_type} {zone}"
    gpu_count = _gpu_count(item, index)
    if gpu_count is None:
        return f"{label}: no GPU"
    charge_type = item.get("InstanceChargeType")
    if charge_type != CHARGE_TYPE:
        return f"{label}: charge type {charge_type!r} is not {CHARGE_TYPE}"
    status = _text(item, "Status", index)
    available = status == _AVAILABLE_STATUS and item.get("StatusCategory") != _NO_STOCK
    price = _unit_price(item, index)
    if price is None and available:
        return f"{label}: UnitPrice missing or 0 on a sellable item (no price, never free)"
    family_name = item.get("InstanceFamily")
    known_family = TENCENT_FAMILIES.get(family_name) if isinstance(family_name, str) else None
    raw_gpu = _gpu_text(item) or (known_family.gpu if known_family else None)
    if raw_gpu is None:
        notes.append(f"{instance_type}: no GPU name in GPUDesc/Remark, family {family_name!r} not in TENCENT_FAMILIES")
        return f"{label}: GPU not named"
    gpu = canonical_gpu(raw_gpu, known_family.memory_gb if known_family else None)
    if not gpu.known:
        notes.append(f"unknown GPU {raw_gpu!r} ({instance_type}): stored under its raw name")
    return GpuOffer(
        source=SOURCE_ID,
        url=url,
        observed_at=fetched_at,
        provider="tencent",
        instance_type=instance_type,
        region=zone,
        gpu_model=gpu.model,
        gpu_variant=gpu.variant,
        gpu_count=gpu_count,
        vcpus=_optional_int(item, "Cpu", index),
        memory_gb=_optional_decimal(item, "Memory", index),
        billing="on_demand",
        price=price,
        currency="CNY",  # the mainland workbench quotes CNY (the intl site, workbench.tencentcloud.com, USD)
        available=available,
    )


def _gpu_count(item: dict[str, Any], index: int) -> Decimal | None:
    # GpuCount is a float (0.25 for a vGPU slice); older items only carry the integer Gpu.
    for name in ("GpuCount", "Gpu"):
        value = item.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParseError(f"InstanceTypeQuotaSet[{index}].{name} is {type(value).__name__}, not a number")
        if value > 0:
            count = Decimal(str(value))
            return Decimal(int(count)) if count == count.to_integral_value() else count
    return None


def _unit_price(item: dict[str, Any], index: int) -> Decimal | None:
    price = item.get("Price")
    if not isinstance(price, dict):
        raise ParseError(f"InstanceTypeQuotaSet[{index}] has no Price object")
    unit = price.get("ChargeUnit")
    if unit not in (None, "HOUR"):
        raise ParseError(f"InstanceTypeQuotaSet[{index}].Price.ChargeUnit {unit!r} on a pay-as-you-go item")
    # Tier 1 (0–96 h) list price; UnitPriceDiscount is the account's price, not comparable week to week.
    value = price.get("UnitPrice")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParseError(f"InstanceTypeQuotaSet[{index}].Price.UnitPrice is {type(value).__name__}")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ParseError(f"InstanceTypeQuotaSet[{index}].Price.UnitPrice {value!r} is not a number") from None
    if not amount.is_finite():
        raise ParseError(f"InstanceTypeQuotaSet[{index}].Price.UnitPrice {value!r} is not a number")
    return amount if amount > 0 else None


def _gpu_text(item: dict[str, Any]) -> str | None:
    """The GPU name from Externals.GPUDesc ("1 * NVIDIA …") or Remark ("8 * NVIDIA A100"), count removed."""
    externals = item.get("Externals")
    candidates = [externals.get("GPUDesc") if isinstance(externals, dict) else None, item.get("Remark")]
    for text in candidates:
        if isinstance(text, str) and text.strip():
            _, star, name = text.partition(" * ")
            return (name if star else text).strip() or None
    return None


def _text(item: dict[str, Any], name: str, index: int) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise ParseError(f"InstanceTypeQuotaSet[{index}] has no text field {name!r}")
    return value


def _optional_int(item: dict[str, Any], name: str, index: int) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ParseError(f"InstanceTypeQuotaSet[{index}].{name} {value!r} is not a whole number")
    return int(value)


def _optional_decimal(item: dict[str, Any], name: str, index: int) -> Decimal | None:
    return optional_json_decimal(item.get(name), f"InstanceTypeQuotaSet[{index}].{name}")
