"""Chinese text for amounts and round names: 亿 and 万 as readers write them, no English round names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.zh_text import zh_amount, zh_round


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal(135_000_000), "美元", "1.35 亿美元"),
        (Decimal(50_000_000), "美元", "5000 万美元"),
        (Decimal(1_500_000_000), "元", "15 亿元"),
        (Decimal("2300000000000"), "美元", "2.3 万亿美元"),
        (Decimal(8000), "美元", "8,000 美元"),
        ("123456789", "", "1.23 亿"),
        (None, "美元", "—"),
        ("n/a", "美元", "—"),
    ],
)
def test_amounts_are_written_in_wan_and_yi(value: object, unit: str, text: str) -> None:
    assert zh_amount(value, unit) == text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("A", "A 轮"),
        ("B+", "B+ 轮"),
        ("Pre-A-extension", "Pre-A 轮（追加）"),
        ("Angel+", "天使+轮"),
        ("Seed", "种子轮"),
        ("Strategic", "战略轮"),
        ("Undisclosed", "未披露轮次"),
        (None, "未披露轮次"),
        ("D轮", "D轮"),
        ("Series A", "Series A"),
    ],
)
def test_round_names_read_as_chinese(name: str | None, text: str) -> None:
    assert zh_round(name) == text
