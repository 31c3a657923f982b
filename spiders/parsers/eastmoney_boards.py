"""Eastmoney push2 `clist` board constituents (`fs=b:BK0800`, paged; stocks.md §5) -> one Quote per member."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from core.symbols import SymbolError, from_eastmoney
from spiders.errors import ParseError
from spiders.items import Item, Quote
from spiders.market_hours import MARKETS
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.parsers.eastmoney_common import HUNDRED, checked_decimals, unscale
from spiders.parsers.quotes_common import build_quote, load_json_unique, number

__all__ = [
    "BOARD_FIELDS",
    "DEFAULT_ENDPOINT",
    "MAX_PAGE_SIZE",
    "SOURCE_ID",
    "UT",
    "board_of",
    "board_url",
    "parse",
]

SOURCE_ID = "eastmoney_boards"
DEFAULT_ENDPOINT = "https://push2.eastmoney.com/api/qt/clist/get"
#: the token of Eastmoney's list pages (quote.eastmoney.com/center); push2 refuses more often without one
UT = "bd1d9ddb04089700cf9c27f6f7426281"
#: clist serves at most 100 rows a page since 2025-03-10 (200 in Feb 2025; akshare #5825): bigger asks are cut
MAX_PAGE_SIZE = 100
#: last, change %, change, volume (lots), turnover, code, market, name, high, low, open, prev close, total market
#: cap, PE TTM, time, decimals
BOARD_FIELDS = (
    "f2", "f3", "f4", "f5", "f6", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f20", "f115", "f124", "f152",
)  # fmt: skip

BOARD_CODE = re.compile(r"BK\d{4}")
_FS_BOARD = re.compile(r"(?:^|[\s+,])b:(BK\d{4})(?:$|[\s+,])")
_PRICE_FIELDS = ("f2", "f4", "f15", "f16", "f17", "f18")
_PERCENT_FIELDS = ("f3", "f115")  # x 100 unless fltt=2
#: pages asked for one board at most when the request does not say (`request.meta["max_pages"]`)
DEFAULT_MAX_PAGES = 20


def board_url(endpoint: str, board: str, *, page: int, page_size: int = MAX_PAGE_SIZE, fltt2: bool = True) -> str:
    """One page of a board's constituents, sorted by code so pages stay stable while prices move.

    Sorting by change (fid=f3, as the web page does) would let a member jump between pages during trading
    and be listed twice or never; the ranking is done on the stored quotes instead.
    """
    if not BOARD_CODE.fullmatch(board):
        raise ValueError(f"{board!r} is not an Eastmoney board code like BK0800")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    query = {
        "fs": f"b:{board} f:!50", "pn": str(page), "pz": str(page_size), "po": "0", "np": "1", "fid": "f12",
        **({"fltt": "2", "invt": "2"} if fltt2 else {}), "fields": ",".join(BOARD_FIELDS), "ut": UT,
    }  # fmt: skip
    return f"{endpoint}?{urlencode(query, safe=',:!')}"


def board_of(url: str) -> str:
    """The board code a clist request asks for (`fs=b:BK0800 f:!50` -> BK0800); ParseError without one."""
    fs = (parse_qs(urlsplit(url).query).get("fs") or [""])[0]
    found = _FS_BOARD.search(fs)
    if found is None:
        raise ParseError(f"cannot tell the board from the request (fs={fs!r}; expected b:BKxxxx)")
    return found.group(1)


def parse(
    body: str | bytes | Mapping[str, Any], *, url: str, fetched_at: datetime, request: Request | None = None
) -> ParseResult:
    """Parse one clist page of the board in `url` (`fltt=2` in `url`: floats, else integers x 10^f152).

    Every row becomes a Quote, a suspended member (`"-"` price) a `halted` one. The run facts say which
    symbols the board has so far (`details["boards"]`, adding this page to `request.meta["members"]`, the
    earlier pages' symbols) and its member count (`details["board_totals"]`). While members are missing,
    the result asks for the next page, carrying the members on. `data: null` with rc 0 on page 1 is an
    unknown board (a note and `details["unknown_boards"]`); on a later page the list ended early.
    Another rc, a missing total, a row without code, market, name or time (f12, f13, f14, f124), a market
    aipulse does not map, or a body that is not JSON is a ParseError; so is a board with more pages than
    `request.meta["max_pages"]`, which is stopped instead of truncated.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    board = board_of(url)
    query = parse_qs(urlsplit(url).query)
    page = _int((query.get("pn") or ["1"])[0], "pn")
    meta = request.meta if request is not None else {}
    members = [str(symbol) for symbol in meta.get("members") or []]
    max_pages = int(meta.get("max_pages") or DEFAULT_MAX_PAGES)
    data = body if isinstance(body, Mapping) else load_json_unique(body)
    if not isinstance(data, Mapping):
        raise ParseError(f"expected a JSON object, got {type(data).__name__}")
    rc, values = data.get("rc"), data.get("data")
    if rc != 0:
        raise ParseError(f"Eastmoney answered rc={rc!r}")
    if values is None:
        if page == 1:
            note = f"{board}: unknown to {SOURCE_ID} (the answer has no data)"
            return ParseResult(notes=[note], details={"unknown_boards": [board]}, expect_items=False)
        return ParseResult(notes=_ended(board, members, int(meta.get("total") or 0)), expect_items=False)
    if not isinstance(values, Mapping):
        raise ParseError("the answer's data is not an object")
    total = values.get("total")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ParseError(f"the answer has no member count (data.total {total!r})")
    page_size = _int((query.get("pz") or [str(MAX_PAGE_SIZE)])[0], "pz")
    pages = math.ceil(total / page_size)
    if page == 1 and pages > max_pages:
        raise ParseError(
            f"{board} has {total} members: {pages} pages of {page_size} is more than "
            f"max_pages={max_pages}; stopped instead of truncating (raise -a max_pages=)"
        )
    fltt2 = (query.get("fltt") or [""])[0] == "2"
    quotes: list[Item] = [_quote(row, url=url, fetched_at=fetched_at, fltt2=fltt2) for row in _rows(values.get("diff"))]
    members += [q.symbol for q in quotes if isinstance(q, Quote) and q.symbol not in members]
    result = ParseResult(
        items=quotes, details={"boards": {board: members}, "board_totals": {board: total}}, expect_items=False
    )
    if quotes and len(members) < total:
        if page >= max_pages:
            raise ParseError(f"{board}: more than max_pages={max_pages} pages; stopped instead of truncating")
        next_meta = {**meta, "members": members, "total": total, "max_pages": max_pages}
        result.follow.append(FollowUp(re.sub(r"(?<=[?&])pn=\d+", f"pn={page + 1}", url), meta=next_meta))
    else:
        result.notes += _ended(board, members, total)
    return result


def _ended(board: str, members: list[str], total: int) -> list[str]:
    if len(members) < total:
        return [f"{board}: the list ended after {len(members)} of {total} members"]
    return []


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ParseError(f"{what} {text!r} is not a whole number") from None


def _rows(diff: object) -> list[Mapping[str, Any]]:
    # np=1 gives a list; np=2 an object keyed "0", "1", … (stocks.md §5); an empty page may omit diff.
    if diff is None:
        return []
    if isinstance(diff, Mapping):
        try:
            diff = [diff[key] for key in sorted(diff, key=int)]
        except ValueError:
            raise ParseError("data.diff is an object whose keys are not row numbers") from None
    if not isinstance(diff, list):
        raise ParseError(f"data.diff is {type(diff).__name__}, not a list of rows")
    for row in diff:
        if not isinstance(row, Mapping):
            raise ParseError(f"a row of data.diff is {type(row).__name__}, not an object")
    return diff


def _quote(row: Mapping[str, Any], *, url: str, fetched_at: datetime, fltt2: bool) -> Quote:
    code, market, name = row.get("f12"), row.get("f13"), row.get("f14")
    if not isinstance(code, str) or isinstance(market, bool) or not isinstance(market, int):
        raise ParseError(f"a row lacks its code (f12) or market (f13): {dict(row)!r:.120}")
    if not isinstance(name, str) or not name.strip():
        raise ParseError(f"row {market}.{code} has no name (f14)")
    try:
        symbol = from_eastmoney(f"{market}.{code}")
    except SymbolError as exc:
        raise ParseError(f"row {market}.{code}: {exc}") from None
    seconds = row.get("f124")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise ParseError(f"row {symbol} has no quote time (f124 {seconds!r})")
    decoded = _decode(row, symbol.canonical, fltt2=fltt2)
    volume = decoded["f5"]
    if volume is not None and symbol.market == "CN":
        volume *= HUNDRED  # lots of 100 shares
    return build_quote(
        source=SOURCE_ID,
        url=url,
        fetched_at=fetched_at,
        symbol=symbol,
        name=name,
        quote_time=datetime.fromtimestamp(seconds, UTC).astimezone(MARKETS[symbol.market].zone),
        price=decoded["f2"],
        prev_close=decoded["f18"],
        open_price=decoded["f17"],
        high=decoded["f15"],
        low=decoded["f16"],
        change=decoded["f4"],
        change_pct=decoded["f3"],
        volume=volume,
        turnover=decoded["f6"],
        market_cap=decoded["f20"],
        pe_ttm=decoded["f115"],
    )


def _decode(row: Mapping[str, Any], where: str, *, fltt2: bool) -> dict[str, Decimal | None]:
    names = (*_PRICE_FIELDS, *_PERCENT_FIELDS, "f5", "f6", "f20")
    decoded = {name: number(row.get(name), f"{where} {name}") for name in names}
    if fltt2:
        return decoded
    decimals = checked_decimals(row.get("f152", 2), f"{where}: ")  # A-share rows are cents without f152
    return unscale(decoded, _PRICE_FIELDS, _PERCENT_FIELDS, decimals)
