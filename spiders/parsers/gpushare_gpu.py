"""恒源云 (gpushare) store machine list -> one GpuOffer per GPU type, sold out kept (gpu.md §4.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeGuard

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import CHINESE_FALLBACKS, load_json
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes
from spiders.parsers.numbers import json_decimal

__all__ = ["DEFAULT_ENDPOINT", "MACHINE_LIST_PATH", "SOURCE_ID", "parse"]

SOURCE_ID = "gpushare_gpu"
#: the public store page; its JavaScript loads the machine list from api.gpushare.com
DEFAULT_ENDPOINT = "https://www.gpushare.com/store"
#: the part of the machine-list XHR URL the spider waits for
MACHINE_LIST_PATH = "/market/machine/list"
#: the store sells one price per GPU type; the list names no region
REGION = "global"
_LOGIN_WORDS = ("登录", "token", "unauthor", "login")


@dataclass(frozen=True)
class _Machine:
    gpu_name: str
    free: bool
    price: Decimal | None


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Summarise a `{"data": {"list": [...], "total": N}}` machine list (the page's XHR) per `baseInfo.gpuName`.

    A GPU type is available when one machine of it is online with a free GPU (`gpuNum - gpuUsed > 0`);
    its price is the cheapest `payg` sku among those machines. A type with no such machine is sold
    out (售罄) and keeps the cheapest listed payg price. The price is taken as CNY per GPU-hour
    (basis unverified, gpu.md §4.4). Raises BlockedError for a login-required answer and ParseError
    when the list or a machine lacks the documented fields. The run facts say how many machines the
    page loaded of how many there are (`machines_listed`, `machines_total`).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    machines, total = _machines(load_json(body, fallbacks=CHINESE_FALLBACKS))
    grouped: dict[str, list[_Machine]] = {}
    for index, raw in enumerate(machines):
        machine = _read_machine(raw, index)
        grouped.setdefault(machine.gpu_name, []).append(machine)
    offers: list[GpuOffer] = []
    skipped: list[str] = []
    unknown: list[str] = []
    for gpu_name, members in grouped.items():
        free_prices = [m.price for m in members if m.free and m.price is not None]
        listed_prices = [m.price for m in members if m.price is not None]
        if not listed_prices:
            skipped.append(f"{gpu_name}: no machine lists a payg price")
            continue
        gpu = canonical_gpu(gpu_name)
        if not gpu.known and gpu_name not in unknown:
            unknown.append(gpu_name)
        offers.append(
            GpuOffer(
                source=SOURCE_ID,
                url=url,
                observed_at=fetched_at,
                provider="gpushare",
                instance_type=gpu_name,
                region=REGION,
                gpu_model=gpu.model,
                gpu_variant=gpu.variant,
                gpu_count=Decimal(1),
                billing="on_demand",
                price=min(free_prices or listed_prices),
                currency="CNY",
                available=bool(free_prices),
            )
        )
    notes = unknown_gpu_notes(unknown)
    if total > len(machines):
        # Only what the page loaded is seen; a type free only on a later page would read as sold out.
        notes.append(f"the store page loaded {len(machines)} of {total} machines")
    return ParseResult(
        items=list(offers), skipped=skipped, notes=notes,
        details={"machines_listed": len(machines), "machines_total": total},
        empty_reason="no priced GPU type in the machine list",
    )  # fmt: skip


def _machines(data: object) -> tuple[list[Any], int]:
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    inner = data.get("data")
    if isinstance(inner, dict) and isinstance(inner.get("list"), list):
        total = inner.get("total")
        if isinstance(total, bool) or not isinstance(total, int):
            raise ParseError("data.total is not a whole number")
        return inner["list"], total
    message = f"{data.get('code', '')} {data.get('msg', '')} {data.get('message', '')}".strip()
    if str(data.get("code")) in ("401", "403") or any(word in message.lower() for word in _LOGIN_WORDS):
        raise BlockedError(f"the machine list needs a login ({message})")
    raise ParseError(f"no data.list in the answer ({message or 'keys: ' + ', '.join(sorted(data)[:10])})")


def _read_machine(raw: object, index: int) -> _Machine:
    where = f"data.list[{index}]"
    if not isinstance(raw, dict):
        raise ParseError(f"{where} is not an object")
    base = raw.get("baseInfo")
    gpu_name = base.get("gpuName") if isinstance(base, dict) else None
    if not isinstance(gpu_name, str) or not gpu_name.strip():
        raise ParseError(f"{where} has no baseInfo.gpuName")
    online = raw.get("isOnline")
    gpu_num, gpu_used = raw.get("gpuNum"), raw.get("gpuUsed")
    if not isinstance(online, bool):
        raise ParseError(f"{where} has no boolean isOnline")
    if not _whole(gpu_num) or not _whole(gpu_used):
        raise ParseError(f"{where} has no whole gpuNum/gpuUsed")
    skus = raw.get("skuList")
    if not isinstance(skus, list):
        raise ParseError(f"{where} has no skuList")
    return _Machine(gpu_name.strip(), online and gpu_num - gpu_used > 0, _payg_price(skus, where))


def _payg_price(skus: list[Any], where: str) -> Decimal | None:
    """The positive pay-as-you-go price of a machine; None when it has none (zero is no price)."""
    for sku in skus:
        if isinstance(sku, dict) and sku.get("skuName") == "payg":
            price = json_decimal(sku.get("price"), f"{where} payg price", text=True)
            return price if price > 0 else None
    return None


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
