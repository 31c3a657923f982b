"""Decimals read back from SQLite text: the fast path for canonical text gives what canonical_decimal gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.dialects import sqlite

from storage.types import ExactDecimal, canonical_decimal

TEXTS = ["0", "-0", "8", "80", "27.197", "0.0001", "-12.5", "1234567890.0123456789", "2.0000", "1E+2", "007",
         "0.00000000005", "12.30", "999999999999999999.9999999999"]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_decimal_text_reads_back_as_its_canonical_value(text: str) -> None:
    read = ExactDecimal().process_result_value(text, sqlite.dialect())

    assert read is not None
    assert (str(read), read) == (str(canonical_decimal(text)), canonical_decimal(text))


def test_stored_decimal_reads_back_equal_and_in_the_same_notation() -> None:
    dialect = sqlite.dialect()
    for value in (Decimal("27.197"), Decimal("80"), Decimal("-0.5"), Decimal("1.10")):
        stored = ExactDecimal().process_bind_param(value, dialect)
        assert str(ExactDecimal().process_result_value(stored, dialect)) == str(canonical_decimal(value))
