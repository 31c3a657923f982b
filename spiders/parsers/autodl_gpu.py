"""AutoDL market machine list (token API) -> one GpuOffer per GPU type and region, CNY per GPU-hour (gpu.md §4.5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers import autodl_public
from spiders.parsers.common import CHINESE_FALLBACKS, load_json
from spiders.parsers.contract import FollowUp, ParseResult, Request, unknown_gpu_notes

__all__ = [
    "DEFAULT_ENDPOINT",
    "MARKET_PAGE",
    "PUBLIC_LIST",
    "SOURCE_ID",
    "AutodlMachine",
    "build_body",
    "parse",
    "summarise",
]

SOURCE_ID = "autodl_gpu"
DEFAULT_ENDPOINT = "https://www.autodl.com/api/v1/user/machine/list"
#: payg_price is in 厘, 1/1000 CNY per GPU-hour (1577 = ¥1.577/h in the real own-instance sample)
PRICE_UNITS_PER_CNY = Decimal(1000)
_BYTES_PER_GIB = Decimal(2**30)
#: the steps: a page of the token market list (the first step), or the home page's public list (no token)
MARKET_PAGE = "market_page"
PUBLIC_LIST = "public_list"


@dataclass(frozen=True)
class AutodlMachine:
    """One market machine: its GPU type, region, idle GPUs and per-GPU price and share of CPU and memory."""

    machine_id: str
    gpu_name: str
    region: str
    gpu_idle_num: int
    price_per_gpu_hour: Decimal
    vcpus: int | None
    memory_gb: Decimal | None


def build_body(
    page_index: int,
    *,
    gpu_types: Sequence[str] = (),
    regions: Sequence[str] = (),
    min_idle_gpus: int = 1,
    page_size: int = 10,
) -> dict[str, Any]:
    """The documented market-list request body (gpu.md §4.5) for one page; empty lists ask for every type/region."""
    return {
        "charge_type": "payg",
        "region_sign": "",
        "gpu_type_name": list(gpu_types),
        "machine_tag_name": [],
        "gpu_idle_num": min_idle_gpus,
        "mount_net_disk": False,
        "instance_disk_size_order": "",
        "date_range": "",
        "date_from": "",
        "date_to": "",
        "page_index": page_index,
        "page_size": page_size,
        "pay_price_order": "",
        "gpu_idle_type": "",
        "default_order": True,
        "region_sign_list": list(regions),
    }


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Read one answer: a market-list page (step `market_page`, the default) or the public list (`public_list`).

    The market list is summarised once its last page is read: until then each page asks for the next,
    carrying the machine objects read so far in `meta["machines"]` (with `meta["page_index"]`, the page
    asked for, and `meta["max_pages"]`, beyond which more pages are a ParseError, never a truncation).
    The public list is autodl_public.parse.
    """
    step = (request.step if request is not None else None) or MARKET_PAGE
    meta = request.meta if request is not None else {}
    if step == PUBLIC_LIST:
        return autodl_public.parse(body, url=url, fetched_at=fetched_at, request=request)
    if step != MARKET_PAGE:
        raise ValueError(f"autodl_gpu has no step {step!r}")
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    earlier: list[Any] = list(meta.get("machines", []))
    kept, machines, skipped, body_index, max_page = _read_page(load_json(body, fallbacks=CHINESE_FALLBACKS))
    page_index = int(meta.get("page_index", body_index))
    if page_index < max_page:
        max_pages = meta.get("max_pages")
        if max_pages is not None and page_index >= int(max_pages):
            raise ParseError(f"more than {max_pages} pages: stopped instead of truncating (raise -a max_pages=)")
        later = {**meta, "page_index": page_index + 1, "machines": earlier + kept}
        return ParseResult(skipped=skipped, follow=[FollowUp(url, step=MARKET_PAGE, meta=later)], expect_items=False)
    every = [_machine(raw, index) for index, raw in enumerate(earlier)] + machines
    offers, unknown = summarise(every, url=url, fetched_at=fetched_at)
    return ParseResult(
        items=list(offers), skipped=skipped, notes=unknown_gpu_notes(unknown),
        details={"market_machines": len(every), "market_pages": page_index},
        empty_reason="no priced machine in the market list (filters too narrow, or the list changed)",
    )  # fmt: skip


