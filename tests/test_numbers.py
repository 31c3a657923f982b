"""One reading of numbers as Decimal (core.numbers) and its parser form (spiders.parsers.numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.numbers import decimal_or_none, to_decimal
from spiders.errors import ParseError
from spiders.parsers.numbers import json_decimal, optional_json_decimal


def test_a_json_float_keeps_its_written_digits_not_the_binary_ones() -> None:
    assert to_decimal(3.673) == Decimal("3.673")
    assert str(to_decimal(0.1)) == "0.1"


@pytest.mark.parametrize("value", [True, False, float("nan"), float("inf"), "abc", [], {}])
def test_booleans_non_finite_and_junk_are_not_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="not a"):
        to_decimal(value)
    assert decimal_or_none(value) is None


def test_text_numbers_are_read_only_when_asked() -> None:
    assert to_decimal(" 9.75E7 ") == Decimal("97500000")
    with pytest.raises(ValueError):
        to_decimal("1.5", text=False)


def test_the_parser_form_names_where_the_bad_value_sits() -> None:
    with pytest.raises(ParseError, match=r"Items\[3\]\.retailPrice is not a number: True"):
        json_decimal(True, "Items[3].retailPrice")
    with pytest.raises(ParseError, match="is not a non-negative number"):
        json_decimal(-1, "visits", non_negative=True)


def test_a_missing_value_is_none_only_in_the_optional_form() -> None:
    assert optional_json_decimal(None, "x") is None
    assert optional_json_decimal("", "x", text=True) is None
    with pytest.raises(ParseError):
        json_decimal(None, "x")
