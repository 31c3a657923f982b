"""What Eastmoney's quote answers share: f152 (decimals) and prices sent as scaled integers without fltt=2."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from spiders.errors import ParseError

__all__ = ["HUNDRED", "checked_decimals", "unscale"]

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
