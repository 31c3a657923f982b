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


def _bars_kept(keep: slice, **meta: object) -> dict[str, object]:
    """The real answer with only some of its bars (a shorter range), meta changed as given."""
    data = json.loads(_chart(**meta))
    result = data["chart"]["result"][0]
    result["timestamp"] = result["timestamp"][keep]
    quote = result["indicators"]["quote"][0]
    for key in quote:
        quote[key] = quote[key][keep]
    return data  # type: ignore[no-any-return]


def _with_closing_print(data: dict[str, object], *, drop_session_bar: bool) -> str:
    # A bar stamped at the last trade (16:08:11 HKT, after the 16:00 close) whose open is the closing print.
    result = data["chart"]["result"][0]  # type: ignore[index]
    quote = result["indicators"]["quote"][0]
    if drop_session_bar:
        result["timestamp"].pop()
        for key in quote:
            quote[key].pop()
    result["timestamp"].append(result["meta"]["regularMarketTime"])
    for key in ("open", "high", "low", "close"):
        quote[key].append(478.79998779296875)
    quote["volume"].append(0)
    return json.dumps(data)


def test_a_one_day_answer_takes_meta_previous_close() -> None:
    body = _bars_kept(slice(-1, None), previousClose=479.2, chartPreviousClose=479.2, range="1d")
    [quote] = parse(json.dumps(body), url=REAL.url, fetched_at=REAL.fetched_at).items
    assert (quote.prev_close, quote.open) == (Decimal("479.200"), Decimal("479.000"))


def test_previous_close_wins_over_the_bars_when_the_answer_gives_it() -> None:
    [quote] = parse(_chart(previousClose=479.4), url=REAL.url, fetched_at=REAL.fetched_at).items
    assert quote.prev_close == Decimal("479.400")


def test_chart_previous_close_is_used_only_when_the_range_has_no_earlier_bar() -> None:
    only_today = _bars_kept(slice(-1, None), chartPreviousClose=479.2)
    [quote] = parse(json.dumps(only_today), url=REAL.url, fetched_at=REAL.fetched_at).items
    assert quote.prev_close == Decimal("479.200")
    [five_days] = parse(REAL.body, url=REAL.url, fetched_at=REAL.fetched_at).items
    assert five_days.prev_close == Decimal("479.200") != Decimal("475.200")  # chartPreviousClose ignored


def test_the_open_never_comes_from_a_closing_print_bar() -> None:
    alone = _with_closing_print(json.loads(REAL.body), drop_session_bar=True)
    [quote] = parse(alone, url=REAL.url, fetched_at=REAL.fetched_at).items
    assert (quote.open, quote.prev_close) == (None, Decimal("479.200"))
    beside = _with_closing_print(json.loads(REAL.body), drop_session_bar=False)
    [quote] = parse(beside, url=REAL.url, fetched_at=REAL.fetched_at).items
    assert quote.open == Decimal("479.000")


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
