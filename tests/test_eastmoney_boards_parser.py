"""Eastmoney clist board-constituent parser: constructed pages compared exactly, both number encodings, bad bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from spiders.errors import ParseError
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.eastmoney_boards import DEFAULT_ENDPOINT, board_of, board_url, parse
from tests.fixture_cases import offers_to_json
from tests.quotes_support import QuoteCase, load_quote_case, quote_cases

SOURCE = "eastmoney_boards"
CASES = quote_cases(SOURCE)
PAGE1 = load_quote_case(SOURCE, "bk0800_page1_constructed")


def _parse(case: QuoteCase) -> ParseResult:
    request = Request(meta=case.meta.get("request", {}).get("meta", {}))
    return parse(case.body, url=case.url, fetched_at=case.fetched_at, request=request)


def _page_json(url: str, page: ParseResult) -> dict[str, Any]:
    """A parsed page in the shape of expected.json: board and page asked for, the board's total, the quotes."""
    board = board_of(url)
    number = int(parse_qs(urlsplit(url).query)["pn"][0])
    total = page.details.get("board_totals", {}).get(board)
    return {"board": board, "page": number, "total": total, "quotes": offers_to_json(page.items)}


# expected.json of this source holds {board, page, total, quotes}: the generic fixture runner compares `quotes`
# with the items; board, page and total are compared here.
def test_a_page_short_of_the_total_asks_for_the_next_carrying_the_members() -> None:
    page = _parse(PAGE1)
    members = [q.symbol for q in page.items]
    [follow] = page.follow
    assert follow.url == PAGE1.url.replace("pn=1", "pn=2")
    assert dict(follow.meta) == {"members": members, "total": 5, "max_pages": 20}
    assert page.details["boards"] == {"BK0800": members}
    last = _parse(load_quote_case(SOURCE, "bk0800_page2_constructed"))
    assert (last.follow, last.notes) == ([], [])
    assert len(last.details["boards"]["BK0800"]) == 5


def test_more_pages_than_max_pages_is_refused_instead_of_truncated() -> None:
    with pytest.raises(ParseError, match="BK0800 has 5 members: 2 pages of 3 is more than max_pages=1"):
        parse(PAGE1.body, url=PAGE1.url, fetched_at=PAGE1.fetched_at, request=Request(meta={"max_pages": 1}))


def test_an_unknown_board_and_a_list_that_ends_early_are_notes() -> None:
    unknown = parse(b'{"rc":0,"data":null}', url=PAGE1.url, fetched_at=PAGE1.fetched_at)
    assert (unknown.items, unknown.details) == ([], {"unknown_boards": ["BK0800"]})
    assert unknown.notes == ["BK0800: unknown to eastmoney_boards (the answer has no data)"]
    page2 = PAGE1.url.replace("pn=1", "pn=2")
    ended = parse(b'{"rc":0,"data":null}', url=page2, fetched_at=PAGE1.fetched_at,
                  request=Request(meta={"members": ["002230.SZ"], "total": 5}))  # fmt: skip
    assert ended.notes == ["BK0800: the list ended after 1 of 5 members"]


def test_suspended_member_is_halted_with_its_last_close_and_no_change() -> None:
    case = load_quote_case(SOURCE, "bk0800_page2_constructed")
    suspended = parse(case.body, url=case.url, fetched_at=case.fetched_at).items[-1]
    assert (suspended.symbol, suspended.status, suspended.price, suspended.prev_close) == (
        "830799.BJ", "halted", None, Decimal("33.8"),
    )  # fmt: skip
    assert (suspended.change, suspended.change_pct, suspended.volume) == (None, None, None)


def test_scaled_integers_and_floats_give_the_same_numbers() -> None:
    scaled = load_quote_case(SOURCE, "scaled_integers_in_session_constructed")
    iflytek_scaled = parse(scaled.body, url=scaled.url, fetched_at=scaled.fetched_at).items[0]
    iflytek_floats = parse(PAGE1.body, url=PAGE1.url, fetched_at=PAGE1.fetched_at).items[0]
    for name in ("price", "prev_close", "open", "high", "low", "change", "change_pct", "pe_ttm"):
        assert getattr(iflytek_scaled, name) == getattr(iflytek_floats, name), name
    assert (iflytek_scaled.status, iflytek_floats.status) == ("trading", "closed")


