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

__all__ = [
    "DEFAULT_ENDPOINT",
    "SOURCE_ID",
    "AutodlMachine",
    "AutodlPage",
    "AutodlSummary",
    "build_body",
    "parse_machine_page",
    "summarise",
]

SOURCE_ID = "autodl_gpu"
DEFAULT_ENDPOINT = "https://www.autodl.com/api/v1/user/machine/list"
#: payg_price is in 厘, 1/1000 CNY per GPU-hour (1577 = ¥1.577/h in the real own-instance sample)
PRICE_UNITS_PER_CNY = Decimal(1000)
_BYTES_PER_GIB = Decimal(2**30)


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


@dataclass(frozen=True)
class AutodlPage:
    """One page of the market list: its machines, machines left out (with the reason) and the page count."""

    machines: list[AutodlMachine]
    skipped: list[str]
    page_index: int
    max_page: int


@dataclass(frozen=True)
class AutodlSummary:
    """Offers summarised from the machines of every page, and GPU names the canonical table lacks."""

    offers: list[GpuOffer]
    unknown_gpus: list[str]


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


def parse_machine_page(data: object) -> AutodlPage:
    """Read one decoded market-list page.

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
    machines: list[AutodlMachine] = []
    skipped: list[str] = []
    for index, raw in enumerate(body["list"]):
        outcome = _read_machine(raw, index)
        if isinstance(outcome, str):
            skipped.append(outcome)
        else:
            machines.append(outcome)
    return AutodlPage(machines, skipped, _int(body, "page_index", "data"), _int(body, "max_page", "data"))


def summarise(machines: Iterable[AutodlMachine], *, url: str, fetched_at: datetime) -> AutodlSummary:
    """One offer per (GPU type, region), priced like a renter sees it: the cheapest machine with an idle GPU.

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
    return AutodlSummary(offers, unknown)


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
