"""How many shares one unit of a quote source's volume field is, per board: the one table the quote parsers share.

Every rule below was checked on a real capture by turnover / (volume x shares per unit) landing between the
day's low and high (the average traded price must): see spiders/fixtures/*_quotes/README.md for the figures.
"""

from __future__ import annotations

from decimal import Decimal

from core.symbols import Symbol

__all__ = ["BOARDS", "SHARES_PER_UNIT", "UNPROVEN", "board_of", "shares_per_unit", "volume_in_shares"]

#: the boards a volume unit can differ by
BOARDS = ("main", "chinext", "star", "bj", "index", "hk", "us")

_LOT = 100
SHARES_PER_UNIT: dict[str, dict[str, int]] = {
    # Tencent counts lots of 100 except on the STAR board, where field 6 is already shares
    # (688256 on 2026-06-03: 22683725029 / 16559805 = 1369.81, between 1291.00 and 1428.01).
    "tencent_quotes": {"main": _LOT, "chinext": _LOT, "star": 1, "bj": _LOT, "index": _LOT, "hk": 1, "us": 1},
    # Sina counts shares on every A-share board and in Hong Kong; index lines count lots (stocks.md §3).
    "sina_quotes": {"main": 1, "chinext": 1, "star": 1, "bj": 1, "index": _LOT, "hk": 1},
    # Eastmoney f47 counts lots for every Shanghai/Shenzhen/Beijing code; Hong Kong and US count shares.
    "eastmoney_quotes": {"main": _LOT, "chinext": _LOT, "star": _LOT, "bj": _LOT, "index": _LOT, "hk": 1, "us": 1},
}
#: (source, board) rules no real capture has confirmed yet: kept from the source notes, to check on a live run
UNPROVEN = frozenset(
    {
        ("tencent_quotes", "index"),
        ("tencent_quotes", "us"),
        ("sina_quotes", "star"),
        ("sina_quotes", "index"),
        ("eastmoney_quotes", "star"),
        ("eastmoney_quotes", "bj"),
        ("eastmoney_quotes", "index"),
        ("eastmoney_quotes", "us"),
    }
)


def board_of(symbol: Symbol) -> str:
    """The board whose volume unit applies: STAR 688/689, ChiNext 300/301, Beijing, main, index, hk or us."""
    if symbol.kind == "index":
        return "index"
    if symbol.market != "CN":
        return symbol.market.lower()
    if symbol.exchange == "BJ":
        return "bj"
    if symbol.exchange == "SH" and symbol.code.startswith(("688", "689")):
        return "star"
    if symbol.exchange == "SZ" and symbol.code.startswith(("300", "301")):
        return "chinext"
    return "main"


def shares_per_unit(source: str, symbol: Symbol) -> int:
    """Shares in one unit of `source`'s volume for `symbol`'s board; KeyError for a source or board not in the table."""
    return SHARES_PER_UNIT[source][board_of(symbol)]


def volume_in_shares(source: str, symbol: Symbol, volume: Decimal | None) -> Decimal | None:
    """The source's volume field in shares (None stays None)."""
    return None if volume is None else volume * shares_per_unit(source, symbol)
