"""Eastmoney stock/get parser: the real scaled capture compared exactly, fltt=2 floats, '-' fields, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from core.symbols import parse_symbol
from spiders.errors import ParseError
from spiders.parsers.contract import Request
from spiders.parsers.eastmoney_quotes import QUOTE_FIELDS, UT, decode_values, parse, quote_url, unique_fields
from tests.quotes_support import load_quote_case, quote_cases, unknown_of

SOURCE = "eastmoney_quotes"
CASES = quote_cases(SOURCE)
REAL = load_quote_case(SOURCE, "a_share_scaled")
AT = datetime(2026, 4, 24, 2, 23, 38, tzinfo=UTC)


def _body(**data: object) -> str:
    envelope = json.loads(REAL.body)
    envelope["data"].update(data)
    return json.dumps(envelope, ensure_ascii=False)


def test_the_real_captures_and_the_constructed_cases_are_all_there() -> None:
    assert {"a_share_scaled", "hk_without_time", "fltt2_floats_constructed", "suspended_dashes_constructed",
            "unknown_secid_constructed", "index_scaled_constructed"} <= set(CASES)  # fmt: skip


def test_scaled_integers_are_divided_by_ten_to_the_f152() -> None:
    [quote] = parse(REAL.body, url=REAL.url, fetched_at=AT).items
    assert (quote.price, quote.change_pct, quote.pe_ttm) == (Decimal("1445.41"), Decimal("1.86"), Decimal("21.99"))
    assert (quote.limit_up, quote.limit_down) == (Decimal("1560.90"), Decimal("1277.10"))
    assert quote.volume == 21238 * 100  # lots -> shares
    three = parse(_body(f152=3, f43=1445410), url=REAL.url, fetched_at=AT).items[0]
    assert three.price == Decimal("1445.410")


def test_hk_prices_are_thousandths_even_without_f152() -> None:
    hk = json.loads(load_quote_case(SOURCE, "hk_without_time").body)["data"]
    values = decode_values(hk, parse_symbol("0700.HK"), fltt2=False)
    assert (values["f43"], values["f60"], values["f170"]) == (Decimal("478.800"), Decimal("479.200"), Decimal("-0.08"))


def test_an_answer_without_f86_is_refused_rather_than_timed_by_the_clock() -> None:
    case = load_quote_case(SOURCE, "hk_without_time")
    with pytest.raises(ParseError, match="f86"):
        parse(case.body, url=case.url, fetched_at=case.fetched_at)


def test_dash_fields_mean_suspended_and_give_a_halted_quote_without_a_move() -> None:
    case = load_quote_case(SOURCE, "suspended_dashes_constructed")
    [quote] = parse(case.body, url=case.url, fetched_at=case.fetched_at).items
    assert (quote.status, quote.price, quote.change_pct, quote.volume) == ("halted", None, None, None)
    zero = parse(_body(f43=0, f44=0, f45=0, f46=0, f169=-141900, f170=-10000), url=REAL.url, fetched_at=AT).items[0]
    assert (zero.status, zero.price, zero.change, zero.change_pct) == ("halted", None, None, None)


def test_data_null_is_an_unknown_symbol_with_rc_0_or_102() -> None:
    url = quote_url("https://push2.eastmoney.com/api/qt/stock/get", "0.999999")
    for body in ('{"rc":0,"data":null}', '{"rc":102,"data":null}'):
        batch = parse(body, url=url, fetched_at=AT)
        assert (batch.items, unknown_of(batch)) == ([], ["999999.SZ"])
        assert batch.notes == ["999999.SZ: unknown to eastmoney_quotes (the answer has no quote for it)"]


def test_an_unknown_us_secid_asks_the_next_exchange_before_calling_the_symbol_unknown() -> None:
    url = quote_url("https://push2.eastmoney.com/api/qt/stock/get", "105.BRK")
    nyse = parse(
        '{"rc":0,"data":null}', url=url, fetched_at=AT, request=Request(meta={"later": ["106.BRK", "107.BRK"]})
    )
    [follow] = nyse.follow
    assert (nyse.items, nyse.notes, nyse.details, nyse.expect_items) == ([], [], {}, False)
    assert follow.url == url.replace("secid=105.BRK", "secid=106.BRK")
    assert dict(follow.meta) == {"later": ["107.BRK"]}
    last = parse('{"rc":0,"data":null}', url=follow.url.replace("106.", "107."), fetched_at=AT,
                 request=Request(meta={"later": []}))  # fmt: skip
    assert (last.follow, unknown_of(last)) == ([], ["BRK"])


def test_a_repeated_key_with_the_same_value_is_harmless_and_with_another_value_refused() -> None:
    same = REAL.body.decode().replace('"f192":-38}', '"f192":-38,"f43":144541}')
    assert parse(same, url=REAL.url, fetched_at=AT).items[0].price == Decimal("1445.41")
    with pytest.raises(ParseError, match="twice"):
        parse(load_quote_case(SOURCE, "duplicate_key_differs_constructed").body, url=REAL.url, fetched_at=AT)


def test_requested_fields_are_sent_once_each_with_the_token() -> None:
    assert unique_fields(["f43", "f44", "f43", " f57 ", "", "f44"]) == "f43,f44,f57"
    url = quote_url("http://127.0.0.1:9/em", "116.00700", fields=[*QUOTE_FIELDS, "f43"], fltt2=True)
    query = parse_qs(urlsplit(url).query)
    assert query["fields"] == [",".join(QUOTE_FIELDS)]
    assert (query["secid"], query["fltt"], query["ut"]) == (["116.00700"], ["2"], [UT])
    assert "," in url and "%2C" not in url


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty body"),
        ("<html>502 Bad Gateway</html>", "HTML"),
        ('{"rc":0,"data":', "malformed JSON"),
        ("[]", "JSON object"),
        ('{"rc":1,"data":{"f43":1}}', "rc=1"),
        ('{"rc":0,"data":[1,2]}', "no data object"),
        (_body(f58=None), "name"),
        (_body(f57="600518"), "answer is for"),
        (_body(f86="yesterday"), "f86"),
        (_body(f43="1,445"), "not a number"),
        (_body(f43=True), "boolean"),
        (_body(f152="two"), "f152"),
    ],
)
def test_a_broken_answer_is_a_parse_error_with_its_reason(body: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, url=REAL.url, fetched_at=AT)


def test_a_secid_that_names_no_mapped_market_is_refused() -> None:
    with pytest.raises(ParseError, match="symbol"):
        parse(REAL.body, url="https://push2.eastmoney.com/api/qt/stock/get?secid=90.BK0800", fetched_at=AT)
