"""Lambda's public pricing page (HTML, USD per GPU-hour), both layouts -> one GpuOffer per instance (gpu.md §3.6).

The 2024 lambdalabs.com page had one table with "On-demand 8x NVIDIA H100 SXM" labels and "$2.99 / GPU / hr"
prices. The lambda.ai page (seen 2026-01 and 2026-08) puts one table per GPU count in tabs ("8x", "4x", ...):
the plan name is a header cell, the count only in the tab, the price a bare "$4.99" under PRICE/GPU/HR.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from parsel import Selector

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import decode_text
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse"]

SOURCE_ID = "lambda_gpu"
# lambdalabs.com/service/gpu-cloud moved to lambda.ai in 2025; both real lambda.ai captures are of /pricing.
DEFAULT_ENDPOINT = "https://lambda.ai/pricing"
#: the page lists one price for every region
REGION = "global"

_LABEL = re.compile(r"^(On-demand|Reserved)\s+(\d+)\s*x\s+(.+)$", re.IGNORECASE)
_PRICE = re.compile(r"^\$\s*(\d+(?:\.\d+)?)\s*/\s*GPU\s*/\s*(?:hr|hour|h)\b", re.IGNORECASE)
_GB = re.compile(r"^(\d+)\s*(?:GB|GiB)$", re.IGNORECASE)
_COLUMNS = 6  # GPU, VRAM/GPU, vCPUs, RAM, storage, price/GPU/hr
#: the tabbed layout: the tab says the instance size, the cell's data-label says what it holds
_TAB_SIZE = re.compile(r"^(\d+)\s*x$", re.IGNORECASE)
_BARE_PRICE = re.compile(r"^\$\s*(\d+(?:\.\d+)?)$")
_PRICE_LABEL = "PRICE/GPU/HR*"
_CELL_LABELS = ("VRAM/GPU", "vCPUs", "RAM", "STORAGE", _PRICE_LABEL)
_NO_PRICE = ("", "—", "-", "–")
# Cloudflare answers scripts with a challenge page, sometimes with HTTP 200.
_CHALLENGE_MARKERS = ("<title>Just a moment...</title>", "_cf_chl_opt", "/cdn-cgi/challenge-platform/")


#: the selectors parse() reads the pricing table with (the run's fingerprint checks each one matched)
SELECTORS = ("tr", "tr td")


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse the pricing page into per-instance offers (price = per-GPU price × GPU count).

    Raises BlockedError for a Cloudflare challenge page and ParseError when no pricing row is found, a
    row's price is not written as the layout writes a per-GPU price (a per-instance price would be
    misread), or a tabbed row lies outside the tabs (its GPU count unknown). Rows without a price
    ("CONTACT SALES", "—") and cluster tables (tabs that are no "Nx" size) are left out with a reason.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    text = decode_text(body, what="the pricing page")
    if any(marker in text for marker in _CHALLENGE_MARKERS):
        raise BlockedError("Cloudflare challenge page instead of the pricing page")
    page = Selector(text=text)
    unknown: list[str] = []  # raw names the GPU table does not know, in page order
    if page.css("tr[data-plan]"):
        offers, skipped = _tabbed_offers(page, unknown, url=url, fetched_at=fetched_at)
    else:
        offers, skipped = _table_offers(page, unknown, url=url, fetched_at=fetched_at)
    unknown = list(dict.fromkeys(unknown))
    return ParseResult(
        items=list(offers), skipped=skipped, notes=unknown_gpu_notes(unknown),
        empty_reason="the pricing table has rows but none with a price",
    )  # fmt: skip


def _text(node: Selector) -> str:
    return " ".join(" ".join(node.css("*::text").getall()).split())


def _tabbed_offers(
    page: Selector, unknown: list[str], *, url: str, fetched_at: datetime
) -> tuple[list[GpuOffer], list[str]]:
    """The lambda.ai layout: a table per tab; the tab label ("8x") is the only place the GPU count is written."""
    tabs = {tab.attrib.get("id", ""): _text(tab) for tab in page.css("[role=tab]")}
    offers: list[GpuOffer] = []
    skipped: list[str] = []
    in_panels = 0
    for panel in page.css("[role=tabpanel]"):
        label = tabs.get(panel.attrib.get("aria-labelledby", ""), "")
        size = _TAB_SIZE.match(label)
        for tr in panel.css("tr[data-plan]"):
            in_panels += 1
            plan = " ".join(tr.attrib["data-plan"].split())
            if size is None:
                skipped.append(f"{plan}: in tab {label!r}, which is no instance size (a cluster table)")
                continue
            cells = {td.attrib.get("data-label", ""): _text(td) for td in tr.css("td")}
            missing = [name for name in _CELL_LABELS if name not in cells]
            if missing:
                raise ParseError(f"row {plan!r} in tab {label!r} has no {', '.join(missing)} cell")
            outcome = _tabbed_offer(plan, int(size[1]), cells, unknown, url=url, fetched_at=fetched_at)
            if isinstance(outcome, str):
                skipped.append(outcome)
            else:
                offers.append(outcome)
    if in_panels != len(page.css("tr[data-plan]")):
        raise ParseError("pricing rows outside the tabs: their GPU count cannot be told")
    return offers, skipped


def _tabbed_offer(
    plan: str, gpu_count: int, cells: dict[str, str], unknown: list[str], *, url: str, fetched_at: datetime
) -> GpuOffer | str:
    label = f"{gpu_count}x {plan}"
    price_text = cells[_PRICE_LABEL]
    price_match = _BARE_PRICE.match(price_text)
    if price_match is None:
        if price_text in _NO_PRICE or "contact" in price_text.lower():
            return f"{label}: no listed price ({price_text or 'empty'})"
        raise ParseError(f"row {label!r}: price {price_text!r} is not written as '$X' under {_PRICE_LABEL}")
    specs = [cells[name] for name in _CELL_LABELS[:4]]
    return _offer(plan, gpu_count, Decimal(price_match[1]), specs, "on_demand", unknown, url=url, fetched_at=fetched_at)


def _table_offers(
    page: Selector, unknown: list[str], *, url: str, fetched_at: datetime
) -> tuple[list[GpuOffer], list[str]]:
    """The 2024 layout: one table, "On-demand 8x NVIDIA H100 SXM" in the first cell, "$2.99 / GPU / hr" last."""
    offers: list[GpuOffer] = []
    skipped: list[str] = []
    rows = 0
    for tr in page.css("tr"):
        cells = [_text(td) for td in tr.css("td")]
        match = _LABEL.match(cells[0]) if cells else None
        if match is None:
            continue
        rows += 1
        if len(cells) < _COLUMNS:
            raise ParseError(f"row {cells[0]!r} has {len(cells)} cells, expected {_COLUMNS}")
        outcome = _read_row(match, cells, unknown, url=url, fetched_at=fetched_at)
        if isinstance(outcome, str):
            skipped.append(outcome)
        else:
            offers.append(outcome)
    if rows == 0:
        raise ParseError("no 'On-demand Nx GPU' row in a <table> nor a tabbed plan table: the pricing layout changed")
    return offers, skipped


def _read_row(
    match: re.Match[str], cells: list[str], unknown: list[str], *, url: str, fetched_at: datetime
) -> GpuOffer | str:
    """One row of the 2024 table as an offer, or the reason it is not one."""
    kind, count_text, gpu_name = match[1].lower(), match[2], match[3]
    label = cells[0]
    price_text = cells[5]
    price_match = _PRICE.match(price_text)
    if price_match is None:
        if not price_text or "contact" in price_text.lower():
            return f"{label}: no listed price ({price_text or 'empty'})"
        raise ParseError(f"row {label!r}: price {price_text!r} is not written as '$X / GPU / hr'")
    billing = "on_demand" if kind == "on-demand" else "reserved"
    return _offer(gpu_name, int(count_text), Decimal(price_match[1]), cells[1:5], billing, unknown, url=url,
                  fetched_at=fetched_at)  # fmt: skip


def _offer(
    gpu_name: str,
    gpu_count: int,
    per_gpu: Decimal,
    specs: list[str],
    billing: str,
    unknown: list[str],
    *,
    url: str,
    fetched_at: datetime,
) -> GpuOffer | str:
    """An instance offer from a per-GPU price; `specs` are VRAM/GPU, vCPUs, RAM and storage as written."""
    vram_text, vcpus, ram, disk = specs
    if per_gpu <= 0 or gpu_count <= 0:
        return f"{gpu_count}x {gpu_name}: price {per_gpu} for {gpu_count} GPUs is no price"
    vram = _GB.match(vram_text)
    gpu = canonical_gpu(gpu_name, int(vram[1]) if vram else None)
    if not gpu.known:
        unknown.append(gpu_name)
    size = f" ({vram_text})" if vram_text else ""
    return GpuOffer(
        source=SOURCE_ID,
        url=url,
        observed_at=fetched_at,
        provider="lambda",
        instance_type=f"{gpu_count}x {gpu_name}{size}",
        region=REGION,
        gpu_model=gpu.model,
        gpu_variant=gpu.variant,
        gpu_count=Decimal(gpu_count),
        vcpus=int(vcpus) if vcpus.isdigit() else None,
        memory_gb=_gib(ram),
        disk=disk or None,
        billing=billing,
        # The page prices per GPU; an instance costs that times its GPUs (multi-GPU is never n × 1x).
        price=per_gpu * gpu_count,
        currency="USD",
        available=True,
    )


def _gib(text: str) -> Decimal | None:
    match = _GB.match(text)
    return Decimal(match[1]) if match else None
