"""Eastmoney push2his daily k-lines (stocks.md §5) -> one closed-day Quote per finished trading day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from core.symbols import Symbol, SymbolError, from_eastmoney
from spiders.errors import ParseError
from spiders.items import Quote
from spiders.market_hours import MARKETS
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.eastmoney_common import unknown_or_next_secid
from spiders.parsers.eastmoney_quotes import UT
from spiders.parsers.quotes_common import build_quote, load_json_unique, number, quote_result

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "kline_url", "parse"]

SOURCE_ID = "eastmoney_klines"
DEFAULT_ENDPOINT = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
#: row = date, open, close, high, low, volume (lots), amount, amplitude %, pct_chg %, chg, turnover %
_FIELDS1 = "f1,f2,f3,f4,f5,f6"
_FIELDS2 = "f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61"
_ROW_FIELDS = 11
_HUNDRED = Decimal(100)


def kline_url(endpoint: str, secid: str, *, days: int) -> str:
    """Daily bars, unadjusted (fqt=0: price levels and report PE need real closes), the newest `days` rows."""
    query = {"secid": secid, "klt": "101", "fqt": "0", "lmt": str(days), "end": "20500101",
             "fields1": _FIELDS1, "fields2": _FIELDS2, "ut": UT}  # fmt: skip
    return f"{endpoint}?{urlencode(query, safe=',')}"


def parse(
    body: str | bytes | Mapping[str, Any], *, url: str, fetched_at: datetime, request: Request | None = None
) -> ParseResult:
    """Parse one kline answer for the secid in `url` into one `closed` Quote per finished day.

    The previous close is close - chg of the same row (chg and pct_chg already handle ex-rights days).
    Today's bar is left out until the market's close has passed at `fetched_at`. Intraday rows
    (`YYYY-MM-DD HH:MM`) are a ParseError: their change is against the previous bar, not the previous close.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    data = body if isinstance(body, Mapping) else load_json_unique(body)
    if not isinstance(data, Mapping):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    secid = (parse_qs(urlsplit(url).query).get("secid") or [""])[0]
    try:
        symbol = from_eastmoney(secid)
    except SymbolError as exc:
        raise ParseError(f"cannot tell the symbol from the request: {exc}") from None
    values = data.get("data")
    if values is None and data.get("rc") in (0, 102):
        return unknown_or_next_secid(url, request, symbol.canonical, source=SOURCE_ID)
    if data.get("rc") != 0 or not isinstance(values, Mapping):
        raise ParseError(f"Eastmoney answered rc={data.get('rc')!r} without a data object")
    code, name, rows = values.get("code"), values.get("name"), values.get("klines")
    if not isinstance(code, str) or code.lstrip("0") != secid.partition(".")[2].lstrip("0"):
        raise ParseError(f"asked for {secid}, the answer is for {code!r}")
    if not isinstance(name, str) or not isinstance(rows, list):
        raise ParseError("the answer lacks the name or the klines list")
    quotes = [q for q in (_row(row, symbol, name, url=url, fetched_at=fetched_at) for row in rows) if q is not None]
    return quote_result(quotes, [], source=SOURCE_ID)


def _row(row: object, symbol: Symbol, name: str, *, url: str, fetched_at: datetime) -> Quote | None:
    if not isinstance(row, str):
        raise ParseError(f"kline row {row!r} is not text")
    parts = row.split(",")
    if len(parts) < _ROW_FIELDS:
        raise ParseError(f"kline row {row[:40]!r} has {len(parts)} fields, not {_ROW_FIELDS}")
    market = MARKETS[symbol.market]
    try:
        day = date.fromisoformat(parts[0]) if len(parts[0]) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ParseError(f"kline row date {parts[0]!r} is not a day (intraday rows are not daily closes)")
    closes_at = datetime.combine(day, market.sessions[-1][1], market.zone)
    if closes_at > fetched_at:
        return None  # today's bar, still moving

    def at(index: int) -> Decimal | None:
        return number(parts[index], f"{parts[0]} field {index}")

    close, change, volume = at(2), at(9), at(5)
    if volume is not None and symbol.market == "CN":
        volume *= _HUNDRED  # lots of 100 shares
    return build_quote(
        source=SOURCE_ID,
        url=url,
        fetched_at=fetched_at,
        symbol=symbol,
        name=name,
        quote_time=closes_at,
        price=close,
        prev_close=None if close is None or change is None else close - change,
        open_price=at(1),
        high=at(3),
        low=at(4),
        change=change,
        change_pct=at(8),
        volume=volume,
        turnover=at(6),
    )
