"""`aipulse show quotes`: the watch-list table — price, analysts' EPS and PE = price / EPS per year, change today."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.quotes import QuotesConfig
from core.json_output import json_text
from core.tables import render_table
from spiders.market_hours import MARKETS, market_of
from storage.queries import latest

__all__ = [
    "add_parser",
    "cmd_show_quotes",
    "exchange_time",
    "pe_ratio",
    "quotes_config",
    "watch_json",
    "watch_table",
    "zoned_time",
]

_CENT = Decimal("0.01")
#: shown for a PE whose EPS is negative (a loss) or zero (stocks.md §10: never a negative PE in the report)
LOSS, NOT_MEANINGFUL, MISSING = "亏损", "n.m.", "—"


def add_parser(show_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `show quotes`; the handler is the `show` default (args, config, session) -> int."""
    parser = show_subparsers.add_parser(
        "quotes", help="the watch list: price, EPS and PE per year (EPS from [quotes] in the config), change today"
    )
    parser.add_argument("--json", action="store_true", help="print the watch list as JSON (times in UTC, ISO 8601)")
    parser.set_defaults(show=cmd_show_quotes)


def quotes_config(config: AppConfig) -> QuotesConfig:
    """The config's [quotes] section (an empty one when the file has none)."""
    section = getattr(config, "quotes", None)
    return section if isinstance(section, QuotesConfig) else QuotesConfig()


def pe_ratio(price: Decimal | None, eps: Decimal | None) -> str:
    """PE = price / EPS to two decimals; a loss (EPS < 0) is 亏损, EPS 0 is n.m., a missing input is —."""
    if price is None or eps is None:
        return MISSING
    if eps < 0:
        return LOSS
    if eps == 0:
        return NOT_MEANINGFUL
    return str((price / eps).quantize(_CENT, rounding=ROUND_HALF_UP))


def _change(row: Any) -> str:
    if row is None:
        return MISSING
    if row.status == "halted" or row.change_pct is None:
        return "halted" if row.status == "halted" else MISSING
    pct = Decimal(row.change_pct).quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{pct:+}%"


def exchange_time(symbol: str, moment: datetime) -> str:
    """A stored (UTC) time in the exchange's own zone, as the sources publish it, labelled with that zone:
    `2026-11-26 15:00 Asia/Shanghai`."""
    return zoned_time(moment, MARKETS[market_of(symbol)].zone)


def zoned_time(moment: datetime, zone: ZoneInfo) -> str:
    """`moment` in `zone` to the minute, the zone named: `2026-11-26 15:00 Asia/Shanghai`."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def _local_time(row: Any) -> str:
    return exchange_time(row.symbol, row.quote_time)


def watch_table(config: QuotesConfig, rows: Sequence[Any]) -> str:
    """The watch list as a text table; `rows` are the latest stored quotes (any order, any extra symbols)."""
    by_symbol = {row.symbol: row for row in rows}
    years = sorted({year for entry in config.watch for year in entry.eps})
    headers = [
        "code", "name", "price",
        *(f"EPS {y}" for y in years), *(f"PE {y}" for y in years),
        "change", "rating", "quote time",
    ]  # fmt: skip
    lines: list[list[object]] = []
    for entry in config.watch:
        row = by_symbol.get(entry.symbol)
        # A halted share has no price today: PE is taken on its last close, as the report does.
        price = None if row is None else (row.price if row.price is not None else row.prev_close)
        name = entry.name or (row.name if row is not None else "")
        eps = [entry.eps.get(y) for y in years]
        lines.append([
            entry.symbol, name, MISSING if price is None else str(price),
            *(MISSING if e is None else str(e) for e in eps), *(pe_ratio(price, e) for e in eps),
            _change(row), entry.rating or "",
            MISSING if row is None else _local_time(row),
        ])  # fmt: skip
    numeric = range(2, 3 + 2 * len(years) + 1)
    return render_table(headers, lines, right=tuple(numeric))


def watch_json(config: QuotesConfig, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The watch list for `--json`: one object per entry, the quote's time in UTC."""
    by_symbol = {row.symbol: row for row in rows}
    out = []
    for entry in config.watch:
        row = by_symbol.get(entry.symbol)
        price = None if row is None else (row.price if row.price is not None else row.prev_close)
        out.append({
            "symbol": entry.symbol, "name": entry.name or (row.name if row is not None else ""),
            "price": price, "currency": row.currency if row is not None else None,
            "change_pct": row.change_pct if row is not None else None,
            "status": row.status if row is not None else None, "rating": entry.rating,
            "eps": dict(entry.eps), "pe": {year: pe_ratio(price, eps) for year, eps in entry.eps.items()},
            "quote_time": row.quote_time if row is not None else None,
            "exchange_zone": MARKETS[market_of(entry.symbol)].zone.key,
        })  # fmt: skip
    return out


def cmd_show_quotes(args: argparse.Namespace, config: AppConfig, session: Session) -> int:
    """Print the watch-list table from the latest stored quotes; 1 when the watch list is empty."""
    section = quotes_config(config)
    if not section.watch:
        sys.stderr.write("no watch list: add [[quotes.watch]] entries (symbol, name, eps, rating) to the config\n")
        return 1
    rows = latest(session, "quotes", symbol=[entry.symbol for entry in section.watch])
    if getattr(args, "json", False):
        sys.stdout.write(json_text(watch_json(section, rows)) + "\n")
    else:
        sys.stdout.write(watch_table(section, rows) + "\n")
    missing = [entry.symbol for entry in section.watch if entry.symbol not in {row.symbol for row in rows}]
    if missing:
        sys.stderr.write(f"no stored quote yet for {', '.join(missing)}\n")
    return 0
