"""Sina hq.sinajs.cn quote lines (GBK, comma-separated, stocks.md §3) -> Quote items with a computed change %."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from core.symbols import Symbol, SymbolError, from_sina, sina_code
from spiders.errors import BlockedError, ParseError
from spiders.items import Quote
from spiders.market_hours import MARKETS
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.quotes_common import build_quote, decode_gbk, line_shape, number, quote_result
from spiders.parsers.volume_units import volume_in_shares

__all__ = ["DEFAULT_ENDPOINT", "MAX_BATCH", "REFERER", "SOURCE_ID", "parse", "quote_url", "requested_codes"]

SOURCE_ID = "sina_quotes"
DEFAULT_ENDPOINT = "https://hq.sinajs.cn"
#: mandatory since ~Jan 2022: without it Sina answers 403 / "Kinsoku jikou desu" (stocks.md §2)
REFERER = "https://finance.sina.com.cn"
MAX_BATCH = 80

_LINE = re.compile(r'var hq_str_([A-Za-z0-9_$]+)="([^"]*)";?')
#: the shortest line of each layout: A-shares and indices through the time at 31, HK through its time at 18
_MIN_FIELDS = {"CN": 32, "HK": 19}


def quote_url(endpoint: str, symbols: Sequence[Symbol]) -> str:
    """The request for a batch of symbols: `<endpoint>/list=sz002230,hk00700`."""
    return f"{endpoint.rstrip('/')}/list={','.join(sina_code(s) for s in symbols)}"


def requested_codes(url: str) -> list[str]:
    """The Sina codes a request URL asked for (`/list=a,b`)."""
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return [code for code in last.removeprefix("list=").split(",") if code] if last.startswith("list=") else []


def shape(body: bytes) -> dict[str, str]:
    """The answer's structure for drift detection: the number of `,`-separated fields per market's lines."""
    return line_shape(decode_gbk(body), _LINE, ",")


def parse(body: bytes | str, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Parse a hq.sinajs.cn answer to the codes requested in `url`.

    `var hq_str_sys_auth="FAILED";` and the "Kinsoku jikou desu" page are blocks (BlockedError); an empty
    quote string is an unknown code (in `unknown`); HTML, an empty body or a broken line is a ParseError.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    text = decode_gbk(body)
    if "Kinsoku jikou" in text:
        raise BlockedError("Sina refused the request (Kinsoku jikou desu: Referer missing or IP blocked)")
    if not text.strip():
        raise ParseError("empty body where quote lines were expected")
    lines = {match.group(1): match.group(2) for match in _LINE.finditer(text)}
    # HTTP 200 with this body since 2020 (samples/stocks/sina_hq_auth_failed.txt): a failure, not data.
    if lines.get("sys_auth", "").upper() == "FAILED":
        raise BlockedError('Sina answered sys_auth="FAILED"')
    leftover = _LINE.sub("", text).strip()
    if leftover:
        raise ParseError(f"not a quote line: {leftover[:80]!r}")
    requested = requested_codes(url)
    extra = sorted(set(lines) - set(requested))
    if extra:
        raise ParseError(f"a line for {extra[0]!r}, which was not requested")
    quotes: list[Quote] = []
    unknown: list[str] = []
    for code in requested:
        symbol = _symbol(code)
        value = lines.get(code, "")
        if not value.strip():
            unknown.append(symbol.canonical)
            continue
        quotes.append(_quote(symbol, code, value.split(","), url=url, fetched_at=fetched_at))
    return quote_result(quotes, unknown, source=SOURCE_ID)


def _symbol(code: str) -> Symbol:
    try:
        symbol = from_sina(code)
    except SymbolError as exc:
        raise ParseError(f"the request asked for {code!r}, which is not a Sina code: {exc}") from None
    if symbol.market == "US":
        raise ParseError(f"{code}: US lines (gb_) have an unverified layout and are not parsed; use yahoo_quotes")
    return symbol


def _quote(symbol: Symbol, code: str, fields: list[str], *, url: str, fetched_at: datetime) -> Quote:
    market = symbol.market
    if len(fields) < _MIN_FIELDS[market]:
        raise ParseError(f"{code}: {len(fields)} fields, the {market} layout needs at least {_MIN_FIELDS[market]}")

    def at(index: int) -> Decimal | None:
        return number(fields[index], f"{code} field {index}")

    if market == "HK":
        return build_quote(
            source=SOURCE_ID,
            url=url,
            fetched_at=fetched_at,
            symbol=symbol,
            name=fields[1] or fields[0],
            quote_time=_time(fields[17], fields[18], symbol, code),
            price=at(6),
            prev_close=at(3),
            open_price=at(2),
            high=at(4),
            low=at(5),
            change=at(7),
            change_pct=at(8),
            volume=volume_in_shares(SOURCE_ID, symbol, at(12)),
            turnover=at(11),
        )
    # Newer SH lines append fields after the status at 32 (",00,D|36500|330325.00" in 2026): only 0-31 are read.
    volume = volume_in_shares(SOURCE_ID, symbol, at(8))  # shares on every board, lots on index lines
    return build_quote(
        source=SOURCE_ID,
        url=url,
        fetched_at=fetched_at,
        symbol=symbol,
        name=fields[0],
        quote_time=_time(fields[30], fields[31], symbol, code),
        price=at(3),
        prev_close=at(2),
        open_price=at(1),
        high=at(4),
        low=at(5),
        volume=volume,
        turnover=at(9),
    )


def _time(day: str, clock: str, symbol: Symbol, code: str) -> datetime:
    text = f"{day.strip().replace('/', '-')} {clock.strip()}"
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=MARKETS[symbol.market].zone)
        except ValueError:
            continue
    raise ParseError(f"{code}: {text!r} is not a quote date and time")
