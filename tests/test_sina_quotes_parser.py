"""Sina hq.sinajs.cn parser: real GBK captures compared exactly, the computed change %, blocks and bad bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.symbols import parse_symbols
from spiders.errors import BlockedError, ParseError
from spiders.parsers.sina_quotes import parse, quote_url, requested_codes
from tests.quotes_support import load_quote_case, quote_cases, unknown_of

SOURCE = "sina_quotes"
CASES = quote_cases(SOURCE)
AT = datetime(2026, 4, 24, 2, 21, 22, tzinfo=UTC)
URL = "https://hq.sinajs.cn/list=sh600519"
SH_LINE = load_quote_case(SOURCE, "a_shares_gbk").body.split(b"\n")[0].decode("gb18030")

ERRORS = {"ParseError": ParseError, "BlockedError": BlockedError}


def test_the_real_captures_and_the_constructed_cases_are_all_there() -> None:
    assert {"a_shares_gbk", "a_shares_utf8", "auth_failed", "not_traded_constructed", "index_constructed",
            "hk_constructed", "one_unknown_in_batch"} <= set(CASES)  # fmt: skip


def test_change_percent_is_computed_from_last_and_previous_close() -> None:
    case = load_quote_case(SOURCE, "a_shares_gbk")
    moutai, pingan = parse(case.body, url=case.url, fetched_at=AT).items
    assert moutai.change_pct == Decimal("1.8675")  # (1445.5 / 1419 - 1) x 100
    assert (pingan.change, pingan.change_pct) == (Decimal("0.020"), Decimal("0.1818"))


def test_volume_is_already_in_shares_for_stocks_and_in_lots_for_indices() -> None:
    shares = parse(load_quote_case(SOURCE, "a_shares_gbk").body, url=load_quote_case(SOURCE, "a_shares_gbk").url,
                   fetched_at=AT).items[0]  # fmt: skip
    assert shares.volume == 2086151
    index_case = load_quote_case(SOURCE, "index_constructed")
    [index] = parse(index_case.body, url=index_case.url, fetched_at=index_case.fetched_at).items
    assert (index.kind, index.volume) == ("index", 98765432 * 100)


def test_gbk_bytes_and_utf8_text_of_the_same_capture_give_the_same_quotes() -> None:
    gbk, utf8 = load_quote_case(SOURCE, "a_shares_gbk"), load_quote_case(SOURCE, "a_shares_utf8")
    assert parse(gbk.body, url=gbk.url, fetched_at=AT) == parse(utf8.body, url=gbk.url, fetched_at=AT)


def test_zero_prices_before_the_first_trade_are_halted_without_a_move() -> None:
    case = load_quote_case(SOURCE, "not_traded_constructed")
    [quote] = parse(case.body, url=case.url, fetched_at=case.fetched_at).items
    assert (quote.status, quote.price, quote.change_pct, quote.open, quote.high) == ("halted", None, None, None, None)


def test_auth_failed_with_http_200_is_a_block_not_data() -> None:
    case = load_quote_case(SOURCE, "auth_failed")
    with pytest.raises(BlockedError, match="sys_auth"):
        parse(case.body, url=case.url, fetched_at=AT)


def test_newer_sh_lines_with_extra_trailing_fields_read_only_the_documented_ones() -> None:
    line = SH_LINE.replace(',00,";', ',00,D|36500|330325.00";')
    assert line != SH_LINE
    [quote] = parse(line.encode("gb18030"), url=URL, fetched_at=AT).items
    assert (quote.price, quote.volume) == (Decimal("1445.500"), 2086151)


def test_an_empty_string_is_an_unknown_code_and_the_others_are_kept() -> None:
    case = load_quote_case(SOURCE, "one_unknown_in_batch")
    batch = parse(case.body, url=case.url, fetched_at=case.fetched_at)
    assert ([q.symbol for q in batch.items], unknown_of(batch)) == (["600519.SH"], ["999999.SZ"])


def test_request_url_lists_sina_codes() -> None:
    url = quote_url("https://hq.sinajs.cn", parse_symbols("002230.SZ,603918.SH,000300.SH,0700.HK"))
    assert url == "https://hq.sinajs.cn/list=sz002230,sh603918,sh000300,hk00700"
    assert requested_codes(url) == ["sz002230", "sh603918", "sh000300", "hk00700"]


@pytest.mark.parametrize(
    ("body", "error", "reason"),
    [
        (b"", ParseError, "empty body"),
        (b"<html>502 Bad Gateway</html>", ParseError, "not a quote line"),
        (b"Kinsoku jikou desu!", BlockedError, "Kinsoku"),
        (b'var hq_str_sys_auth="FAILED";', BlockedError, "FAILED"),
        (b'var hq_str_sh600519="x,1.0,2.0";', ParseError, "fields"),
        (SH_LINE.replace("2026-04-24", "24/04/2026").encode("gb18030"), ParseError, "date and time"),
        (SH_LINE.replace("1445.500", "abc", 1).encode("gb18030"), ParseError, "not a number"),
        (SH_LINE.replace("hq_str_sh600519", "hq_str_sh600000").encode("gb18030"), ParseError, "not requested"),
    ],
)
def test_a_broken_or_refused_body_raises_with_its_reason(body: bytes, error: type[Exception], reason: str) -> None:
    with pytest.raises(error, match=reason):
        parse(body, url=URL, fetched_at=AT)


def test_us_lines_are_not_parsed_because_their_layout_is_unverified() -> None:
    with pytest.raises(ParseError, match="yahoo_quotes"):
        parse(b'var hq_str_gb_nvda="NVIDIA,120.0";', url="https://hq.sinajs.cn/list=gb_nvda", fetched_at=AT)
