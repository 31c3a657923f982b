"""Lambda's public GPU Cloud pricing table (HTML, USD per GPU-hour) -> one GpuOffer per instance (gpu.md §3.6)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from parsel import Selector

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse"]

SOURCE_ID = "lambda_gpu"
# lambdalabs.com/service/gpu-cloud redirects here since the 2025 rename.
DEFAULT_ENDPOINT = "https://lambda.ai/service/gpu-cloud"
#: the page lists one price for every region
REGION = "global"

_LABEL = re.compile(r"^(On-demand|Reserved)\s+(\d+)\s*x\s+(.+)$", re.IGNORECASE)
_PRICE = re.compile(r"^\$\s*(\d+(?:\.\d+)?)\s*/\s*GPU\s*/\s*(?:hr|hour|h)\b", re.IGNORECASE)
_GB = re.compile(r"^(\d+)\s*(?:GB|GiB)$", re.IGNORECASE)
_COLUMNS = 6  # GPU, VRAM/GPU, vCPUs, RAM, storage, price/GPU/hr
# Cloudflare answers scripts with a challenge page, sometimes with HTTP 200.
_CHALLENGE_MARKERS = ("<title>Just a moment...</title>", "_cf_chl_opt", "/cdn-cgi/challenge-platform/")


#: the selectors parse() reads the pricing table with (the run's fingerprint checks each one matched)
SELECTORS = ("tr", "tr td")


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse the pricing page into per-instance offers (price = per-GPU price × GPU count).

    Raises BlockedError for a Cloudflare challenge page and ParseError when no pricing row is found
    or a row's price is not written as "$X / GPU / hr" (a per-instance price would be misread).
    Reserved rows with "CONTACT SALES" instead of a price are left out with a reason.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if any(marker in text for marker in _CHALLENGE_MARKERS):
        raise BlockedError("Cloudflare challenge page instead of the pricing page")
    offers: list[GpuOffer] = []
    skipped: list[str] = []
    unknown: list[str] = []
    rows = 0
    for tr in Selector(text=text).css("tr"):
        cells = [" ".join(" ".join(td.css("*::text").getall()).split()) for td in tr.css("td")]
        match = _LABEL.match(cells[0]) if cells else None
        if match is None:
            continue
        rows += 1
        if len(cells) < _COLUMNS:
            raise ParseError(f"row {cells[0]!r} has {len(cells)} cells, expected {_COLUMNS}")
        outcome = _read_row(match, cells, url=url, fetched_at=fetched_at)
        if isinstance(outcome, str):
            skipped.append(outcome)
            continue
        offers.append(outcome)
        if not canonical_gpu(match[3]).known and match[3] not in unknown:
            unknown.append(match[3])
    if rows == 0:
        raise ParseError("no 'On-demand Nx GPU' row in a <table>: the pricing layout changed")
    return ParseResult(
        items=list(offers), skipped=skipped, notes=unknown_gpu_notes(unknown),
        empty_reason="the pricing table has rows but none with a price",
    )  # fmt: skip


def _read_row(match: re.Match[str], cells: list[str], *, url: str, fetched_at: datetime) -> GpuOffer | str:
    """One table row as an offer, or the reason it is not one."""
    kind, count_text, gpu_name = match[1].lower(), match[2], match[3]
    label = cells[0]
    price_text = cells[5]
    price_match = _PRICE.match(price_text)
    if price_match is None:
        if not price_text or "contact" in price_text.lower():
            return f"{label}: no listed price ({price_text or 'empty'})"
        raise ParseError(f"row {label!r}: price {price_text!r} is not written as '$X / GPU / hr'")
    per_gpu = Decimal(price_match[1])
    gpu_count = int(count_text)
    if per_gpu <= 0 or gpu_count <= 0:
        return f"{label}: price {per_gpu} for {gpu_count} GPUs is no price"
    vram = _GB.match(cells[1])
    memory = int(vram[1]) if vram else None
    gpu = canonical_gpu(gpu_name, memory)
    size = f" ({cells[1]})" if cells[1] else ""
    return GpuOffer(
        source=SOURCE_ID,
        url=url,
        observed_at=fetched_at,
        provider="lambda",
        instance_type=f"{count_text}x {gpu_name}{size}",
        region=REGION,
        gpu_model=gpu.model,
        gpu_variant=gpu.variant,
        gpu_count=Decimal(gpu_count),
        vcpus=int(cells[2]) if cells[2].isdigit() else None,
        memory_gb=_gib(cells[3]),
        disk=cells[4] or None,
        billing="on_demand" if kind == "on-demand" else "reserved",
        # The page prices per GPU; an instance costs that times its GPUs (multi-GPU is never n × 1x).
        price=per_gpu * gpu_count,
        currency="USD",
        available=True,
    )


def _gib(text: str) -> Decimal | None:
    match = _GB.match(text)
    return Decimal(match[1]) if match else None
