"""Yahoo chart parser: the real HK capture compared exactly, previous close from the bars, crumb blocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.symbols import parse_symbol
from spiders.errors import BlockedError, ParseError
from spiders.parsers.yahoo_quotes import parse, quote_url
from tests.quotes_support import load_quote_case, quote_cases

SOURCE = "yahoo_quotes"
CASES = quote_cases(SOURCE)
REAL = load_quote_case(SOURCE, "hk_five_days")
ERRORS = {"ParseError": ParseError, "BlockedError": BlockedError}


def _chart(**meta: object) -> str:
    data = json.loads(REAL.body)
    data["chart"]["result"][0]["meta"].update(meta)
    return json.dumps(data)


def test_the_real_captures_and_the_constructed_cases_are_all_there() -> None:
    assert {
        "hk_five_days",
        "invalid_crumb",
        "not_found_constructed",
        "a_share_null_bar_partial_day_constructed",
    } <= set(CASES)


def test_previous_close_is_yesterdays_bar_not_chart_previous_close() -> None:
    [quote] = parse(REAL.body, url=REAL.url, fetched_at=REAL.fetched_at).items
    assert quote.prev_close == Decimal("479.200")
    assert json.loads(REAL.body)["chart"]["result"][0]["meta"]["chartPreviousClose"] == 475.2


def test_before_todays_first_bar_the_last_bar_is_the_previous_close() -> None:
    # The answer's clock says the 8th (a new day), its newest bar is the 7th: yesterday's close is close[-1].
    body = _chart(regularMarketTime=1786151400, regularMarketPrice=480.0)  # 2026-08-08 09:10 HKT
    [quote] = parse(body, url=REAL.url, fetched_at=datetime(2026, 8, 8, 1, 11, tzinfo=UTC)).items
    assert (quote.prev_close, quote.open, quote.change) == (Decimal("478.800"), None, Decimal("1.200"))


def test_float32_noise_is_rounded_to_the_price_hint() -> None:
    [quote] = parse(_chart(regularMarketDayHigh=494.79998779296875), url=REAL.url, fetched_at=REAL.fetched_at).items
    assert quote.high == Decimal("494.800")


def test_a_missing_price_is_halted_without_a_move() -> None:
    [quote] = parse(_chart(regularMarketPrice=None), url=REAL.url, fetched_at=REAL.fetched_at).items
    assert (quote.status, quote.price, quote.change_pct) == ("halted", None, None)


def test_invalid_crumb_is_a_block_even_with_http_200() -> None:
    case = load_quote_case(SOURCE, "invalid_crumb")
    with pytest.raises(BlockedError, match="Invalid Crumb"):
        parse(case.body, url=REAL.url, fetched_at=REAL.fetched_at)


def test_request_url_uses_yahoo_spelling_of_shanghai() -> None:
    base = "https://query1.finance.yahoo.com/v8/finance/chart"
    assert quote_url(base, parse_symbol("603918.SH")) == f"{base}/603918.SS?interval=1d&range=5d"
    assert quote_url(base + "/", parse_symbol("0700.HK")) == f"{base}/0700.HK?interval=1d&range=5d"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty body"),
        ("Too Many Requests", "malformed JSON"),
        ('{"finance":{"result":null}}', "no chart"),
        ('{"chart":{"result":[],"error":null}}', "list of one"),
        (_chart(symbol="9988.HK"), "answer is for"),
        (_chart(regularMarketTime=None), "regularMarketTime"),
        (_chart(priceHint="three"), "priceHint"),
        (_chart(regularMarketPrice="n/a"), "not a number"),
        (REAL.body.decode().replace('"timestamp":[1785720600,', '"timestamp":[1785720600,1,'), "match the timestamps"),
    ],
)
def test_a_broken_answer_is_a_parse_error_with_its_reason(body: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, url=REAL.url, fetched_at=REAL.fetched_at)
