"""`aipulse show funding`: the weekly AI funding table (company, sector, leads, round, amount, valuation, outlets)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.config import AppConfig
from core.durations import parse_duration
from core.json_output import json_text
from core.tables import render_table
from storage.models import FundingRound

__all__ = [
    "FX_AS_OF",
    "USD_PER_UNIT",
    "FundingLine",
    "add_parser",
    "build_funding_table",
    "cmd_show_funding",
    "format_money",
    "parse_usd",
    "render_funding_table",
]

#: a static, dated FX table for ordering and --min-usd only (funding.md §4.7); rounds keep their own currency
FX_AS_OF = "2026-06-01"
USD_PER_UNIT: dict[str, Decimal] = {
    "USD": Decimal(1),
    "CNY": Decimal("0.138"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "HKD": Decimal("0.128"),
    "JPY": Decimal("0.0064"),
    "KRW": Decimal("0.00072"),
    "SGD": Decimal("0.74"),
}
OUTLETS = {
    "kr36_funding": "36氪",
    "pedaily_funding": "投资界",
    "techcrunch_funding": "TechCrunch",
    "crunchbase_funding": "Crunchbase News",
    "googlenews_funding": "Google News",
}
DASH = "—"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@dataclass(frozen=True)
class FundingLine:
    """One round as a table row, with its USD range for ordering (None when the currency is not in the table)."""

    company: str
    sector: str | None
    leads: list[str]
    round: str
    amount: str
    valuation: str
    published: datetime
    outlets: list[str]
    status: str
    ai_related: bool | None
    usd_low: Decimal | None
    usd_high: Decimal | None
    #: (outlet, headline, url) of every article that reported the round, oldest first
    mentions: list[tuple[str, str, str]] = field(default_factory=list)


def parse_usd(text: str) -> Decimal:
    """`10M`, `1.5B`, `50m`, `500000` -> dollars; ValueError otherwise."""
    match = re.fullmatch(r"\s*\$?(\d+(?:\.\d+)?)\s*([kmbKMB]?)\s*", text)
    if match is None:
        raise ValueError(f"{text!r} is not an amount; write it like 10M, 1.5B or 500000")
    scale = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}[match.group(2).lower()]
    try:
        return Decimal(match.group(1)) * scale
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"{text!r} is not an amount") from exc


def format_money(value: Decimal | None, currency: str | None) -> str:
    """A base-unit amount for a reader: 数 style for CNY (1.5亿元, 3000万元), $1.2B / €40M otherwise."""
    if value is None:
        return DASH
    if currency == "CNY":
        if value >= 10**8:
            return f"{_trim(value / 10**8)}亿元"
        return f"{_trim(value / 10**4)}万元"
    for size, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if value >= size:
            text = f"{_trim(value / size)}{suffix}"
            break
    else:
        text = _trim(value)
    symbol = _SYMBOLS.get(currency or "")
    return f"{symbol}{text}" if symbol else f"{text} {currency}" if currency else text


def _trim(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _range(low: Decimal | None, high: Decimal | None, currency: str | None) -> str:
    if low is None and high is None:
        return DASH
    if low is not None and high is not None and low != high:
        return f"{format_money(low, currency)}–{format_money(high, currency)}"
    if high is None:
        return f">{format_money(low, currency)}"
    if low is None:
        return f"≤{format_money(high, currency)}"
    return format_money(low, currency)


def _usd(value: Decimal | None, currency: str | None, fx: Mapping[str, Decimal]) -> Decimal | None:
    if value is None or currency is None or currency not in fx:
        return None
    return value * fx[currency]


def build_funding_table(
    session: Session,
    *,
    since: datetime,
    until: datetime | None = None,
    ai_only: bool = False,
    min_usd: Decimal | None = None,
    fx: Mapping[str, Decimal] = USD_PER_UNIT,
) -> list[FundingLine]:
    """Rounds published since `since` (and before `until`), largest first (by the USD value of their upper bound,
    then lower bound).

    `min_usd` keeps a round whose range reaches the threshold (a magnitude such as 数亿元 may; funding.md §4.7
    calls that the lenient reading). Rounds without an amount come last, newest first.
    """
    query = (
        select(FundingRound)
        .where(FundingRound.published_at >= since)
        .options(selectinload(FundingRound.mentions))
        .order_by(FundingRound.published_at.desc())
    )
    if until is not None:
        query = query.where(FundingRound.published_at < until)
    lines: list[FundingLine] = []
    for row in session.scalars(query):
        if ai_only and not row.ai_related:
            continue
        usd_low, usd_high = _usd(row.amount_min, row.currency, fx), _usd(row.amount_max, row.currency, fx)
        reach = usd_high if usd_high is not None else usd_low
        if min_usd is not None and (reach is None or reach < min_usd):
            continue
        outlets = sorted({OUTLETS.get(m.source, m.source) for m in row.mentions})
        lines.append(
            FundingLine(
                company=row.company,
                sector=row.sector,
                leads=list(row.lead_investors or []),
                round=row.round,
                amount=row.amount_text or _range(row.amount_min, row.amount_max, row.currency),
                valuation=_range(row.valuation_min, row.valuation_max, row.currency),
                published=row.published_at,
                outlets=outlets,
                status=row.status,
                ai_related=row.ai_related,
                usd_low=usd_low,
                usd_high=usd_high,
                mentions=[
                    (OUTLETS.get(m.source, m.source), m.headline, m.url)
                    for m in sorted(row.mentions, key=lambda m: (m.published_at, m.id))
                ],
            )
        )
    lines.sort(key=lambda line: line.usd_high or line.usd_low or Decimal(-1), reverse=True)
    return lines


def render_funding_table(lines: Sequence[FundingLine], since: datetime) -> str:
    """The user's weekly table; a planned (rumoured) round is marked so it is not read as done."""
    header = f"AI funding rounds since {since:%Y-%m-%d} (amounts as reported; ordered in USD at the {FX_AS_OF} rates)"
    if not lines:
        return header + "\n\nno funding round stored for this period"
    rows = [
        (
            line.company + (" (planned)" if line.status == "planned" else ""),
            line.sector or DASH,
            "、".join(line.leads) or DASH,
            line.round,
            line.amount,
            line.valuation,
            f"{line.published:%Y-%m-%d}",
            ", ".join(line.outlets),
        )
        for line in lines
    ]
    headers = ("company", "sector", "lead investors", "round", "amount", "valuation", "date", "outlets")
    return header + "\n\n" + render_table(headers, rows)


