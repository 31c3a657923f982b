"""Eastmoney push2 `stock/get` snapshots (scaled integers, or floats with fltt=2; stocks.md §5) -> Quote items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from core.symbols import Symbol, SymbolError, from_eastmoney
from spiders.errors import ParseError
from spiders.market_hours import MARKETS
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.eastmoney_common import checked_decimals, unknown_or_next_secid, unscale
from spiders.parsers.quotes_common import build_quote, load_json_unique, number, quote_result
from spiders.parsers.volume_units import volume_in_shares

__all__ = [
    "DEFAULT_ENDPOINT",
    "QUOTE_FIELDS",
    "SOURCE_ID",
    "UT",
    "decode_values",
    "parse",
    "quote_url",
    "unique_fields",
]

SOURCE_ID = "eastmoney_quotes"
DEFAULT_ENDPOINT = "https://push2.eastmoney.com/api/qt/stock/get"
#: the public web page's token: without it push2 answers 502 or rc=102 more often (stocks.md §5)
UT = "fa5fd1943c7b386f172d6893dbfba10b"
#: last, high, low, open, volume, turnover, limit up/down, code, name, prev close, time, mcap, decimals, PE TTM,
#: change, change %
QUOTE_FIELDS = (
    "f43", "f44", "f45", "f46", "f47", "f48", "f51", "f52", "f57", "f58",
    "f60", "f86", "f116", "f152", "f164", "f169", "f170",
)  # fmt: skip

_PRICE_FIELDS = ("f43", "f44", "f45", "f46", "f51", "f52", "f60", "f169")
_PERCENT_FIELDS = ("f164", "f170")  # x 100 unless fltt=2


def unique_fields(fields: Iterable[str]) -> str:
    """The `fields` parameter with each field once, in first-seen order: a repeated field comes back as a
    repeated JSON key (stocks.md §5), which no JSON reader handles well."""
    return ",".join(dict.fromkeys(f.strip() for f in fields if f.strip()))


def quote_url(endpoint: str, secid: str, *, fltt2: bool = False, fields: Iterable[str] = QUOTE_FIELDS) -> str:
    """The snapshot request for one secid (commas kept readable, as the web page sends them)."""
    query = {"secid": secid, "fields": unique_fields(fields), **({"fltt": "2"} if fltt2 else {}), "ut": UT}
    return f"{endpoint}?{urlencode(query, safe=',')}"


def parse(
    body: str | bytes | Mapping[str, Any], *, url: str, fetched_at: datetime, request: Request | None = None
) -> ParseResult:
    """Parse one `stock/get` answer for the secid in `url` (`fltt=2` in `url` means floats, else scaled integers).

    `data: null` (with rc 0 or 102) is an unknown secid, returned in `unknown`. A missing code, name or time
    (`f57`, `f58`, `f86`), another rc, a repeated key with two values or a body that is not JSON is a ParseError.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    data = body if isinstance(body, Mapping) else load_json_unique(body)
    if not isinstance(data, Mapping):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    query = parse_qs(urlsplit(url).query)
    secid = (query.get("secid") or [""])[0]
    try:
        symbol = from_eastmoney(secid)
    except SymbolError as exc:
        raise ParseError(f"cannot tell the symbol from the request: {exc}") from None
    rc = data.get("rc")
    values = data.get("data")
    if values is None and rc in (0, 102):
        return unknown_or_next_secid(url, request, symbol.canonical, source=SOURCE_ID)
    if rc != 0:
        raise ParseError(f"Eastmoney answered rc={rc!r}")
    if not isinstance(values, Mapping):
        raise ParseError("the answer has no data object")
    code, name = values.get("f57"), values.get("f58")
    if not isinstance(code, str) or not isinstance(name, str) or not name:
        raise ParseError("the answer lacks the code (f57) or the name (f58)")
    if code.lstrip("0") != secid.partition(".")[2].lstrip("0"):
        raise ParseError(f"asked for {secid}, the answer is for {code!r}")
    seconds = values.get("f86")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise ParseError("the answer has no quote time (f86): ask for it in fields")
    quote_time = datetime.fromtimestamp(seconds, UTC).astimezone(MARKETS[symbol.market].zone)
    fltt2 = (query.get("fltt") or [""])[0] == "2"
    decoded = decode_values(values, symbol, fltt2=fltt2)
    volume = volume_in_shares(SOURCE_ID, symbol, decoded["f47"])  # lots for A-shares, shares for HK and US
    quote = build_quote(
        source=SOURCE_ID,
        url=url,
        fetched_at=fetched_at,
        symbol=symbol,
        name=name,
        quote_time=quote_time,
        price=decoded["f43"],
        prev_close=decoded["f60"],
        open_price=decoded["f46"],
        high=decoded["f44"],
        low=decoded["f45"],
        change=decoded["f169"],
        change_pct=decoded["f170"],
        volume=volume,
        turnover=decoded["f48"],
        market_cap=decoded["f116"],
        pe_ttm=decoded["f164"],
        limit_up=decoded["f51"] if symbol.kind == "stock" else None,
        limit_down=decoded["f52"] if symbol.kind == "stock" else None,
    )
    return quote_result([quote], [], source=SOURCE_ID)


def decode_values(values: Mapping[str, Any], symbol: Symbol, *, fltt2: bool) -> dict[str, Decimal | None]:
    """The numeric fields of a `stock/get` data object as plain decimals.

    Without fltt=2 prices are integers x 10^f152 (f152 defaults to 2 for China and 3 for HK/US, which are
    x 1000 even when f152 is not asked for) and f164/f170 are x 100. A missing field or "-" is None.
    """
    decimals = values.get("f152")
    if decimals is None or decimals == "-":
        decimals = 2 if symbol.market == "CN" else 3
    decimals = checked_decimals(decimals)
    names = {*_PRICE_FIELDS, *_PERCENT_FIELDS, "f47", "f48", "f116"}
    decoded: dict[str, Decimal | None] = {name: number(values.get(name), name) for name in names}
    return decoded if fltt2 else unscale(decoded, _PRICE_FIELDS, _PERCENT_FIELDS, decimals)
