"""Eastmoney daily k-line parser: the real trimmed capture compared exactly, today's bar withheld, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from spiders.errors import ParseError
from spiders.parsers.eastmoney_klines import kline_url, parse
from tests.quotes_support import load_quote_case, quote_cases

SOURCE = "eastmoney_klines"
CASES = quote_cases(SOURCE)
REAL = load_quote_case(SOURCE, "day_trimmed")


def test_previous_close_chains_from_row_to_row() -> None:
    quotes = parse(REAL.body, url=REAL.url, fetched_at=REAL.fetched_at).items
    assert [q.prev_close for q in quotes[1:]] == [q.price for q in quotes[:-1]]
    assert [q.change_pct for q in quotes] == [Decimal("1.55"), Decimal("3.29"), Decimal("1.70")]


def test_the_days_bar_appears_once_the_market_has_closed() -> None:
    during = parse(REAL.body, url=REAL.url, fetched_at=datetime(2026, 3, 17, 6, 59, tzinfo=UTC)).items
    after = parse(REAL.body, url=REAL.url, fetched_at=datetime(2026, 3, 17, 7, 0, tzinfo=UTC)).items
    assert (len(during), len(after)) == (2, 3)


def test_request_asks_for_unadjusted_daily_rows_with_the_token() -> None:
    query = parse_qs(urlsplit(kline_url("https://push2his.eastmoney.com/x", "1.000300", days=10)).query)
    assert {k: v[0] for k, v in query.items() if k in ("secid", "klt", "fqt", "lmt")} == {
        "secid": "1.000300", "klt": "101", "fqt": "0", "lmt": "10",
    }  # fmt: skip


def _with(**data: object) -> str:
    body = json.loads(REAL.body)
    body["data"].update(data)
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty body"),
        ('{"rc":1,"data":null}', "rc=1"),
        (_with(code="600518"), "answer is for"),
        (_with(klines="none"), "klines"),
        (_with(klines=[1]), "not text"),
        (_with(klines=["2026-03-13,1,2"]), "fields"),
        (_with(klines=["13/03/2026,1,2,3,4,5,6,7,8,9,10"]), "not a day"),
        (_with(klines=["2026-03-13,1,x,3,4,5,6,7,8,9,10"]), "not a number"),
    ],
)
def test_a_broken_answer_is_a_parse_error(body: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, url=REAL.url, fetched_at=REAL.fetched_at)
