"""What Eastmoney's quote answers share: f152 (decimals) and prices sent as scaled integers without fltt=2."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from spiders.errors import ParseError
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.parsers.quotes_common import quote_result

__all__ = ["HUNDRED", "checked_decimals", "unknown_or_next_secid", "unscale", "with_secid"]

HUNDRED = Decimal(100)


def checked_decimals(value: object, where: str = "") -> int:
    """f152 as a number of decimals (0-6); ParseError naming `where` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ParseError(f"{where}f152 {value!r} is not a number of decimals")
    return value


def unscale(
    decoded: dict[str, Decimal | None], prices: Iterable[str], percents: Iterable[str], decimals: int
) -> dict[str, Decimal | None]:
    """Without fltt=2 prices are integers x 10^decimals and percentages x 100: divide them back, in place."""
    for name in prices:
        value = decoded[name]
        decoded[name] = None if value is None else value.scaleb(-decimals)
    for name in percents:
        value = decoded[name]
        decoded[name] = None if value is None else value / HUNDRED
    return decoded


def with_secid(url: str, secid: str) -> str:
    """The same request for another secid."""
    return re.sub(r"(?<=[?&])secid=[^&]*", f"secid={secid}", url)


def unknown_or_next_secid(url: str, request: Request | None, symbol: str, *, source: str) -> ParseResult:
    """An unknown secid: ask the next one in `request.meta["later"]`, else report the symbol as unknown.

    A US ticker's exchange is not in the ticker: NASDAQ (105), then NYSE (106), then AMEX (107).
    """
    later = list((request.meta if request is not None else {}).get("later") or [])
    if later:
        follow = FollowUp(with_secid(url, str(later[0])), meta={"later": later[1:]})
        return ParseResult(follow=[follow], expect_items=False)
    return quote_result([], [symbol], source=source)
