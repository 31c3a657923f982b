"""Tranco ranks parser: recorded fixtures compared exactly, an empty answer is nothing, a broken one a ParseError."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from spiders.errors import ParseError
from spiders.items import TrafficSnapshot
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.tranco_traffic import parse
from spiders.validation import problems
from tests.fixture_cases import case_names, load_case

SOURCE = "tranco_traffic"
CASES = case_names(SOURCE)
URL = "https://tranco-list.eu/api/ranks/domain/chatgpt.com"
FETCHED_AT = datetime(2026, 10, 8, 6, 0, tzinfo=UTC)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) == {"chatgpt_com_38_days", "gemini_google_com_not_ranked"}


def _parse(body: Any, url: str = URL, fetched_at: datetime = FETCHED_AT, request: Request | None = None) -> ParseResult:
    return parse(json.dumps(body).encode(), url=url, fetched_at=fetched_at, request=request or Request())


def _snapshots(case_name: str) -> list[TrafficSnapshot]:
    case = load_case(SOURCE, case_name)
    items = parse(case.response_text.encode(), url=case.url, fetched_at=case.fetched_at, request=Request()).items
    return [item for item in items if isinstance(item, TrafficSnapshot)]


@pytest.mark.parametrize("case_name", CASES)
def test_every_snapshot_of_every_case_is_valid(case_name: str) -> None:
    assert all(problems(s) == [] for s in _snapshots(case_name))


def test_ranks_are_daily_oldest_first_with_no_visits() -> None:
    snapshots = _snapshots("chatgpt_com_38_days")
    assert len(snapshots) == 38
    assert (snapshots[0].period_start, snapshots[0].global_rank) == (date(2026, 8, 31), 77)
    assert (snapshots[-1].period_start, snapshots[-1].global_rank) == (date(2026, 10, 7), 87)
    assert {(s.granularity, s.visits, s.domain) for s in snapshots} == {("day", None, "chatgpt.com")}


def test_a_subdomain_or_unknown_host_is_not_ranked_and_yields_nothing() -> None:
    body = {"ranks": [], "domain": "gemini.google.com"}
    result = _parse(body, url="https://tranco-list.eu/api/ranks/domain/gemini.google.com")
    assert (result.items, result.expect_items) == ([], False)
    assert result.notes == ["gemini.google.com: not ranked by Tranco (subdomain or unknown host); nothing stored"]


def test_the_note_names_the_domain_as_the_spider_asked_for_it() -> None:
    body = {"ranks": [], "domain": "gemini.google.com"}
    url = "https://tranco-list.eu/api/ranks/domain/gemini.google.com"
    result = _parse(body, url=url, request=Request(meta={"domain": "Gemini.Google.com"}))
    assert result.notes == ["Gemini.Google.com: not ranked by Tranco (subdomain or unknown host); nothing stored"]


def test_a_repeated_day_keeps_the_newest_entry_and_rank_zero_is_not_a_rank() -> None:
    body = {
        "ranks": [
            {"date": "2026-10-07", "rank": 87},
            {"date": "2026-10-07", "rank": 90},
            {"date": "2026-10-06", "rank": 0},
        ],
        "domain": "chatgpt.com",
    }
    assert [(s.period_start, s.global_rank) for s in _parse(body).items if isinstance(s, TrafficSnapshot)] == [
        (date(2026, 10, 7), 87)
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "expected a JSON object"),
        ({"available": False}, "no ranks list"),
        ({"ranks": [{"date": "2026-10-07", "rank": 87}]}, "does not name its domain"),
        ({"ranks": [], "domain": "openai.com"}, "was asked for"),
        ({"ranks": ["87"], "domain": "chatgpt.com"}, "not an object"),
        ({"ranks": [{"date": "07/10/2026", "rank": 87}], "domain": "chatgpt.com"}, "not YYYY-MM-DD"),
        ({"ranks": [{"rank": 87}], "domain": "chatgpt.com"}, "not text"),
        ({"ranks": [{"date": "2026-10-07", "rank": "87"}], "domain": "chatgpt.com"}, "not an integer"),
        ({"ranks": [{"date": "2026-10-07", "rank": True}], "domain": "chatgpt.com"}, "not an integer"),
    ],
)
def test_an_answer_without_the_needed_shape_raises_parse_error(body: Any, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        _parse(body)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _parse({"ranks": [], "domain": "chatgpt.com"}, fetched_at=datetime(2026, 10, 8))  # noqa: DTZ001


def test_a_body_that_is_no_json_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="HTML instead of JSON"):
        parse(b"<html>429 Too Many Requests</html>", url=URL, fetched_at=FETCHED_AT)