def test_request_pages_a_board_by_code_with_the_token_and_each_field_once() -> None:
    url = board_url("https://push2.eastmoney.com/api/qt/clist/get", "BK0800", page=2, page_size=100)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert {k: query[k] for k in ("fs", "pn", "pz", "po", "np", "fid", "fltt")} == {
        "fs": "b:BK0800 f:!50", "pn": "2", "pz": "100", "po": "0", "np": "1", "fid": "f12", "fltt": "2",
    }  # fmt: skip
    fields = query["fields"].split(",")
    assert len(fields) == len(set(fields)) and {"f12", "f13", "f14", "f124", "f152"} <= set(fields)
    assert query["ut"] and board_of(url) == "BK0800"
    assert "fltt" not in board_url(DEFAULT_ENDPOINT, "BK0800", page=1, fltt2=False)


@pytest.mark.parametrize(
    ("board", "page_size"), [("BK0800", 101), ("BK0800", 0), ("bk0800", 100), ("0800", 100), ("BK08000", 100)]
)
def test_request_refuses_a_bad_board_or_a_page_over_the_cap(board: str, page_size: int) -> None:
    with pytest.raises(ValueError):
        board_url(DEFAULT_ENDPOINT, board, page=1, page_size=page_size)


def _with(rows: Any = None, **data: Any) -> str:
    body = json.loads(PAGE1.body)
    if rows is not None:
        body["data"]["diff"] = rows
    body["data"].update(data)
    return json.dumps(body, ensure_ascii=False)


def _row(**values: Any) -> list[dict[str, Any]]:
    row = dict(json.loads(PAGE1.body)["data"]["diff"][0])
    row.update(values)
    return [{k: v for k, v in row.items() if v is not None}]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty body"),
        ("<html><body>502 Bad Gateway</body></html>", "HTML instead of JSON"),
        ('{"rc":0,"data":', "malformed JSON"),
        ("[1, 2]", "JSON object"),
        ('{"rc":102,"data":null}', "rc=102"),
        ('{"rc":0,"data":[1]}', "not an object"),
        (_with(total=None), "member count"),
        (_with(total=True), "member count"),
        (_with(rows="none"), "not a list"),
        (_with(rows={"a": {}}), "row numbers"),
        (_with(rows=[1]), "not an object"),
        (_with(rows=_row(f12=None)), "code"),
        (_with(rows=_row(f13="0")), "market"),
        (_with(rows=_row(f14=" ")), "name"),
        (_with(rows=_row(f124="-")), "quote time"),
        (_with(rows=_row(f13=90)), "not mapped"),
        (_with(rows=_row(f2="x")), "not a number"),
        (_with(rows=_row(f2=True)), "boolean"),
    ],
)
def test_a_broken_answer_is_a_parse_error(body: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, url=PAGE1.url, fetched_at=PAGE1.fetched_at)


def test_a_bad_decimals_field_is_a_parse_error_for_scaled_integers() -> None:
    scaled = load_quote_case(SOURCE, "scaled_integers_in_session_constructed")
    body = json.loads(scaled.body)
    body["data"]["diff"][0]["f152"] = "-"
    with pytest.raises(ParseError, match="f152"):
        parse(json.dumps(body), url=scaled.url, fetched_at=scaled.fetched_at)


def test_a_request_without_a_board_filter_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="board"):
        parse(PAGE1.body, url=DEFAULT_ENDPOINT + "?fs=m:90+t:3&pn=1", fetched_at=PAGE1.fetched_at)


def test_an_empty_page_is_an_honest_empty_list() -> None:
    page = parse(_with(rows=[]), url=PAGE1.url, fetched_at=PAGE1.fetched_at)
    assert (page.details["board_totals"], page.items) == ({"BK0800": 5}, [])


def test_fetched_at_must_be_aware() -> None:
    with pytest.raises(ValueError):
        parse(PAGE1.body, url=PAGE1.url, fetched_at=PAGE1.fetched_at.replace(tzinfo=None))