def _read_page(data: object) -> tuple[list[Any], list[AutodlMachine], list[str], int, int]:
    """One market-list page: the priced machine objects as sent and as read, reasons, page index and count.

    Raises BlockedError for `{"code": "AuthorizeFailed"}` (token expired or wrong) and ParseError
    for any other error code or a machine without the documented fields. A machine whose
    `payg_price` is zero or negative is left out with a reason.
    """
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    code = data.get("code")
    if code == "AuthorizeFailed":
        raise BlockedError(f"AutoDL refused the token (AuthorizeFailed: {data.get('msg') or 'no message'})")
    if code != "Success":
        raise ParseError(f"error answer: code {code!r}, msg {data.get('msg')!r}")
    body = data.get("data")
    if not isinstance(body, dict) or not isinstance(body.get("list"), list):
        raise ParseError("the answer has no data.list")
    kept: list[Any] = []
    machines: list[AutodlMachine] = []
    skipped: list[str] = []
    for index, raw in enumerate(body["list"]):
        outcome = _read_machine(raw, index)
        if isinstance(outcome, str):
            skipped.append(outcome)
        else:
            kept.append(raw)
            machines.append(outcome)
    return kept, machines, skipped, _int(body, "page_index", "data"), _int(body, "max_page", "data")


def _machine(raw: object, index: int) -> AutodlMachine:
    """A machine object kept from an earlier page (read and priced there already)."""
    outcome = _read_machine(raw, index)
    if isinstance(outcome, str):
        raise ParseError(f"machines carried from earlier pages[{index}]: {outcome}")
    return outcome


def summarise(machines: Iterable[AutodlMachine], *, url: str, fetched_at: datetime) -> tuple[list[GpuOffer], list[str]]:
    """One offer per (GPU type, region), priced like a renter sees it: the cheapest machine with an idle GPU.

    Returns the offers and the GPU names the canonical table lacks.

    When no machine of the type has an idle GPU the offer is unavailable and keeps the cheapest
    listed price. vCPUs and memory are the per-GPU share of the machine that sets the price.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    grouped: dict[tuple[str, str], list[AutodlMachine]] = {}
    for machine in machines:
        grouped.setdefault((machine.gpu_name, machine.region), []).append(machine)
    offers: list[GpuOffer] = []
    unknown: list[str] = []
    for (gpu_name, region), members in grouped.items():
        idle = [m for m in members if m.gpu_idle_num > 0]
        best = min(idle or members, key=lambda m: m.price_per_gpu_hour)
        gpu = canonical_gpu(gpu_name)
        if not gpu.known and gpu_name not in unknown:
            unknown.append(gpu_name)
        offers.append(
            GpuOffer(
                source=SOURCE_ID,
                url=url,
                observed_at=fetched_at,
                provider="autodl",
                instance_type=gpu_name,
                region=region,
                gpu_model=gpu.model,
                gpu_variant=gpu.variant,
                # AutoDL rents and prices single GPUs of a machine; CPU and memory come per GPU.
                gpu_count=Decimal(1),
                vcpus=best.vcpus,
                memory_gb=best.memory_gb,
                billing="on_demand",
                price=best.price_per_gpu_hour,
                currency="CNY",
                available=bool(idle),
            )
        )
    return offers, unknown


def _read_machine(raw: object, index: int) -> AutodlMachine | str:
    if not isinstance(raw, dict):
        raise ParseError(f"data.list[{index}] is not an object")
    where = f"data.list[{index}]"
    machine_id = _str(raw, "machine_id", where)
    gpu_name = _str(raw, "gpu_name", where)
    region = _str(raw, "region_sign", where)
    price = raw.get("payg_price")
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise ParseError(f"{where} payg_price is not a number: {price!r}")
    if price <= 0:
        return f"machine {machine_id} ({gpu_name}, {region}): payg_price {price} is no price"
    memory = raw.get("mem_per_gpu")
    cpus = raw.get("cpu_per_gpu")
    return AutodlMachine(
        machine_id=machine_id,
        gpu_name=gpu_name,
        region=region,
        gpu_idle_num=_int(raw, "gpu_idle_num", where),
        price_per_gpu_hour=Decimal(str(price)) / PRICE_UNITS_PER_CNY,
        vcpus=cpus if isinstance(cpus, int) and not isinstance(cpus, bool) and cpus > 0 else None,
        memory_gb=_gib(memory) if isinstance(memory, int) and not isinstance(memory, bool) and memory > 0 else None,
    )


def _gib(byte_count: int) -> Decimal:
    value = Decimal(byte_count) / _BYTES_PER_GIB
    return value.to_integral_value() if value == value.to_integral_value() else value.quantize(Decimal("0.1"))


def _str(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{where} has no text field {name!r} (the market list has it; is this another endpoint?)")
    return value.strip()


def _int(item: dict[str, Any], name: str, where: str) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(f"{where} has no whole-number field {name!r}")
    return value
