"""Tencent qt.gtimg.cn parser: real GBK and HK captures compared exactly, the halted rule, bad bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.symbols import parse_symbols
from spiders.errors import ParseError
from spiders.parsers.tencent_quotes import parse, quote_url, requested_codes
from spiders.validation import problems
from tests.quotes_support import load_quote_case, quote_cases, unknown_of

SOURCE = "tencent_quotes"
CASES = quote_cases(SOURCE)
AT = datetime(2026, 4, 24, 2, 21, 20, tzinfo=UTC)
MOUTAI = load_quote_case(SOURCE, "a_shares_gbk").body.split(b"\n")[0].decode("gb18030")


def test_the_real_captures_and_the_constructed_cases_are_all_there() -> None:
    assert {"a_shares_gbk", "a_shares_utf8", "hk_two_codes", "indices_constructed", "not_traded_constructed",
            "none_match_constructed", "one_unknown_in_batch"} <= set(CASES)  # fmt: skip


def test_gbk_bytes_and_utf8_text_of_the_same_capture_give_the_same_quotes() -> None:
    gbk, utf8 = load_quote_case(SOURCE, "a_shares_gbk"), load_quote_case(SOURCE, "a_shares_utf8")
    assert gbk.body != utf8.body
    assert parse(gbk.body, url=gbk.url, fetched_at=AT) == parse(utf8.body, url=gbk.url, fetched_at=AT)
    assert parse(gbk.body, url=gbk.url, fetched_at=AT).items[0].name == "贵州茅台"


def test_volume_is_in_shares_and_turnover_in_yuan_not_lots_and_ten_thousands() -> None:
    case = load_quote_case(SOURCE, "a_shares_gbk")
    moutai = parse(case.body, url=case.url, fetched_at=AT).items[0]
    assert moutai.volume == 20862 * 100
    assert moutai.turnover == Decimal("2991697134")  # field 37 says 299170 (10k CNY)
    assert moutai.market_cap == Decimal("18101.57") * 100_000_000
    hk = load_quote_case(SOURCE, "hk_two_codes")
    tencent = parse(hk.body, url=hk.url, fetched_at=hk.fetched_at).items[0]
    assert (tencent.volume, tencent.turnover, tencent.currency) == (16319939, Decimal("7803757295.250"), "HKD")


def test_star_board_volume_is_already_shares_while_chinext_counts_lots() -> None:
    star, chinext = load_quote_case(SOURCE, "star_board_shares"), load_quote_case(SOURCE, "chinext_lots")
    assert parse(star.body, url=star.url, fetched_at=star.fetched_at).items[0].volume == 16559805
    assert parse(chinext.body, url=chinext.url, fetched_at=chinext.fetched_at).items[0].volume == 345251 * 100


def test_a_line_without_its_closing_quote_is_read_but_its_possibly_cut_last_field_is_not() -> None:
    cut = MOUTAI.split('";')[0] + "9"  # the last field "" now ends in a stray digit, as a cut capture would
    url = "https://qt.gtimg.cn/q=sh600519"
    whole, unterminated = parse(MOUTAI, url=url, fetched_at=AT), parse(cut, url=url, fetched_at=AT)
    assert unterminated.items == whole.items
    assert unterminated.notes == ["sh600519: the line has no closing quote (cut short); its last field is not read"]


def test_a_line_cut_before_the_fields_the_layout_needs_is_a_parse_error() -> None:
    cut = "~".join(MOUTAI.split("~")[:45])
    with pytest.raises(ParseError, match="fields, the CN layout needs at least 49"):
        parse(cut, url="https://qt.gtimg.cn/q=sh600519", fetched_at=AT)


def test_quote_time_is_aware_in_the_exchange_zone() -> None:
    case = load_quote_case(SOURCE, "hk_two_codes")
    quote = parse(case.body, url=case.url, fetched_at=case.fetched_at).items[0]
    assert quote.quote_time == datetime(2026, 8, 7, 16, 8, 23, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    assert quote.quote_time.utcoffset() is not None


def test_a_zero_price_is_missing_and_halted_never_a_minus_100_percent_move() -> None:
    case = load_quote_case(SOURCE, "not_traded_constructed")
    [quote] = parse(case.body, url=case.url, fetched_at=case.fetched_at).items
    assert (quote.status, quote.price, quote.change, quote.change_pct) == ("halted", None, None, None)
    assert quote.prev_close == Decimal("47.85")
    assert problems(quote) == []
    # Even a line that claims -100 % with a zero price yields no move.
    fields = MOUTAI.split('"')[1].split("~")
    fields[3], fields[31], fields[32] = "0.00", "-1419.00", "-100.00"
    line = 'v_sh600519="' + "~".join(fields) + '";'
    [quote] = parse(line.encode("gb18030"), url=case.url.replace("sz002230", "sh600519"), fetched_at=AT).items
    assert (quote.status, quote.change_pct) == ("halted", None)


def test_indices_carry_their_exchange_and_no_limit_prices() -> None:
    case = load_quote_case(SOURCE, "indices_constructed")
    quotes = parse(case.body, url=case.url, fetched_at=case.fetched_at).items
    assert [(q.symbol, q.kind, q.limit_up, q.pe_ttm) for q in quotes] == [
        ("000300.SH", "index", None, None),
        ("399006.SZ", "index", None, None),
    ]


def test_an_unknown_code_in_a_batch_is_reported_and_the_others_kept() -> None:
    case = load_quote_case(SOURCE, "one_unknown_in_batch")
    batch = parse(case.body, url=case.url, fetched_at=case.fetched_at)
    assert [q.symbol for q in batch.items] == ["600519.SH"]
    assert unknown_of(batch) == ["999999.SZ"]
    # The same when Tencent adds its none-match line to the batch.
    body = case.body + b'v_pv_none_match="1";\n'
    assert unknown_of(parse(body, url=case.url, fetched_at=case.fetched_at)) == ["999999.SZ"]


def test_the_quote_is_closed_after_the_session_and_trading_inside_it() -> None:
    case = load_quote_case(SOURCE, "a_shares_gbk")
    during = parse(case.body, url=case.url, fetched_at=AT).items[0]
    lunch = parse(case.body, url=case.url, fetched_at=datetime(2026, 4, 24, 4, 0, tzinfo=UTC)).items[0]
    next_day = parse(case.body, url=case.url, fetched_at=datetime(2026, 4, 27, 2, 0, tzinfo=UTC)).items[0]
    assert (during.status, lunch.status, next_day.status) == ("trading", "closed", "closed")


def test_request_url_batches_codes_and_they_are_read_back() -> None:
    symbols = parse_symbols("002230.SZ,603918.SH,830799.BJ,000300.SH,0700.HK,NVDA")
    url = quote_url("http://127.0.0.1:9/tencent/", symbols)
    assert url == "http://127.0.0.1:9/tencent/q=sz002230,sh603918,bj830799,sh000300,hk00700,usNVDA"
    assert requested_codes(url) == ["sz002230", "sh603918", "bj830799", "sh000300", "hk00700", "usNVDA"]
    assert requested_codes("https://qt.gtimg.cn/?q=sz002230") == ["sz002230"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b"<html><body>Forbidden</body></html>", "not a quote line"),
        (MOUTAI.replace("v_sh600519", "v_sz000002").encode("gb18030"), "not requested"),
        (b'v_sh600519="1~x~600519~12.00";', "fields"),
        (MOUTAI.replace("~600519~", "~600518~", 1).encode("gb18030"), "carries code"),
        (MOUTAI.replace("20260424102119", "yesterday").encode("gb18030"), "quote time"),
        (MOUTAI.replace("~1445.50~1419.00~", "~1,445.50~1419.00~").encode("gb18030"), "not a number"),
        ("v_sh600519=\"1~贵州茅台~600519\";".encode("utf-16"), "wrong encoding|neither GBK"),
        (b'v_sh600519="1~\xff\xfe~600519";', "neither GBK nor UTF-8|wrong encoding|fields"),
    ],
)  # fmt: skip
def test_a_broken_body_is_a_parse_error_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, url="https://qt.gtimg.cn/q=sh600519", fetched_at=AT)


def test_a_naive_fetch_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(b"", url="https://qt.gtimg.cn/q=sh600519", fetched_at=datetime(2026, 4, 24))  # noqa: DTZ001
