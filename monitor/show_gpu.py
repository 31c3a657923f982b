"""`aipulse show gpu`: the weekly GPU rental table — cheapest per GPU-hour first (compared through the `[fx]`
table, offers in a currency without a rate ranked apart), change vs 7 days ago, 售罄 for sold out."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config.fx import FxConfig
from core.json_output import json_text
from core.tables import render_table
from storage.models import GpuOffer
from storage.queries import SERIES, latest

__all__ = [
    "GpuRow",
    "add_parser",
    "cmd_show_gpu",
    "gpu_rank_key",
    "gpu_rows",
    "last_priced",
    "match_models",
    "render_gpu_table",
]

SOLD_OUT = "售罄"
MISSING = "—"
WEEK = timedelta(days=7)


class UnknownModel(LookupError):
    """A `--model` that names no stored GPU model (nor a family of them)."""


@dataclass(frozen=True)
class GpuRow:
    """One line of the table: `price`/`per_gpu` in `currency` (the display currency when it converts, else the
    offer's own), `compared` the per GPU-hour price in the comparison currency (None: no [fx] rate)."""

    offer: Any
    price: Decimal | None
    per_gpu: Decimal | None
    currency: str
    change_pct: Decimal | None
    last_known: bool
    compared: Decimal | None = None


def add_parser(show_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `show gpu`; the handler is the `show` default (args, config, session) -> int."""
    parser = show_subparsers.add_parser("gpu", help="GPU rental prices, cheapest per GPU-hour first")
    parser.add_argument("--model", action="append", help="GPU model or family, any case: A100-80G, a100 (repeatable)")
    parser.add_argument("--provider", action="append", help="provider id, e.g. aliyun (repeatable)")
    parser.add_argument("--billing", action="append", help="on_demand, spot, community … (default: all)")
    parser.add_argument("--currency", help="show prices in this currency, converted with the [fx] table, e.g. USD")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (times in UTC, ISO 8601)")
    parser.set_defaults(show=cmd_show_gpu)


def gpu_rank_key(per_gpu: Decimal | None, currency: str, fx: FxConfig, to: str | None = None) -> tuple[Any, ...]:
    """Sort key for "cheapest per GPU-hour first" across currencies: the price converted into `to` (default the
    [fx] base); a currency without a rate forms a group of its own after the convertible ones, ranked by its own
    number; unknown prices come last."""
    if per_gpu is None:
        return (2, "", Decimal(0))
    converted = fx.convert(per_gpu, currency, to or fx.base)
    if converted is None:
        return (1, currency, per_gpu)
    return (0, "", converted)


def _normalised(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip()).upper()


def match_models(wanted: Iterable[str], known: Iterable[str]) -> list[str]:
    """The stored models each `--model` names: the same name in any case (`a100-80g`), or a family prefix that
    ends where a model's name has a `-` (`H100` → H100-80G, H100-94G; `A10` is not A100-80G).

    Raises UnknownModel when one names nothing."""
    known = sorted(set(known))
    found: list[str] = []
    for name in wanted:
        key = _normalised(name)
        hits = [m for m in known if _normalised(m) == key or _normalised(m).startswith(key + "-")]
        if not hits:
            raise UnknownModel(f"no stored GPU model matches {name!r} (known: {', '.join(known) or 'none yet'})")
        found += [m for m in hits if m not in found]
    return found


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


#: every column of gpu_offers
GPU_COLUMNS = tuple(column.key for column in GpuOffer.__table__.columns)


def _series_key(offer: Any) -> tuple[Any, ...]:
    return tuple(getattr(offer, name) for name in SERIES["gpu"][1])


def gpu_rows(
    session: Session,
    fx: FxConfig,
    now: datetime,
    *,
    models: list[str] | None = None,
    providers: list[str] | None = None,
    billings: list[str] | None = None,
    currency: str | None = None,
) -> list[GpuRow]:
    """The table's rows, cheapest per GPU-hour first as compared in `currency` (default the [fx] base); offers
    whose currency has no rate keep their own currency and are ranked apart, after the others."""
    filters: dict[str, Any] = {}
    if models:
        filters["gpu_model"] = models
    if providers:
        filters["provider"] = providers
    if billings:
        filters["billing"] = billings
    target = currency or fx.base
    rows: list[GpuRow] = []
    # every series' state a week ago in one query (a value_at per offer is a query per row: seconds at 1,000)
    then = latest(session, "gpu", at=now - WEEK, columns=(*SERIES["gpu"][1], "price_per_gpu_hour"), **filters)
    week_ago = {_series_key(o): o for o in then}
    # plain rows (attribute access as on GpuOffer objects): a thousand ORM objects cost the Overview ~50 ms
    for offer in latest(session, "gpu", at=now, columns=GPU_COLUMNS, **filters):
        priced, last_known = offer, False
        if offer.price is None:
            priced, last_known = last_priced(session, offer), True
        price = priced.price if priced is not None else None
        per_gpu = priced.price_per_gpu_hour if priced is not None else None
        compared = fx.convert(per_gpu, offer.currency, target) if per_gpu is not None else None
        shown = offer.currency
        if currency and fx.convert(Decimal(1), offer.currency, currency) is not None:
            shown = currency
            price = fx.convert(price, offer.currency, currency) if price is not None else None
            per_gpu = compared
        before = week_ago.get(_series_key(offer))
        change = None
        if before is not None and before.price_per_gpu_hour and priced is not None and priced.price_per_gpu_hour:
            change = (priced.price_per_gpu_hour / before.price_per_gpu_hour - 1) * 100
        rows.append(GpuRow(offer, price, per_gpu, shown, change, last_known, compared))
    return sorted(
        rows, key=lambda r: (*gpu_rank_key(r.per_gpu, r.currency, fx, target), r.offer.gpu_model, r.offer.provider)
    )


def gpu_row_json(row: GpuRow, compared_in: str) -> dict[str, Any]:
    """One row for `show gpu --json`."""
    offer = row.offer
    return {
        "gpu_model": offer.gpu_model, "gpu_variant": offer.gpu_variant, "provider": offer.provider,
        "instance_type": offer.instance_type, "region": offer.region, "billing": offer.billing,
        "gpu_count": offer.gpu_count, "vcpus": offer.vcpus, "memory_gb": offer.memory_gb, "disk": offer.disk,
        "price": row.price, "price_per_gpu_hour": row.per_gpu, "currency": row.currency,
        "price_is_last_known": row.last_known, "compared_per_gpu_hour": row.compared, "compared_currency": compared_in,
        "change_7d_pct": row.change_pct, "available": offer.available, "observed_at": offer.observed_at,
        "last_seen_at": offer.last_seen_at, "source": offer.source,
    }  # fmt: skip


def _money(value: Decimal | None, places: str = "0.01") -> str:
    return MISSING if value is None else str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def render_gpu_table(rows: list[GpuRow], compared_in: str | None = None) -> str:
    """The user's weekly table as text; `compared_in`: add the column of prices per GPU-hour in that currency."""
    lines = []
    for row in rows:
        offer = row.offer
        change = MISSING if row.change_pct is None else f"{row.change_pct.quantize(Decimal('0.1')):+}%"
        per_gpu = MISSING if row.per_gpu is None else f"{_money(row.per_gpu, '0.0001')} {row.currency}"
        line: tuple[Any, ...] = (
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
            per_gpu,
        )
        if compared_in:
            line += (_money(row.compared, "0.0001"),)
        lines.append((*line, change, "yes" if offer.available else SOLD_OUT))
    headers: tuple[str, ...] = ("GPU", "provider", "instance", "region", "billing", "GPUs", "vCPU", "memory GB",
                                "disk", "price/h", "per GPU-h")  # fmt: skip
    if compared_in:
        headers += (f"≈ {compared_in}/GPU-h",)
    headers += ("vs 7d", "available")
    right = (5, 6, 7, 9, 10, 11, 12) if compared_in else (5, 6, 7, 9, 10, 11)
    return render_table(headers, lines, right=right)


def _no_rate_note(missing: Sequence[str], target: str, fx: FxConfig) -> str:
    example = ", ".join(f"{code} = …" for code in missing)
    return (
        f"no [fx] rate for {', '.join(missing)} into {target}: those offers are shown in their own currency and "
        f"ranked apart, after the others (add `rates = {{ {example} }}` under [fx], 1 unit in {fx.base})"
    )


def cmd_show_gpu(args: argparse.Namespace, config: Any, session: Session) -> int:
    """Print the GPU table; exit 1 when nothing matches, 2 for a model or currency it cannot use."""
    fx: FxConfig = getattr(config, "fx", None) or FxConfig()
    currency = args.currency.strip().upper() if args.currency else None
    if currency is not None and currency not in fx.known():
        sys.stderr.write(
            f"aipulse: --currency {args.currency}: the [fx] table converts only {', '.join(sorted(fx.known()))}; "
            f"add its rate under [fx] rates (1 unit in {fx.base}) to show prices in it\n"
        )
        return 2
    models = args.model
    if models:
        stored = session.scalars(select(GpuOffer.gpu_model).distinct())
        try:
            models = match_models(models, stored)
        except UnknownModel as exc:
            sys.stderr.write(f"aipulse: --model: {exc}\n")
            return 1
    # a clock behind the stored observations (stepped back) must not hide the newest ones: "now" is never earlier
    newest = session.scalar(select(func.max(GpuOffer.observed_at)))
    now = max(datetime.now(UTC), newest) if newest is not None else datetime.now(UTC)
    rows = gpu_rows(session, fx, now, models=models, providers=args.provider, billings=args.billing, currency=currency)
    target = currency or fx.base
    if getattr(args, "json", False):
        print(json_text([gpu_row_json(r, target) for r in rows]))  # noqa: T201 - CLI output
        return 0 if rows else 1
    if not rows:
        print("no GPU offer stored matches")  # noqa: T201 - CLI output
        return 1
    mixed = currency is None and any(r.currency != target for r in rows)
    print(render_gpu_table(rows, compared_in=target if mixed else None))  # noqa: T201 - CLI output
    dated = f" of {fx.date}" if fx.date else ""
    missing = sorted({r.currency for r in rows if r.per_gpu is not None and r.compared is None})
    if currency and len(missing) < len({r.offer.currency for r in rows}):
        print(f"prices converted to {currency} with the [fx] table{dated}")  # noqa: T201 - CLI output
    elif mixed and len(missing) < len({r.currency for r in rows}):
        print(f"ranked by price per GPU-hour in {target}, converted with the [fx] table{dated}")  # noqa: T201
    if missing:
        print(_no_rate_note(missing, target, fx))  # noqa: T201 - CLI output
    return 0