def cmd_show_funding(args: argparse.Namespace, config: AppConfig, session: Session) -> int:
    """Print the funding table; 2 for a bad --since or --min-usd, 1 when no round matches."""
    try:
        since = datetime.now(UTC) - parse_duration(getattr(args, "since", None) or "7d")
        min_usd = parse_usd(args.min_usd) if getattr(args, "min_usd", None) else None
    except ValueError as exc:
        sys.stderr.write(f"aipulse: {exc}\n")
        return 2
    lines = build_funding_table(session, since=since, ai_only=bool(getattr(args, "ai_only", False)), min_usd=min_usd)
    if getattr(args, "json", False):
        sys.stdout.write(json_text(lines) + "\n")
        return 0 if lines else 1
    sys.stdout.write(render_funding_table(lines, since) + "\n")
    return 0 if lines else 1


def add_parser(show_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `show funding [--since 7d] [--ai-only] [--min-usd 10M]`."""
    parser = show_subparsers.add_parser("funding", help="funding rounds of the last days, largest first")
    parser.add_argument("--since", default="7d", help="how far back by publication date (default 7d)")
    parser.add_argument("--ai-only", action="store_true", help="only rounds whose text is about AI")
    parser.add_argument("--min-usd", help="only rounds reaching this size in USD, e.g. 10M or 1.5B")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (times in UTC, ISO 8601)")
    parser.set_defaults(show=cmd_show_funding, show_handler=cmd_show_funding)
