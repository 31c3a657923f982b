"""DataCrunch (Verda) instance types (JSON, USD per instance-hour) -> on-demand and spot GpuOffers (gpu.md §3.7)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer, Item
from spiders.parsers.common import load_json
from spiders.parsers.contract import ParseResult, Request, Source, unknown_gpu_notes
from spiders.parsers.numbers import json_decimal

__all__ = ["DEFAULT_ENDPOINT", "SOURCE", "SOURCE_ID", "parse"]

SOURCE_ID = "datacrunch_gpu"
DEFAULT_ENDPOINT = "https://api.datacrunch.io/v1/instance-types"
#: the whole spider: one GET to the endpoint, the answer to `parse` (see spiders/sources/declared.py)
SOURCE = Source(
    kind="gpu",
    endpoint=DEFAULT_ENDPOINT,
    description="DataCrunch (Verda) instance types: H100/A100 on-demand and spot, per instance-hour (USD)",
)
_COUNT = re.compile(r"^\s*\d+\s*x\s*", re.IGNORECASE)  # "8x H100 SXM5 80GB": the count is number_of_gpus


def parse(body: bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Each GPU instance type as an on_demand offer (`price_per_hour`) and a spot offer (`spot_price`).

    Prices are per instance-hour; CPU-only types (0 GPUs) are left out with a reason. Raises ParseError when
    the body is not a list of instance types or one lacks its name, GPU block or price.
    """
    data = load_json(body)
    if not isinstance(data, list):
        raise ParseError(f"expected a JSON list of instance types, got {type(data).__name__}")
    offers: list[Item] = []
    skipped: list[str] = []
    unknown: list[str] = []
    for index, entry in enumerate(data):
        gpu = entry.get("gpu") if isinstance(entry, dict) else None
        name = entry.get("instance_type") if isinstance(entry, dict) else None
        if not isinstance(gpu, dict) or not isinstance(name, str) or "price_per_hour" not in entry:
            raise ParseError(f"instance type {index} lacks instance_type, gpu or price_per_hour")
        count = int(gpu.get("number_of_gpus") or 0)
        if count <= 0:
            skipped.append(f"{name}: no GPU")
            continue
        model_text = _COUNT.sub("", str(gpu.get("description") or ""))
        memory = (entry.get("gpu_memory") or {}).get("size_in_gigabytes")
        canonical = canonical_gpu(model_text, int(memory) // count if memory else None)
        if not canonical.known and model_text not in unknown:
            unknown.append(model_text)
        for billing, key in (("on_demand", "price_per_hour"), ("spot", "spot_price")):
            if entry.get(key) is None:
                continue
            offers.append(
                GpuOffer(
                    source=SOURCE_ID,
                    url=url,
                    observed_at=fetched_at,
                    provider="datacrunch",
                    instance_type=name,
                    region="global",
                    gpu_model=canonical.model,
                    gpu_variant=canonical.variant,
                    gpu_count=Decimal(count),
                    billing=billing,
                    currency="USD",
                    price=json_decimal(entry[key], f"{name}.{key}"),
                    available=True,
                )
            )
    return ParseResult(items=offers, skipped=skipped, notes=unknown_gpu_notes(unknown),
                       empty_reason="no GPU instance type in the answer")  # fmt: skip
