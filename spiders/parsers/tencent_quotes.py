"""Tencent qt.gtimg.cn quote lines (GBK, `~`-separated, field positions per stocks.md §4) -> Quote items."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

from core.symbols import Symbol, SymbolError, from_tencent, tencent_code
from spiders.errors import ParseError
from spiders.items import Quote
from spiders.market_hours import MARKETS
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.quotes_common import build_quote, decode_gbk, line_shape, number, quote_result
from spiders.parsers.volume_units import volume_in_shares

__all__ = ["DEFAULT_ENDPOINT", "MAX_BATCH", "SOURCE_ID", "parse", "quote_url", "requested_codes"]

SOURCE_ID = "tencent_quotes"
DEFAULT_ENDPOINT = "https://qt.gtimg.cn"
#: codes per request: libraries use 60 (easyquotation) to 500 (stock-sdk); the small end is kind to the host
MAX_BATCH = 60

# The closing `";` is optional: a reply cut short (a logged or truncated capture) still holds its lines.
_LINE = re.compile(r'v_([A-Za-z0-9_.$]+)="([^"\r\n]*)("?);?')
_NONE_MATCH = "pv_none_match"
_YI = Decimal(100_000_000)  # market caps are in 亿 (100 million)
#: the shortest line each layout must have: A-shares need the limit prices at 47/48, the rest the core 3..37
_MIN_FIELDS = {"CN": 49, "HK": 40, "US": 38}
#: where a layout repeats its currency code (A-share 82, HK 75 in the 2026 layouts)
_CURRENCY_AT = {"CN": 82, "HK": 75}
_TIME_FORMATS = ("%Y%m%d%H%M%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def quote_url(endpoint: str, symbols: Sequence[Symbol]) -> str:
    """The request for a batch of symbols: `<endpoint>/q=sz002230,hk00700`."""
    return f"{endpoint.rstrip('/')}/q={','.join(tencent_code(s) for s in symbols)}"


def requested_codes(url: str) -> list[str]:
    """The Tencent codes a request URL asked for (from `/q=a,b` or `?q=a,b`)."""
    split = urlsplit(url)
    last = unquote(split.path.rsplit("/", 1)[-1])
    raw = last[2:] if last.startswith("q=") else ",".join(parse_qs(split.query).get("q", []))
    return [code for code in raw.split(",") if code]


def shape(body: bytes) -> dict[str, str]:
    """The answer's structure for drift detection: the number of `~`-separated fields per market's lines."""
    return line_shape(decode_gbk(body), _LINE, "~")


def parse(body: bytes | str, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse a qt.gtimg.cn answer to the codes requested in `url`.

    Requested codes without a line (Tencent leaves unknown codes out, or answers `v_pv_none_match="1"`)
    are returned in `unknown`. An empty body, HTML or a line that breaks the layout raises ParseError.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    text = decode_gbk(body)
    if not text.strip():
        raise ParseError("empty body where quote lines were expected")
    leftover = _LINE.sub("", text).strip()
    if leftover:
        raise ParseError(f"not a quote line: {leftover[:80]!r}")
    requested = requested_codes(url)
    wanted = {code.lower(): code for code in requested}
    lines: dict[str, str] = {}
    notes: list[str] = []
    for match in _LINE.finditer(text):
        key, value, closed = match.group(1), match.group(2), match.group(3)
        if key == _NONE_MATCH:
            continue
        if key.lower() not in wanted:
            raise ParseError(f"a line for {key!r}, which was not requested")
        if not closed and "~" in value:
            # The last field of an unterminated line may be cut mid-number: it is dropped, never read.
            value = value.rsplit("~", 1)[0]
            notes.append(f"{key}: the line has no closing quote (cut short); its last field is not read")
        lines[wanted[key.lower()]] = value
    quotes: list[Quote] = []
    unknown: list[str] = []
    for code in requested:
        symbol = _symbol(code)
        value = lines.get(code)
        if value is None or not value.strip():
            unknown.append(symbol.canonical)
            continue
        quotes.append(_quote(symbol, code, value.split("~"), url=url, fetched_at=fetched_at))
    result = quote_result(quotes, unknown, source=SOURCE_ID)
    result.notes[:0] = notes
    return result


def _symbol(code: str) -> Symbol:
    try:
        return from_tencent(code)
    except SymbolError as exc:
        raise ParseError(f"the request asked for {code!r}, which is not a Tencent code: {exc}") from None


def _field(fields: list[str], index: int, code: str) -> Decimal | None:
    return number(fields[index], f"{code} field {index}") if index < len(fields) else None


def _quote(symbol: Symbol, code: str, fields: list[str], *, url: str, fetched_at: datetime) -> Quote:
    market = symbol.market
    if len(fields) < _MIN_FIELDS[market]:
        raise ParseError(f"{code}: {len(fields)} fields, the {market} layout needs at least {_MIN_FIELDS[market]}")
    if market != "US" and fields[2].lstrip("0") != code[2:].lstrip("0"):
        raise ParseError(f"{code}: the line carries code {fields[2]!r}")

    def at(index: int) -> Decimal | None:
        return _field(fields, index, code)

    volume = volume_in_shares(SOURCE_ID, symbol, at(6))  # lots, but shares on the STAR board
    turnover: Decimal | None
    if market == "CN":
        # Field 35 `price/volume/turnover` has the exact CNY turnover, field 37 only 10k CNY (stocks.md §4).
        parts = fields[35].split("/")
        turnover = number(parts[2], f"{code} field 35") if len(parts) == 3 else _scaled(at(37), Decimal(10_000))
    else:
        turnover = at(37)
    cn = market == "CN"
    return build_quote(
        source=SOURCE_ID,
        url=url,
        fetched_at=fetched_at,
        symbol=symbol,
        name=fields[1],
        currency=_currency(fields, market),
        quote_time=_time(fields[30], symbol, code),
        price=at(3),
        prev_close=at(4),
        open_price=at(5),
        high=at(33),
        low=at(34),
        change=at(31),
        change_pct=at(32),
        volume=volume,
        turnover=turnover,
        # US market cap, PE and limit positions are unverified (stocks.md §4 "same core positions 3-37").
        market_cap=None if market == "US" else _scaled(at(45), _YI),
        pe_ttm=None if market == "US" else at(39),
        limit_up=at(47) if cn and symbol.kind == "stock" else None,
        limit_down=at(48) if cn and symbol.kind == "stock" else None,
    )


def _scaled(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else value * factor


def _currency(fields: list[str], market: str) -> str | None:
    index = _CURRENCY_AT.get(market)
    if index is None or index >= len(fields):
        return None
    value = fields[index]
    return value if re.fullmatch(r"[A-Z]{3}", value) else None


def _time(text: str, symbol: Symbol, code: str) -> datetime:
    zone = MARKETS[symbol.market].zone
    for pattern in _TIME_FORMATS:
        try:
            # A-share and HK times are exchange-local without an offset; US lines are New York time.
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ParseError(f"{code}: field 30 {text!r} is not a quote time")
