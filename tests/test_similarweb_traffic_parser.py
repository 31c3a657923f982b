"""SimilarWeb extension-endpoint parser: recorded fixtures compared exactly, plus each quirk of the payload."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.items import TrafficSnapshot
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.similarweb_traffic import block_marker, parse
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "similarweb_traffic"
CASES = case_names(SOURCE)
SNAPSHOT_CASES = [c for c in CASES if isinstance(load_case(SOURCE, c).expected, list)]
URL = "https://data.similarweb.com/api/v1/data?domain=wrtn.ai"
FETCHED_AT = datetime(2024, 10, 15, tzinfo=UTC)


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text.encode(), url=case.url, fetched_at=case.fetched_at, request=Request())


def parse_decoded(data: object, *, url: str, fetched_at: datetime) -> ParseResult:
    """The parser fed a payload built in the test (encoded as the endpoint would send it)."""
    return parse(json.dumps(data).encode(), url=url, fetched_at=fetched_at, request=Request())


def _snapshots(page: ParseResult) -> list[TrafficSnapshot]:
    return [item for item in page.items if isinstance(item, TrafficSnapshot)]


def _data_month(page: ParseResult) -> date:
    """The month the engagement numbers describe: the last snapshot, the only one carrying them."""
    current = _snapshots(page)[-1]
    assert current.avg_visit_duration_s is not None or current.global_rank is not None
    return current.period_start


def _wrtn(**changes: Any) -> dict[str, Any]:
    """The real wrtn.ai 2024-09 payload with top-level keys replaced (None removes a key)."""
    data: dict[str, Any] = copy.deepcopy(load_case(SOURCE, "wrtn_ai_2024_09").response_json())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _engagement(**changes: str) -> dict[str, str]:
    engagement: dict[str, str] = dict(_wrtn()["Engagments"])
    engagement.update(changes)
    return engagement


def _months(page: ParseResult) -> list[tuple[str, int | None]]:
    return [(s.period_start.isoformat(), s.visits) for s in _snapshots(page)]


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) == {
        "apify_reshaped_google_com_2026_01",
        "att_com_2020_01",
        "cloudfront_block_page",
        "google_com_2024_09",
        "unknown_domain_no_data",
        "unknown_domain_zero_values",
        "wrtn_ai_2024_09",
        "wrtn_ai_2024_09_revised",
        "zero_month_in_history",
    }


@pytest.mark.parametrize("case_name", SNAPSHOT_CASES)
def test_every_snapshot_has_no_validation_problems(case_name: str) -> None:
    for snapshot in _snapshots(_parse(load_case(SOURCE, case_name))):
        assert problems(snapshot) == []


def test_2020_shape_reads_zero_padded_month_and_scientific_notation_visits() -> None:
    page = _parse(load_case(SOURCE, "att_com_2020_01"))
    current = _snapshots(page)[-1]
    assert _data_month(page) == date(2020, 1, 1)
    assert (current.period_start, current.visits, current.global_rank) == (date(2020, 1, 1), 97569418, 329)
    assert current.avg_visit_duration_s == Decimal("221.5620802830074")  # seconds: 3:42 as m:ss
    assert len(page.items) == 6


def test_the_data_month_comes_from_snapshot_date_not_the_fetch_time() -> None:
    late = datetime(2024, 12, 31, 23, 0, tzinfo=UTC)
    page = parse_decoded(_wrtn(), url=URL, fetched_at=late)
    assert _data_month(page) == date(2024, 9, 1)
    assert all(s.observed_at == late for s in _snapshots(page))


def test_only_the_data_month_carries_engagement_and_rank() -> None:
    page = parse_decoded(_wrtn(), url=URL, fetched_at=FETCHED_AT)
    *history, current = _snapshots(page)
    assert all(
        (s.avg_visit_duration_s, s.pages_per_visit, s.bounce_rate, s.global_rank) == (None, None, None, None)
        for s in history
    )
    assert (current.pages_per_visit, current.bounce_rate, current.global_rank) == (
        Decimal("5.188952923887176"), Decimal("0.30651070313756"), 18088,
    )  # fmt: skip
    assert {s.granularity for s in _snapshots(page)} == {"month"}


def test_engagments_visits_win_over_a_stale_history_entry_of_the_same_month() -> None:
    history = {"2024-07-01": 2921594, "2024-08-01": 2511112, "2024-09-01": 1}
    page = parse_decoded(_wrtn(EstimatedMonthlyVisits=history), url=URL, fetched_at=FETCHED_AT)
    assert _months(page)[-1] == ("2024-09-01", 3254665)


def test_history_fills_in_the_data_month_when_engagments_has_no_visits() -> None:
    page = parse_decoded(_wrtn(Engagments=_engagement(Visits="0")), url=URL, fetched_at=FETCHED_AT)
    current = _snapshots(page)[-1]
    assert (current.visits, current.avg_visit_duration_s) == (3254665, Decimal("324.233034230767"))


def test_a_zero_month_in_the_history_is_left_out_not_a_drop_to_zero() -> None:
    history = {"2024-07-01": 2921594, "2024-08-01": 0, "2024-09-01": 3254665}
    page = parse_decoded(_wrtn(EstimatedMonthlyVisits=history), url=URL, fetched_at=FETCHED_AT)
    assert _months(page) == [("2024-07-01", 2921594), ("2024-09-01", 3254665)]


def test_numbers_as_text_are_read_including_exponents() -> None:
    engagement = _engagement(Visits="3.254665E6", TimeOnSite="324.5", PagePerVisit="5", BounceRate="3.0E-1")
    history = {"2024-07-01": "2921594", "2024-08-01": "2.511112e6"}
    data = _wrtn(Engagments=engagement, EstimatedMonthlyVisits=history, GlobalRank={"Rank": "18088"})
    page = parse_decoded(data, url=URL, fetched_at=FETCHED_AT)
    assert _months(page) == [("2024-07-01", 2921594), ("2024-08-01", 2511112), ("2024-09-01", 3254665)]
    current = _snapshots(page)[-1]
    assert (current.avg_visit_duration_s, current.pages_per_visit, current.bounce_rate, current.global_rank) == (
        Decimal("324.5"), Decimal("5"), Decimal("0.30"), 18088,
    )  # fmt: skip


@pytest.mark.parametrize("month", ["9", "09"])
def test_month_with_or_without_zero_padding_is_the_same_month(month: str) -> None:
    data = _wrtn(SnapshotDate=None, Engagments=_engagement(Month=month))
    assert _data_month(parse_decoded(data, url=URL, fetched_at=FETCHED_AT)) == date(2024, 9, 1)


def test_snapshot_date_and_engagments_month_must_agree() -> None:
    with pytest.raises(ParseError, match="differs"):
        parse_decoded(_wrtn(Engagments=_engagement(Month="8")), url=URL, fetched_at=FETCHED_AT)


@pytest.mark.parametrize(
    "changes",
    [
        {"Engagments": None, "EstimatedMonthlyVisits": None},
        {"Engagments": {}, "EstimatedMonthlyVisits": {}},
        {"Engagments": {"Visits": "", "TimeOnSite": ""}, "EstimatedMonthlyVisits": {"2024-09-01": 0}},
        {"Engagments": _engagement(Visits="0", TimeOnSite="0", PagePerVisit="0", BounceRate="0"),
         "EstimatedMonthlyVisits": {"2024-07-01": 0, "2024-08-01": 0, "2024-09-01": 0}},
    ],
)  # fmt: skip
def test_an_answer_without_data_yields_nothing_never_zeros(changes: dict[str, Any]) -> None:
    data = _wrtn()
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    page = parse_decoded(data, url=URL, fetched_at=FETCHED_AT)
    assert (page.items, page.expect_items) == ([], False)
    assert page.notes[-1] == "wrtn.ai: SimilarWeb has no data for it; nothing stored"


def test_is_small_is_reported_as_a_note() -> None:
    page = parse_decoded(_wrtn(IsSmall=True), url=URL, fetched_at=FETCHED_AT)
    assert page.notes == ["wrtn.ai: IsSmall: SimilarWeb marks these numbers as a sparse-data estimate (low confidence)"]
    assert parse_decoded(_wrtn(), url=URL, fetched_at=FETCHED_AT).notes == []


def test_site_name_is_compared_without_case_or_www() -> None:
    page = parse_decoded(_wrtn(SiteName="WWW.Wrtn.AI"), url=URL, fetched_at=FETCHED_AT)
    assert {s.domain for s in _snapshots(page)} == {"wrtn.ai"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "expected a JSON object"),
        ({"description": "OK", "status": 200, "data": {"SiteName": "wrtn.ai"}}, "reseller's wrapper"),
        (_wrtn(SiteName=None), "no SiteName"),
        (_wrtn(SiteName="openai.com"), "not the requested domain"),
        (_wrtn(Engagments="n/a"), "not an object"),
        (_wrtn(Engagments=_engagement(Visits="lots")), "not a number"),
        (_wrtn(Engagments=_engagement(TimeOnSite="-5")), "non-negative"),
        (_wrtn(Engagments=_engagement(Visits="NaN")), "is not a number"),
        (_wrtn(Engagments=_engagement(Visits=True)), "not a number"),  # type: ignore[arg-type]
        (_wrtn(EstimatedMonthlyVisits=[{"date": "2024-09-01", "visits": 1}]), "reshaped"),
        (_wrtn(EstimatedMonthlyVisits={"Sept 2024": 1}), "not a YYYY-MM-DD date"),
        (_wrtn(EstimatedMonthlyVisits={"2024-09-15": 1}), "first of a month"),
        (_wrtn(SnapshotDate="last month"), "not ISO 8601"),
        (_wrtn(SnapshotDate=None, Engagments=_engagement(Month="13")), "not a month"),
        (_wrtn(SnapshotDate=None, Engagments={"Visits": "5"}), "which month"),
        (_wrtn(GlobalRank=18088), "GlobalRank"),
    ],
)  # fmt: skip
def test_a_payload_without_the_needed_shape_raises_parse_error(body: object, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_decoded(body, url=URL, fetched_at=FETCHED_AT)


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "empty body"), (b"<html><body>Service Unavailable</body></html>", "HTML instead of JSON"),
     (b'{"SiteName": "wrtn.ai", "Eng', "malformed JSON")],
)  # fmt: skip
def test_a_body_that_is_not_json_raises_parse_error(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, url=URL, fetched_at=FETCHED_AT)


def test_cloudfront_block_page_raises_blocked_error_even_with_http_200() -> None:
    html = load_case(SOURCE, "cloudfront_block_page").response_text
    with pytest.raises(BlockedError, match="CloudFront block page"):
        parse(html.encode(), url=URL, fetched_at=FETCHED_AT)


@pytest.mark.parametrize(
    ("headers", "body", "marker"),
    [
        ({"server": "CloudFront"}, b"", "server: CloudFront"),
        ({"x-cache": "Error from cloudfront"}, b"", "x-cache: Error from cloudfront"),
        ({"x-amz-cf-pop": "FRA56-P1", "x-amz-cf-id": "abc=="}, b"", "x-amz-cf-id header"),
        ({}, b"Request blocked. The request could not be satisfied.", "body says 'request blocked'"),
        ({"server": "nginx"}, b"Forbidden", None),
    ],
)  # fmt: skip
def test_block_marker_tells_a_cloudfront_block_from_a_plain_403(
    headers: dict[str, str], body: bytes, marker: str | None
) -> None:
    assert block_marker(headers, body) == marker


def test_reshaped_reseller_payload_is_refused_not_guessed() -> None:
    with pytest.raises(ParseError, match="reshaped"):
        _parse(load_case(SOURCE, "apify_reshaped_google_com_2026_01"))


def test_the_requested_domain_must_be_in_the_url() -> None:
    with pytest.raises(ValueError, match="no domain= query"):
        parse_decoded(_wrtn(), url="https://data.similarweb.com/api/v1/data", fetched_at=FETCHED_AT)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_decoded(_wrtn(), url=URL, fetched_at=datetime(2024, 10, 15))  # noqa: DTZ001


def test_expected_files_are_plain_json_lists_or_a_raises_marker() -> None:
    for case_name in CASES:
        expected = load_case(SOURCE, case_name).expected
        assert isinstance(expected, list) or set(expected) == {"raises"}, json.dumps(expected)[:80]
