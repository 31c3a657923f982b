"""JSON numbers in a parsed body as Decimal, with a ParseError that says where (on `core.numbers`)."""

from __future__ import annotations

from decimal import Decimal

from core.numbers import to_decimal
from spiders.errors import ParseError

__all__ = ["json_decimal", "optional_json_decimal"]


def json_decimal(value: object, where: str, *, text: bool = False, non_negative: bool = False) -> Decimal:
    """The number at `where` in the body; a ParseError naming `where` for anything else.

    `text` also takes numbers written as strings ("81953796787", "9.75E7"); `non_negative` refuses < 0.
    """
    try:
        number = to_decimal(value, text=text)
    except ValueError:
        raise ParseError(f"{where} is not a number: {value!r}") from None
    if non_negative and number < 0:
        raise ParseError(f"{where} {value!r} is not a non-negative number")
    return number


def optional_json_decimal(
    value: object, where: str, *, text: bool = False, non_negative: bool = False
) -> Decimal | None:
    """As `json_decimal`, but a missing value (None, or "" with `text`) is None."""
    if value is None or (text and value == ""):
        return None
    return json_decimal(value, where, text=text, non_negative=non_negative)
