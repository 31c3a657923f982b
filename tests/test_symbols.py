"""Symbol mapping, table-driven: each canonical symbol, its kind, market and every source's code, both ways."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.symbols import (
    Symbol,
    SymbolError,
    eastmoney_secid,
    eastmoney_secids,
    from_eastmoney,
    from_sina,
    from_tencent,
    from_yahoo,
    parse_symbol,
    parse_symbols,
    sina_code,
    tencent_code,
    yahoo_symbol,
)

NO = None  # the source cannot quote it

#: canonical, kind, market, currency, tencent, sina, eastmoney secid, yahoo
TABLE = [
    ("002230.SZ", "stock", "CN", "CNY", "sz002230", "sz002230", "0.002230", "002230.SZ"),  # SZ main board
    ("002368.SZ", "stock", "CN", "CNY", "sz002368", "sz002368", "0.002368", "002368.SZ"),
    ("300750.SZ", "stock", "CN", "CNY", "sz300750", "sz300750", "0.300750", "300750.SZ"),  # ChiNext
    ("000001.SZ", "stock", "CN", "CNY", "sz000001", "sz000001", "0.000001", "000001.SZ"),  # Ping An Bank
    ("603918.SH", "stock", "CN", "CNY", "sh603918", "sh603918", "1.603918", "603918.SS"),
    ("688668.SH", "stock", "CN", "CNY", "sh688668", "sh688668", "1.688668", "688668.SS"),  # STAR
    ("900901.SH", "stock", "CN", "CNY", "sh900901", "sh900901", "1.900901", "900901.SS"),  # B share: 9 is not BJ
    ("830799.BJ", "stock", "CN", "CNY", "bj830799", "bj830799", "0.830799", "830799.BJ"),
    ("920118.BJ", "stock", "CN", "CNY", "bj920118", "bj920118", "0.920118", "920118.BJ"),  # new BSE range
    ("430047.BJ", "stock", "CN", "CNY", "bj430047", "bj430047", "0.430047", "430047.BJ"),
    ("000001.SH", "index", "CN", "CNY", "sh000001", "sh000001", "1.000001", "000001.SS"),  # SSE Composite
    ("000300.SH", "index", "CN", "CNY", "sh000300", "sh000300", "1.000300", "000300.SS"),
    ("000922.SH", "index", "CN", "CNY", "sh000922", "sh000922", "1.000922", "000922.SS"),
    ("399006.SZ", "index", "CN", "CNY", "sz399006", "sz399006", "0.399006", "399006.SZ"),
    ("899050.BJ", "index", "CN", "CNY", "bj899050", "bj899050", "0.899050", "899050.BJ"),
    ("932000.CSI", "index", "CN", "CNY", NO, NO, "2.932000", NO),  # CSI-only: Eastmoney only
    ("0700.HK", "stock", "HK", "HKD", "hk00700", "hk00700", "116.00700", "0700.HK"),
    ("9988.HK", "stock", "HK", "HKD", "hk09988", "hk09988", "116.09988", "9988.HK"),
    ("NVDA", "stock", "US", "USD", "usNVDA", "gb_nvda", "105.NVDA", "NVDA"),
]

IDS = [row[0] for row in TABLE]


@pytest.mark.parametrize(
    ("canonical", "kind", "market", "currency", "tencent", "sina", "secid", "yahoo"), TABLE, ids=IDS
)
def test_canonical_symbol_maps_to_every_source_and_back(
    canonical: str, kind: str, market: str, currency: str, tencent: str | None, sina: str | None, secid: str,
    yahoo: str | None,
) -> None:  # fmt: skip
    symbol = parse_symbol(canonical)
    assert (symbol.canonical, str(symbol), symbol.kind, symbol.market, symbol.currency) == (
        canonical, canonical, kind, market, currency,
    )  # fmt: skip
    assert eastmoney_secid(symbol) == secid
    assert from_eastmoney(secid) == symbol
    for code, to_code, from_code in (
        (tencent, tencent_code, from_tencent),
        (sina, sina_code, from_sina),
        (yahoo, yahoo_symbol, from_yahoo),
    ):
        if code is None:
            with pytest.raises(SymbolError):
                to_code(symbol)
        else:
            assert to_code(canonical) == code
            assert from_code(code) == symbol


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (" 002230.sz ", "002230.SZ"),
        ("00700.HK", "0700.HK"),
        ("700.hk", "0700.HK"),
        ("nvda", "NVDA"),
        ("BRK.B", "BRK.B"),
        ("932000.csi", "932000.CSI"),
    ],
)
def test_case_and_hk_padding_are_forgiven(text: str, canonical: str) -> None:
    assert parse_symbol(text).canonical == canonical


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("002230", "add the exchange"),
        ("000001", "both an index and a stock"),
        ("603918.SS", r"written \.SH"),
        ("02230.SZ", "six digits"),
        ("0022300.SZ", "six digits"),
        ("AB1234.SH", "six digits"),
        ("0.HK", "one to five digits"),
        ("123456.HK", "one to five digits"),
        ("TOOLONGX", "not a US ticker"),
        ("002230.XX", "unknown exchange suffix"),
        ("贵州茅台", "not a US ticker"),
    ],
)
def test_text_that_is_no_symbol_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(SymbolError, match=reason):
        parse_symbol(text)


def test_us_tickers_try_nasdaq_then_nyse_then_amex_on_eastmoney() -> None:
    assert eastmoney_secids("NVDA") == ("105.NVDA", "106.NVDA", "107.NVDA")
    assert eastmoney_secids("BRK.B")[1] == "106.BRK_B"
    assert from_eastmoney("106.BRK_B") == parse_symbol("BRK.B")
    assert yahoo_symbol("BRK.B") == "BRK-B" and from_yahoo("BRK-B") == parse_symbol("BRK.B")


def test_sources_own_spellings_are_read_back() -> None:
    assert from_tencent("usNVDA.OQ") == Symbol("US", "NVDA")
    assert from_sina("rt_hk00700") == Symbol("HK", "0700")
    assert from_eastmoney("0.000001") != from_eastmoney("1.000001")


@pytest.mark.parametrize(
    ("function", "code"),
    [
        (from_tencent, "xx600519"),
        (from_tencent, "sh60051"),
        (from_sina, "s_sh000001"),
        (from_eastmoney, "90.BK0800"),
        (from_eastmoney, "124.HSTECH"),
        (from_eastmoney, "600519"),
        (from_yahoo, "^HSI"),
        (from_yahoo, "CNY=X"),
    ],
)
def test_unmapped_source_codes_are_refused(function: Callable[[str], Symbol], code: str) -> None:
    with pytest.raises(SymbolError):
        function(code)


def test_a_symbols_argument_is_split_deduplicated_and_ordered() -> None:
    assert [s.canonical for s in parse_symbols("002230.SZ, 0700.HK,,002230.sz,NVDA")] == [
        "002230.SZ",
        "0700.HK",
        "NVDA",
    ]
    with pytest.raises(SymbolError, match="no symbol"):
        parse_symbols(" , ")
    with pytest.raises(SymbolError):
        parse_symbols("002230.SZ,603918.SS")
