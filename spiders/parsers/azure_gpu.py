"""Azure Retail Prices API pages -> GpuOffer items for the GPU VM sizes in AZURE_SKUS (gpu.md §3.1, §5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import load_json
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.parsers.numbers import json_decimal

__all__ = [
    "API_VERSION",
    "AZURE_SKUS",
    "DEFAULT_ENDPOINT",
    "SOURCE_ID",
    "AzureSku",
    "build_filter",
    "parse",
]

SOURCE_ID = "azure_gpu"
DEFAULT_ENDPOINT = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"


@dataclass(frozen=True)
class AzureSku:
    """The hardware of one Azure VM size: GPU name as Azure documents it, GPU count, vCPUs, RAM in GiB."""

    gpu: str
    gpu_count: int
    vcpus: int
    memory_gb: int | None


#: armSkuName -> hardware. The API has no GPU fields, so the size is the only key (gpu.md §5).
#: Numbers from the Microsoft Learn "gpu-accelerated" size pages (MicrosoftDocs/azure-docs), 2024.
AZURE_SKUS: dict[str, AzureSku] = {
    "Standard_NC24ads_A100_v4": AzureSku("A100 80GB PCIe", 1, 24, 220),
    "Standard_NC48ads_A100_v4": AzureSku("A100 80GB PCIe", 2, 48, 440),
    "Standard_NC96ads_A100_v4": AzureSku("A100 80GB PCIe", 4, 96, 880),
    "Standard_ND96asr_v4": AzureSku("A100 40GB SXM", 8, 96, 900),
    "Standard_ND96amsr_A100_v4": AzureSku("A100 80GB SXM", 8, 96, 1900),
    "Standard_ND96isr_H100_v5": AzureSku("H100 80GB SXM", 8, 96, 1900),
    "Standard_NC40ads_H100_v5": AzureSku("H100 NVL 94GB", 1, 40, 320),
    "Standard_NC80adis_H100_v5": AzureSku("H100 NVL 94GB", 2, 80, 640),
    "Standard_ND96isr_H200_v5": AzureSku("H200 141GB SXM", 8, 96, 1850),
}

_REQUIRED_TEXT = (
    "armSkuName",
    "armRegionName",
    "meterName",
    "productName",
    "type",
    "unitOfMeasure",
    "currencyCode",
    "effectiveStartDate",
)


#: an offer with the effectiveStartDate of its price
_Offer = tuple[GpuOffer, datetime]


def build_filter(skus: Iterable[str] | None = None) -> str:
    """Return the OData `$filter` for pay-as-you-go VM prices of `skus` (default: every SKU in AZURE_SKUS).

    Filter values are case-sensitive on 2023-01-01-preview, so SKU names are sent exactly as given.
    """
    names = list(AZURE_SKUS if skus is None else skus)
    if not names:
        raise ValueError("build_filter needs at least one armSkuName")
    alternatives = " or ".join(f"armSkuName eq {_odata_string(name)}" for name in names)
    return f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and ({alternatives})"


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse one Retail Prices page into per-VM-hour Linux on-demand and spot offers, and its NextPageLink.

    Raises ParseError when the envelope or an item lacks what the parser needs. Items that are not
    offers (reservations, Windows, Low Priority, unmapped SKUs, zero prices, superseded prices) are
    left out with a reason in `skipped` (an unmapped GPU SKU is a note too). Of two items for the same
    (SKU, region, billing) the one with the latest `effectiveStartDate` is kept. `request.meta` counts
    pages: `page` (1 first), `max_pages` (a next page beyond it is a ParseError, never a silent
    truncation) and `offers_seen` on earlier pages (a run whose pages all hold none is a failure).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    meta = request.meta if request is not None else {}
    page, max_pages, seen_before = int(meta.get("page", 1)), meta.get("max_pages"), int(meta.get("offers_seen", 0))
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    items = data.get("Items")
    if not isinstance(items, list):
        if "error" in data or "Error" in data:
            raise ParseError(f"error body instead of a price page: {data.get('error', data.get('Error'))!r}")
        raise ParseError("the envelope has no Items list")

    kept: dict[tuple[str, str, str], _Offer] = {}
    skipped: list[str] = []
    for index, item in enumerate(items):
        outcome = _read_item(item, index, url=url, fetched_at=fetched_at)
        if isinstance(outcome, str):
            skipped.append(outcome)
            continue
        offer, starts = outcome
        key = (offer.instance_type, offer.region, offer.billing)
        previous = kept.get(key)
        if previous is None:
            kept[key] = outcome
            continue
        if starts > previous[1]:
            kept[key] = outcome
        older, newer = sorted((previous[1], starts))
        skipped.append(f"{' '.join(key)}: price effective {older:%Y-%m-%d} superseded by {newer:%Y-%m-%d}")

    offers = [offer for offer, _ in kept.values()]
    follow: list[FollowUp] = []
    next_link = _next_page_url(data)
    if next_link is not None:
        if max_pages is not None and page >= int(max_pages):
            raise ParseError(f"more than {max_pages} pages: stopped instead of truncating (raise -a max_pages=)")
        later = {"page": page + 1, "offers_seen": seen_before + len(offers)}
        follow.append(FollowUp(next_link, meta=later if max_pages is None else later | {"max_pages": max_pages}))
    return ParseResult(
        items=list(offers), skipped=skipped, notes=[r for r in skipped if "unknown GPU SKU" in r],
        follow=follow, expect_items=seen_before == 0,
        empty_reason="no GPU offer in the answer: the filter matched nothing (SKU names changed?)",
    )  # fmt: skip


def _read_item(item: object, index: int, *, url: str, fetched_at: datetime) -> _Offer | str:
    """Return the item's offer and its effectiveStartDate, or the reason it is not an offer."""
    if not isinstance(item, dict):
        raise ParseError(f"Items[{index}] is not an object")
    text = {name: _text(item, name, index) for name in _REQUIRED_TEXT}
    retail_price = _number(item, "retailPrice", index)
    starts = _timestamp(text["effectiveStartDate"], index)
    sku_name, region, meter = text["armSkuName"], text["armRegionName"], text["meterName"]
    label = f"{sku_name} {region} {meter!r}"

    if text["type"] == "Reservation":
        # retailPrice of a reservation is the whole term (doc sample: 25007.0 for "1 Year") despite "1 Hour".
        term = item.get("reservationTerm", "term")
        return f"{label}: reservation, retailPrice is a {term} total, not an hourly price"
    if text["type"] != "Consumption":
        return f"{label}: price type {text['type']!r} is not Consumption"
    for word in ("Windows", "Dedicated"):
        if word in text["productName"]:
            return f"{label}: {word} product {text['productName']!r}"
    if "Low Priority" in meter:
        return f"{label}: Low Priority meter"
    sku = AZURE_SKUS.get(sku_name)
    if sku is None:
        if sku_name.startswith("Standard_N"):
            return f"{label}: unknown GPU SKU, add it to AZURE_SKUS"
        return f"{label}: not a GPU SKU"
    if text["unitOfMeasure"] != "1 Hour":
        return f"{label}: unit {text['unitOfMeasure']!r} is not '1 Hour'"
    if retail_price <= 0:
        return f"{label}: retailPrice {retail_price} is no price (never free)"

    gpu = canonical_gpu(sku.gpu)
    offer = GpuOffer(
        source=SOURCE_ID,
        url=url,
        observed_at=fetched_at,
        provider="azure",
        instance_type=sku_name,
        region=region,
        gpu_model=gpu.model,
        gpu_variant=gpu.variant,
        gpu_count=Decimal(sku.gpu_count),
        vcpus=sku.vcpus,
        memory_gb=None if sku.memory_gb is None else Decimal(sku.memory_gb),
        billing="spot" if "Spot" in meter else "on_demand",
        price=retail_price,
        currency=text["currencyCode"],
        available=True,
    )
    return offer, starts


def _text(item: dict[str, Any], name: str, index: int) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise ParseError(f"Items[{index}] has no text field {name!r}")
    return value


def _number(item: dict[str, Any], name: str, index: int) -> Decimal:
    return json_decimal(item.get(name), f"Items[{index}].{name}")


def _timestamp(value: str, index: int) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ParseError(f"Items[{index}] effectiveStartDate {value!r} is not ISO 8601") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _next_page_url(data: dict[str, Any]) -> str | None:
    link = data.get("NextPageLink")
    if link is None or link == "":
        return None
    if not isinstance(link, str):
        raise ParseError(f"NextPageLink is {type(link).__name__}, not a string")
    return link


def _odata_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
