"""Chinese and English money amounts: a table of written forms and the ranges (base units) they stand for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spiders.cn_amounts import amount_in_text, find_amounts, parse_number

E7, E8, E9 = "10000000", "100000000", "1000000000"


@pytest.mark.parametrize(
    ("text", "low", "high", "currency", "qualifier", "written"),
    [
        ("数亿元", E8, E9, "CNY", "magnitude", "数亿元"),
        ("近亿元", "80000000", E8, "CNY", "near", "近亿元"),
        ("超5000万美元", "50000000", None, "USD", "over", "超5000万美元"),
        ("超 5000 万美元", "50000000", None, "USD", "over", "超 5000 万美元"),
        ("亿元级人民币", E8, E9, "CNY", "magnitude", "亿元级人民币"),
        ("千万美元级", E7, E8, "USD", "magnitude", "千万美元级"),
        ("千万级", E7, E8, "CNY", "magnitude", "千万级"),
        ("千万美元", E7, E8, "USD", "magnitude", "千万美元"),
        ("数千万美元", E7, E8, "USD", "magnitude", "数千万美元"),
        ("数十亿元", E9, "10000000000", "CNY", "magnitude", "数十亿元"),
        ("亿元", E8, E8, "CNY", "approx", "亿元"),
        ("过亿", E8, None, "CNY", "over", "过亿"),
        ("上亿元", E8, None, "CNY", "over", "上亿元"),  # 上亿 reads as 过亿
        ("上千万元", E7, None, "CNY", "over", "上千万元"),
        ("约3亿元", "300000000", "300000000", "CNY", "approx", "约3亿元"),
        ("3.2亿元", "320000000", "320000000", "CNY", "exact", "3.2亿元"),
        ("2,000万元", "20000000", "20000000", "CNY", "exact", "2,000万元"),
        ("500万 美元", "5000000", "5000000", "USD", "exact", "500万 美元"),
        ("两千万", "20000000", "20000000", "CNY", "exact", "两千万"),
        ("十亿美元", E9, E9, "USD", "exact", "十亿美元"),
        ("3亿+", "300000000", None, "CNY", "over", "3亿+"),
        ("超千万美元", E7, None, "USD", "over", "超千万美元"),
        ("最高投资 30 亿美元", None, "3000000000", "USD", "up_to", "最高投资 30 亿美元"),
        ("$2B+", "2000000000", None, "USD", "over", "$2B+"),
        ("1000多万元", E7, None, "CNY", "over", "1000多万元"),
        ("5000万元以上", "50000000", None, "CNY", "over", "5000万元以上"),
        ("1亿人民币", E8, E8, "CNY", "exact", "1亿人民币"),
        ("10亿美金", E9, E9, "USD", "exact", "10亿美金"),
        ("8000万欧元", "80000000", "80000000", "EUR", "exact", "8000万欧元"),
        ("$1.2B", "1200000000", "1200000000", "USD", "exact", "$1.2B"),
        ("€40M", "40000000", "40000000", "EUR", "exact", "€40M"),
        ("$400m", "400000000", "400000000", "USD", "exact", "$400m"),
        ("$40 million", "40000000", "40000000", "USD", "exact", "$40 million"),
        ("US$5m", "5000000", "5000000", "USD", "exact", "US$5m"),
        ("£10mn", E7, E7, "GBP", "exact", "£10mn"),
        ("$1,200,000", "1200000", "1200000", "USD", "exact", "$1,200,000"),
        ("more than $50 million", "50000000", None, "USD", "over", "more than $50 million"),
        ("nearly $30M", "24000000", "30000000", "USD", "near", "nearly $30M"),
        ("up to €75 billion", None, "75000000000", "EUR", "up_to", "up to €75 billion"),
        ("100 million yuan", E8, E8, "CNY", "exact", "100 million yuan"),
        ("RMB 50 million", "50000000", "50000000", "CNY", "exact", "RMB 50 million"),
    ],
)
def test_written_amounts_become_ranges_in_base_units(
    text: str, low: str | None, high: str | None, currency: str, qualifier: str, written: str
) -> None:
    default = "CNY" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else None
    amount = amount_in_text(text, default_currency=default)
    assert amount is not None
    assert (amount.low, amount.high) == (None if low is None else Decimal(low), None if high is None else Decimal(high))
    assert (amount.currency, amount.qualifier, amount.text) == (currency, qualifier, written)


def test_a_units_table_never_confuses_million_and_billion() -> None:
    # One public parser multiplied M by 1e9 (funding.md §4): the units are checked one by one.
    assert [a.low for a in find_amounts("$1K $1M $1B $1T $1 thousand $1 million $1 billion $1bn $1mn")] == [
        Decimal(10**3), Decimal(10**6), Decimal(10**9), Decimal(10**12),
        Decimal(10**3), Decimal(10**6), Decimal(10**9), Decimal(10**9), Decimal(10**6),
    ]  # fmt: skip
    assert [a.low for a in find_amounts("1万元 1十万元 1百万元 1千万元 1亿元 1十亿元", default_currency="CNY")] == [
        Decimal(10**4), Decimal(10**5), Decimal(10**6), Decimal(10**7), Decimal(10**8), Decimal(10**9),
    ]  # fmt: skip


def test_a_converted_figure_is_marked_so_the_original_wins() -> None:
    amounts = find_amounts("完成1.5亿美元（约合人民币10.9亿元）A轮融资", default_currency="CNY")
    assert [(a.currency, a.qualifier) for a in amounts] == [("USD", "exact"), ("CNY", "converted")]


def test_chinese_amount_without_currency_takes_the_default_and_none_without_one() -> None:
    assert amount_in_text("获10亿战略投资", default_currency="CNY").currency == "CNY"  # type: ignore[union-attr]
    assert amount_in_text("获10亿战略投资").currency is None  # type: ignore[union-attr]


def test_words_that_only_look_like_amounts_are_not_amounts() -> None:
    assert find_amounts("亿万富翁的新一轮") == []
    assert find_amounts("Series B round") == []
    assert find_amounts("2026年5月12日") == []


def test_amounts_are_found_in_reading_order_with_positions() -> None:
    text = "完成1亿美元天使轮融资，估值10亿美元"
    amounts = find_amounts(text)
    assert [a.text for a in amounts] == ["1亿美元", "10亿美元"]
    assert all(text[a.start : a.end] == a.text for a in amounts)


@pytest.mark.parametrize(
    ("token", "value"),
    [("2,000", "2000"), ("1.5", "1.5"), ("1,5", "1.5"), ("两千", "2000"), ("一百二十", "120"), ("３", "3")],
)
def test_numbers_are_read_with_cn2an_on_the_token_alone(token: str, value: str) -> None:
    assert parse_number(token) == Decimal(value)


@pytest.mark.parametrize("token", ["", "数", "新一轮", "abc", "百"])
def test_a_token_that_is_no_number_raises_value_error(token: str) -> None:
    with pytest.raises(ValueError):
        parse_number(token)
