"""Numbers read from JSON, text and stored rows as Decimal: one reading for every layer.

A JSON number arrives as a Python float or int; `Decimal(3.673)` would carry the binary float's 50 digits,
so every conversion goes through `str()` first. `True`/`False` are ints in Python but never a number here,
and neither are NaN or infinity.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["decimal_or_none", "to_decimal"]


def to_decimal(value: object, *, text: bool = True) -> Decimal:
    """`value` (Decimal, int, float, or with `text` a numeric string) as a finite Decimal; ValueError otherwise."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str) or (isinstance(value, str) and not text):
        raise ValueError(f"{value!r} is not a number")
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def decimal_or_none(value: object) -> Decimal | None:
    """`value` as a Decimal, or None when it is missing or not a finite number (stored and configured values)."""
    if value is None:
        return None
    try:
        return to_decimal(value)
    except ValueError:
        return None
