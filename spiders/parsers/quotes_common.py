"""What the four quote parsers share: GBK decoding, tolerant numbers, and one Quote builder for the halted rule."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from core.symbols import Symbol
from spiders.errors import ParseError
from spiders.items import Item, Quote
from spiders.market_hours import quote_status
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text
from spiders.parsers.contract import ParseResult

__all__ = [
    "MISSING",
    "PCT_PLACES",
    "build_quote",
    "decode_gbk",
    "line_shape",
    "load_json_unique",
    "number",
    "percent_change",
    "quote_result",
]

#: computed change percentages keep four decimals (1.8675 %), enough for a 0.01 pp comparison between sources
PCT_PLACES = Decimal("0.0001")
_HUNDRED = Decimal(100)
#: the run fact naming the requested symbols an answer had no quote for (the daemon asks the fallback for them)
MISSING = "missing_symbols"


def quote_result(quotes: list[Quote], unknown: list[str], *, source: str) -> ParseResult:
    """One answer's quotes; each requested symbol the source did not know is a note and in `details[MISSING]`.

    An answer with unknown symbols only is still an answer: whether a run quoted nothing at all is the
    spider's call once every answer is in.
    """
    items: list[Item] = list(quotes)
    notes = [f"{symbol}: unknown to {source} (the answer has no quote for it)" for symbol in unknown]
    return ParseResult(items=items, notes=notes, details={MISSING: list(unknown)} if unknown else {},
                       expect_items=False)  # fmt: skip


def decode_gbk(body: bytes | str) -> str:
    """Decode a Sina/Tencent body: GBK (as gb18030) on the wire; UTF-8 is recognised, mojibake is refused.

    A GBK-encoded Chinese name is almost never valid UTF-8, so a body that is valid UTF-8 and not plain
    ASCII was re-encoded on the way (a proxy, a test double) and is taken as UTF-8 rather than garbled.
    """
    if isinstance(body, str):
        text = body
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = body.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise ParseError(f"body is neither GBK nor UTF-8 (bad byte at {exc.start})") from None
    if "\ufffd" in text:
        raise ParseError("body was decoded with the wrong encoding (replacement characters in it)")
    return text


def number(text: object, what: str) -> Decimal | None:
    """A decimal from a source's text or JSON number; empty, `-` and None are missing (None), junk is a ParseError."""
    if text is None:
        return None
    if isinstance(text, bool):  # an int subclass: true/false is a broken body, not 1 or 0
        raise ParseError(f"{what} is a boolean, not a number")
    if isinstance(text, float | int):
        # str() first: Decimal(1445.41) would carry the binary float's 50 digits.
        return Decimal(str(text))
    if not isinstance(text, str):
        raise ParseError(f"{what} is {type(text).__name__}, not a number")
    stripped = text.strip()
    if stripped in ("", "-", "--"):
        return None
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        raise ParseError(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise ParseError(f"{what} {text!r} is not a finite number")
    return value


def percent_change(price: Decimal, prev_close: Decimal) -> Decimal:
    """(price / prev_close - 1) x 100, four decimals."""
    return ((price - prev_close) / prev_close * _HUNDRED).quantize(PCT_PLACES, rounding=ROUND_HALF_UP)


def _positive(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def build_quote(
    *,
    source: str,
    url: str,
    fetched_at: datetime,
    symbol: Symbol,
    name: str,
    quote_time: datetime,
    price: Decimal | None,
    prev_close: Decimal | None,
    currency: str | None = None,
    open_price: Decimal | None = None,
    high: Decimal | None = None,
    low: Decimal | None = None,
    change: Decimal | None = None,
    change_pct: Decimal | None = None,
    volume: Decimal | int | None = None,
    turnover: Decimal | None = None,
    market_cap: Decimal | None = None,
    pe_ttm: Decimal | None = None,
    limit_up: Decimal | None = None,
    limit_down: Decimal | None = None,
) -> Quote:
    """One Quote with the rules every source shares.

    A zero or missing price is a missing price and status `halted`, with no change: never a -100 % move.
    Zero open/high/low/limits mean "none"; a change the source left out is computed from the previous close.
    """
    if fetched_at.tzinfo is None or quote_time.tzinfo is None:
        raise ValueError("fetched_at and quote_time must be timezone-aware")
    price, prev_close = _positive(price), _positive(prev_close)
    if price is None:
        change = change_pct = None
    elif prev_close is not None:
        if change is None:
            change = price - prev_close
        if change_pct is None:
            change_pct = percent_change(price, prev_close)
    return Quote(
        source=source,
        url=url,
        observed_at=fetched_at,
        symbol=symbol.canonical,
        name=name.strip() or symbol.canonical,
        kind=symbol.kind,
        currency=currency or symbol.currency,
        quote_time=quote_time,
        status=quote_status(symbol, price is not None, quote_time, fetched_at),
        price=price,
        prev_close=prev_close,
        open=_positive(open_price),
        high=_positive(high),
        low=_positive(low),
        change=change,
        change_pct=change_pct,
        volume=None if volume is None else int(volume),
        turnover=turnover,
        market_cap=_positive(market_cap),
        pe_ttm=pe_ttm if pe_ttm else None,  # 0 means "not given" (Eastmoney HK f162, Tencent indices)
        limit_up=_positive(limit_up),
        limit_down=_positive(limit_down),
    )


def load_json_unique(body: str | bytes) -> Any:
    """Decode JSON like `load_json`, but refuse an object whose repeated key carries different values.

    Eastmoney answers a field requested twice with the key twice (stocks.md §5); the stdlib keeps the last.
    """
    text = decode_text(body, fallbacks=CHINESE_FALLBACKS)
    stripped = text.lstrip()
    if not stripped:
        raise ParseError("empty body where JSON was expected")
    if stripped.startswith("<"):
        raise ParseError(f"HTML instead of JSON: {stripped[:80]!r}")
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found and found[key] != value:
            raise ParseError(f"key {key!r} appears twice with different values ({found[key]!r}, {value!r})")
        found[key] = value
    return found


def line_shape(text: str, line: re.Pattern[str], separator: str) -> dict[str, str]:
    """The structure of `var code="f1,f2,…";` quote lines for drift detection: the field count per market prefix.

    `sh600519` and `sz002230` are `sh`/`sz`, `hk00700` is `hk`, `gb_nvda` is `gb_`: a provider adding or dropping
    a field shows as `hk line: 75 fields → 76 fields`, whatever codes were asked for.
    """
    shape: dict[str, str] = {}
    for match in line.finditer(text):
        code, value = match.group(1), match.group(2)
        prefix = re.match(r"[A-Za-z_]*?(?=[0-9]|$)", code)
        market = (prefix.group(0) if prefix else "") or code
        if not value:
            continue  # an unknown code answers with an empty line
        count = f"{len(value.split(separator))} fields"
        known = shape.get(f"{market} line")
        shape[f"{market} line"] = count if known in (None, count) else "|".join(sorted({*known.split("|"), count}))
    return shape
