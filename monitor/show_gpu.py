"""`aipulse show gpu`: the weekly GPU rental table — cheapest first, change vs 7 days ago, 售罄 for sold out."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config.fx import FxConfig
from core.tables import render_table
from storage.models import GpuOffer
from storage.queries import latest, value_at

SOLD_OUT = "售罄"
MISSING = "—"
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class GpuRow:
    """One line of the table, in display currency."""

    offer: Any
    price: Decimal | None
    per_gpu: Decimal | None
    currency: str
    change_pct: Decimal | None
    last_known: bool


def add_parser(show_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `show gpu`; the handler is the `show` default (args, config, session) -> int."""
    parser = show_subparsers.add_parser("gpu", help="GPU rental prices, cheapest per GPU-hour first")
    parser.add_argument("--model", action="append", help="canonical GPU model, e.g. A100-80G (repeatable)")
    parser.add_argument("--provider", action="append", help="provider id, e.g. aliyun (repeatable)")
    parser.add_argument("--billing", action="append", help="on_demand, spot, community … (default: all)")
    parser.add_argument("--currency", help="convert with the [fx] table, e.g. CNY")
    parser.set_defaults(show=cmd_show_gpu)


def last_priced(session: Session, offer: Any, at: datetime | None = None) -> Any | None:
    """The newest row of the offer's series that had a price (as of `at`, when given): a sold-out offer keeps
    its last known price."""
    query = (
        select(GpuOffer)
        .where(
            GpuOffer.source == offer.source,
            GpuOffer.provider == offer.provider,
            GpuOffer.instance_type == offer.instance_type,
            GpuOffer.region == offer.region,
            GpuOffer.billing == offer.billing,
            GpuOffer.price.is_not(None),
        )
        .order_by(GpuOffer.observed_at.desc())
        .limit(1)
    )
    if at is not None:
        query = query.where(GpuOffer.observed_at <= at)
    return session.scalars(query).first()


def gpu_rows(
    session: Session,
    gpu: FxConfig,
    now: datetime,
    *,
    models: list[str] | None = None,
    providers: list[str] | None = None,
    billings: list[str] | None = None,
    currency: str | None = None,
) -> list[GpuRow]:
    """The table's rows, cheapest per GPU-hour first (unconvertible prices last)."""
    filters: dict[str, Any] = {}
    if models:
        filters["gpu_model"] = models
    if providers:
        filters["provider"] = providers
    if billings:
        filters["billing"] = billings
    rows: list[GpuRow] = []
    for offer in latest(session, "gpu", at=now, **filters):
        priced, last_known = offer, False
        if offer.price is None:
            priced, last_known = last_priced(session, offer), True
        price = priced.price if priced is not None else None
        per_gpu = priced.price_per_gpu_hour if priced is not None else None
        shown = currency or offer.currency
        if currency and price is not None and per_gpu is not None:
            price, per_gpu = (
                gpu.convert(price, offer.currency, currency),
                gpu.convert(per_gpu, offer.currency, currency),
            )
        key = {name: getattr(offer, name) for name in ("source", "provider", "instance_type", "region", "billing")}
        before = value_at(session, "gpu", key, now - WEEK)
        change = None
        if before is not None and before.price_per_gpu_hour and priced is not None and priced.price_per_gpu_hour:
            change = (priced.price_per_gpu_hour / before.price_per_gpu_hour - 1) * 100
        rows.append(GpuRow(offer, price, per_gpu, shown, change, last_known))
    return sorted(rows, key=lambda r: (r.per_gpu is None, r.per_gpu or 0, r.offer.gpu_model, r.offer.provider))


def _money(value: Decimal | None, places: str = "0.01") -> str:
    return MISSING if value is None else str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def render_gpu_table(rows: list[GpuRow]) -> str:
    """The user's weekly table as text."""
    lines = []
    for row in rows:
        offer = row.offer
        change = MISSING if row.change_pct is None else f"{row.change_pct.quantize(Decimal('0.1')):+}%"
        lines.append(
            (
                offer.gpu_model + (f" {offer.gpu_variant}" if offer.gpu_variant else ""),
                offer.provider,
                offer.instance_type,
                offer.region,
                offer.billing,
                f"{offer.gpu_count:g}",
                offer.vcpus if offer.vcpus is not None else MISSING,
                f"{offer.memory_gb:g}" if offer.memory_gb is not None else MISSING,
                offer.disk or MISSING,
                f"{_money(row.price)} {row.currency}" + (" (last)" if row.last_known and row.price is not None else ""),
                _money(row.per_gpu, "0.0001"),
                change,
                "yes" if offer.available else SOLD_OUT,
            )
        )
    headers = ("GPU", "provider", "instance", "region", "billing", "GPUs", "vCPU", "memory GB", "disk", "price/h",
               "per GPU-h", "vs 7d", "available")  # fmt: skip
    return render_table(headers, lines, right=(5, 6, 7, 9, 10, 11))


def cmd_show_gpu(args: argparse.Namespace, config: Any, session: Session) -> int:
    """Print the GPU table; exit 1 when nothing matches."""
    gpu: FxConfig = getattr(config, "fx", None) or FxConfig()
    currency = args.currency.upper() if args.currency else None
    rows = gpu_rows(
        session,
        gpu,
        datetime.now(UTC),
        models=args.model,
        providers=args.provider,
        billings=args.billing,
        currency=currency,
    )
    if not rows:
        print("no GPU offer stored matches")  # noqa: T201 - CLI output
        return 1
    print(render_gpu_table(rows))  # noqa: T201 - CLI output
    if currency:
        unconverted = sorted({r.offer.currency for r in rows if r.per_gpu is None})
        dated = f" of {gpu.date}" if gpu.date else ""
        note = f"prices converted to {currency} with the [fx] table{dated}"
        if unconverted:
            note += f"; no rate for {', '.join(unconverted)} (shown as —)"
        print(note)  # noqa: T201 - CLI output
    return 0
