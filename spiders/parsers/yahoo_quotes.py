"""Yahoo Finance v8 chart answers (stocks.md §6) -> Quote items, the previous close taken from the daily bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from core.symbols import Symbol, SymbolError, from_yahoo, yahoo_symbol
from spiders.errors import BlockedError, ParseError
from spiders.items import Quote
from spiders.market_hours import MARKETS
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.quotes_common import build_quote, load_json_unique, number, quote_result

__all__ = ["DEFAULT_ENDPOINT", "SOURCE_ID", "parse", "quote_url"]

SOURCE_ID = "yahoo_quotes"
DEFAULT_ENDPOINT = "https://query1.finance.yahoo.com/v8/finance/chart"
#: error codes that mean "no such symbol" rather than a broken request
_UNKNOWN_CODES = frozenset({"Not Found"})


def quote_url(endpoint: str, symbol: Symbol) -> str:
    """The chart request for one symbol: five daily bars, enough to find yesterday's close across a holiday."""
    return f"{endpoint.rstrip('/')}/{quote(yahoo_symbol(symbol))}?interval=1d&range=5d"


def parse(
    body: str | bytes | Mapping[str, Any], *, url: str, fetched_at: datetime, request: Request | None = None
) -> ParseResult:
    """Parse one chart answer for the symbol in the URL's last path segment.

    The previous close is `meta.previousClose` when given (range=1d answers carry it), else the last close
    before today's bar, else `chartPreviousClose` only when the range holds no earlier bar: it is the close
    before the whole range (stocks.md §6). The open is taken from today's session bar, never from a bar
    stamped at or after the close (a closing print, whose open is the closing price). An "Invalid
    Crumb"/Unauthorized body is a block (BlockedError); `chart.error` "Not Found" is an unknown symbol; any
    other error is a ParseError.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    data = body if isinstance(body, Mapping) else load_json_unique(body)
    if not isinstance(data, Mapping):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    _raise_if_blocked(data)
    symbol = _symbol(url)
    chart = data.get("chart")
    if not isinstance(chart, Mapping):
        raise ParseError("the answer has no chart object")
    error = chart.get("error")
    if isinstance(error, Mapping):
        if error.get("code") in _UNKNOWN_CODES:
            return quote_result([], [symbol.canonical], source=SOURCE_ID)
        raise ParseError(f"Yahoo answered {error.get('code')!r}: {error.get('description')!r}")
    results = chart.get("result")
    if not isinstance(results, list) or len(results) != 1 or not isinstance(results[0], Mapping):
        raise ParseError("chart.result is not a list of one result")
    return quote_result([_quote(results[0], symbol, url=url, fetched_at=fetched_at)], [], source=SOURCE_ID)


def _raise_if_blocked(data: Mapping[str, Any]) -> None:
    # Since 2023-04 the quote API answers a missing cookie/crumb with this body (yahoo_quote_v7_invalid_crumb.json).
    for envelope in data.values():
        if isinstance(envelope, Mapping) and isinstance(envelope.get("error"), Mapping):
            error = envelope["error"]
            text = f"{error.get('code', '')} {error.get('description', '')}"
            if "Unauthorized" in text or "Invalid Crumb" in text or "Invalid Cookie" in text:
                raise BlockedError(f"Yahoo refused the request: {text.strip()[:120]}")


def _symbol(url: str) -> Symbol:
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    try:
        return from_yahoo(segment)
    except SymbolError as exc:
        raise ParseError(f"cannot tell the symbol from the request: {exc}") from None


def _quote(result: Mapping[str, Any], symbol: Symbol, *, url: str, fetched_at: datetime) -> Quote:
    meta = result.get("meta")
    if not isinstance(meta, Mapping):
        raise ParseError("chart.result[0] has no meta")
    if str(meta.get("symbol", "")).upper() != yahoo_symbol(symbol).upper():
        raise ParseError(f"asked for {yahoo_symbol(symbol)}, the answer is for {meta.get('symbol')!r}")
    seconds = meta.get("regularMarketTime")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise ParseError("meta has no regularMarketTime")
    zone = MARKETS[symbol.market].zone
    quote_time = datetime.fromtimestamp(seconds, UTC).astimezone(zone)
    hint = meta.get("priceHint", 2)
    if isinstance(hint, bool) or not isinstance(hint, int) or not 0 <= hint <= 6:
        raise ParseError(f"priceHint {hint!r} is not a number of decimals")
    step = Decimal(1).scaleb(-hint)

    def price(value: object, what: str) -> Decimal | None:
        # Bars are float32 (494.79998779296875): round to the instrument's priceHint.
        found = number(value, what)
        return None if found is None else found.quantize(step, rounding=ROUND_HALF_UP)

    bars = _bars(result, zone)
    today = quote_time.date()
    earlier = [bar for bar in bars if bar[0].date() < today]
    session_end = MARKETS[symbol.market].sessions[-1][1]
    todays = [bar for bar in bars if bar[0].date() == today and bar[0].time() < session_end]
    prev_close = price(meta.get("previousClose"), "previousClose")
    if prev_close is None:
        prev_close = next((price(b[1], "close") for b in reversed(earlier) if b[1] is not None), None)
    if prev_close is None and not earlier:
        prev_close = price(meta.get("chartPreviousClose"), "chartPreviousClose")
    open_price = price(todays[0][2], "open") if todays else None
    currency = meta.get("currency")
    volume = number(meta.get("regularMarketVolume"), "regularMarketVolume")
    return build_quote(
        source=SOURCE_ID,
        url=url,
        fetched_at=fetched_at,
        symbol=symbol,
        name=str(meta.get("shortName") or meta.get("longName") or symbol.canonical),
        currency=currency if isinstance(currency, str) and currency else None,
        quote_time=quote_time,
        price=price(meta.get("regularMarketPrice"), "regularMarketPrice"),
        prev_close=prev_close,
        open_price=open_price,
        high=price(meta.get("regularMarketDayHigh"), "regularMarketDayHigh"),
        low=price(meta.get("regularMarketDayLow"), "regularMarketDayLow"),
        volume=volume,
    )


def _bars(result: Mapping[str, Any], zone: ZoneInfo) -> list[tuple[datetime, object, object]]:
    """(local time, close, open) of each daily bar; timestamps are the bar's open time in UTC."""
    stamps = result.get("timestamp") or []
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, Mapping) else None
    if not isinstance(stamps, list) or not isinstance(quotes, list) or not quotes or not isinstance(quotes[0], Mapping):
        raise ParseError("chart.result[0] has no timestamp list or indicators.quote")
    closes: Sequence[object] = quotes[0].get("close") or []
    opens: Sequence[object] = quotes[0].get("open") or []
    if not isinstance(closes, list) or not isinstance(opens, list) or len(closes) != len(stamps):
        raise ParseError("indicators.quote[0].close does not match the timestamps")
    bars: list[tuple[datetime, object, object]] = []
    for index, stamp in enumerate(stamps):
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise ParseError(f"timestamp[{index}] {stamp!r} is not Unix seconds")
        opened = opens[index] if index < len(opens) else None
        bars.append((datetime.fromtimestamp(stamp, UTC).astimezone(zone), closes[index], opened))
    return bars
