"""SimilarWeb REST API parser (constructed fixtures from the documented format) and the weekly combination."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.parsers.contract import Request
from spiders.parsers.similarweb_api_traffic import (
    DURATIONS,
    VISITS,
    ApiSeries,
    build_snapshots,
    error_message,
    parse,
    parse_metric,
    public_url,
)
from spiders.sources.similarweb_api_traffic import default_months
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case, offers_to_json

SOURCE = "similarweb_api_traffic"
CASES = case_names(SOURCE)
ERRORS = {"ParseError": ParseError, "BlockedError": BlockedError}
VISITS_URL = (
    "https://api.similarweb.com/v1/website/chatgpt.com/total-traffic-and-engagement/visits"
    "?country=world&granularity=weekly&main_domain_only=false&format=json"
)
FETCHED_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def _metric(case: Case) -> str:
    return "average_visit_duration" if "average-visit-duration" in case.url else "visits"


def _series_json(series: ApiSeries) -> dict[str, Any]:
    return {
        "domain": series.domain,
        "granularity": series.granularity,
        "last_updated": series.last_updated.isoformat() if series.last_updated else None,
        "points": {day.isoformat(): str(value) for day, value in series.points.items()},
    }


def _answer(metric: str = "visits", entries: list[Any] | None = None, **meta: Any) -> dict[str, Any]:
    request = {"granularity": "Weekly", "domain": "chatgpt.com", "country": "world", "format": "json"}
    envelope: dict[str, Any] = {"meta": {"request": request, "status": "Success", "last_updated": "2026-11-24"}}
    envelope["meta"].update(meta)
    if entries is not None:
        envelope[metric] = entries
    return envelope


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) == {
        "error_data_not_found",
        "error_invalid_api_key",
        "monthly_visits_razorpay_in_real",
        "monthly_visits_zero_month",
        "weekly_duration_chatgpt_com",
        "weekly_visits_chatgpt_com",
    }


# expected.json of this source holds the metric's series ({domain, granularity, last_updated, points}), not items:
# the generic fixture runner checks only the raising case; the series are compared here.
def _parse_case(case: Case, request: Request, url: str | None = None) -> Any:
    return parse(case.response_text.encode(), url=url or case.url, fetched_at=FETCHED_AT, request=request)


def test_visits_ask_for_the_durations_with_the_visits_series_in_the_follow_up() -> None:
    case = load_case(SOURCE, "weekly_visits_chatgpt_com")
    keyed = case.url + "&api_key=secret"
    result = _parse_case(case, Request(step=VISITS, meta={"index": 0}), url=keyed)
    [follow] = result.follow
    assert (result.items, result.expect_items, follow.step) == ([], False, DURATIONS)
    assert follow.url == keyed.replace("/visits?", "/average-visit-duration?")
    assert dict(follow.meta) == {
        "index": 0,
        "visits": case.expected["follow"][0]["meta"]["visits"],
        "visits_url": case.url,
    }


def test_the_durations_answer_gives_the_snapshots_under_the_visits_url_without_the_key() -> None:
    visits_case, durations_case = (
        load_case(SOURCE, "weekly_visits_chatgpt_com"),
        load_case(SOURCE, "weekly_duration_chatgpt_com"),
    )
    meta = durations_case.meta["request"]["meta"]
    result = _parse_case(durations_case, Request(step=DURATIONS, meta=meta), url=durations_case.url + "&api_key=k")
    visits = parse_metric(visits_case.response_json(), metric="visits", url=visits_case.url)
    durations = parse_metric(durations_case.response_json(), metric="average_visit_duration", url=durations_case.url)
    assert result.items == build_snapshots(visits, durations, url=visits_case.url, fetched_at=FETCHED_AT)
    assert result.follow == []


def test_a_domain_without_visits_is_a_note_and_no_durations_request() -> None:
    result = _parse_case(load_case(SOURCE, "error_data_not_found"), Request(step=VISITS))
    assert (result.items, result.follow, result.expect_items) == ([], [], False)
    assert result.notes == ["unknown-ai-app.example: SimilarWeb has no weekly visits for it; nothing stored"]


def test_the_api_key_is_cut_from_urls() -> None:
    assert public_url(VISITS_URL + "&api_key=abc") == VISITS_URL
    assert public_url("https://x.test/v1/website/a.com/m?api_key=abc&format=json") == (
        "https://x.test/v1/website/a.com/m?format=json"
    )


def test_weekly_visits_and_durations_combine_into_one_snapshot_per_week() -> None:
    visits_case, durations_case = (
        load_case(SOURCE, "weekly_visits_chatgpt_com"),
        load_case(SOURCE, "weekly_duration_chatgpt_com"),
    )
    visits = parse_metric(visits_case.response_json(), metric="visits", url=visits_case.url)
    durations = parse_metric(durations_case.response_json(), metric="average_visit_duration", url=durations_case.url)
    snapshots = build_snapshots(visits, durations, url=visits_case.url, fetched_at=FETCHED_AT)
    common = {"source": SOURCE, "url": visits_case.url, "observed_at": "2026-11-25T06:00:00+00:00",
              "domain": "chatgpt.com", "granularity": "week", "pages_per_visit": None, "bounce_rate": None,
              "global_rank": None}  # fmt: skip
    assert offers_to_json(snapshots) == [
        {**common, "period_start": "2026-10-25", "visits": 1312456789, "avg_visit_duration_s": "388.2351028831"},
        {**common, "period_start": "2026-11-01", "visits": 1356098231, "avg_visit_duration_s": "401.7012365"},
        # 1401187004.5 rounds half to even; the week's 0.0 duration is missing, not a 100 % drop
        {**common, "period_start": "2026-11-08", "visits": 1401187004, "avg_visit_duration_s": None},
        {**common, "period_start": "2026-11-15", "visits": 1387220519, "avg_visit_duration_s": "395.4999"},
    ]
    assert all(problems(s) == [] for s in snapshots)


def test_a_period_present_in_one_series_only_keeps_that_measure() -> None:
    visits = ApiSeries("kimi.com", "day", {date(2026, 11, 1): Decimal("1000.4")})
    durations = ApiSeries("kimi.com", "day", {date(2026, 11, 2): Decimal("300")})
    snapshots = build_snapshots(visits, durations, url="u", fetched_at=FETCHED_AT)
    assert [(s.period_start.day, s.visits, s.avg_visit_duration_s) for s in snapshots] == [
        (1, 1000, None),
        (2, None, Decimal("300")),
    ]


def test_series_of_different_domains_or_granularities_are_not_combined() -> None:
    with pytest.raises(ParseError, match="cannot combine"):
        build_snapshots(ApiSeries("a.com", "week", {}), ApiSeries("a.com", "day", {}), url="u", fetched_at=FETCHED_AT)


@pytest.mark.parametrize(("name", "expected"), [("Weekly", "week"), ("daily", "day"), ("Monthly", "month")])
def test_granularity_is_read_whatever_its_case(name: str, expected: str) -> None:
    answer = _answer(entries=[{"date": "2026-11-01", "visits": 5.0}])
    answer["meta"]["request"]["granularity"] = name
    assert parse_metric(answer, metric="visits", url=VISITS_URL).granularity == expected


def test_granularity_falls_back_to_the_url_when_the_answer_does_not_echo_it() -> None:
    answer = _answer(entries=[])
    del answer["meta"]["request"]["granularity"]
    assert parse_metric(answer, metric="visits", url=VISITS_URL).granularity == "week"


@pytest.mark.parametrize(
    ("message", "code"),
    [("Invalid API key", 403), ("User has no permission", 200), ("Out of hits", 429), ("Unauthorized", 401)],
)
def test_a_refused_key_or_plan_is_a_block(message: str, code: int) -> None:
    answer = _answer(status="Error", error_code=code, error_message=message)
    with pytest.raises(BlockedError, match=message):
        parse_metric(answer, metric="visits", url=VISITS_URL)


def test_other_errors_are_parse_errors_with_the_message() -> None:
    answer = _answer(status="Error", error_code=400, error_message="Date range is not valid")
    with pytest.raises(ParseError, match="Date range is not valid"):
        parse_metric(answer, metric="visits", url=VISITS_URL)


def test_error_message_reads_the_envelope_only() -> None:
    assert error_message(_answer(status="Error", error_message="Data not found")) == "Data not found"
    assert error_message({"error": "x"}) is None
    assert error_message(None) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "expected a JSON object"),
        ({"visits": []}, "no meta"),
        (_answer(), "no visits list"),
        (_answer(entries=["5"]), "not an object"),
        (_answer(entries=[{"date": "Nov 1", "visits": 5}]), "not YYYY-MM-DD"),
        (_answer(entries=[{"date": "2026-11-01", "visits": "many"}]), "not a number"),
        (_answer(entries=[{"date": "2026-11-01", "visits": -5}]), "non-negative"),
        (_answer(entries=[{"date": "2026-11-01", "visits": True}]), "not a number"),
        ({"meta": {"request": {"granularity": "hourly"}, "status": "Success"}, "visits": []}, "unknown granularity"),
        ({**_answer(entries=[]), "meta": {"request": {"domain": "openai.com", "granularity": "weekly"},
                                          "status": "Success"}}, "not the requested"),
    ],
)  # fmt: skip
def test_an_answer_without_the_needed_shape_raises_parse_error(body: object, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_metric(body, metric="visits", url=VISITS_URL)


def test_unknown_metric_and_url_without_domain_are_caller_errors() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        parse_metric(_answer(entries=[]), metric="bounce_rate", url=VISITS_URL)
    with pytest.raises(ValueError, match="/website/<domain>/"):
        parse_metric(_answer(entries=[]), metric="visits", url="https://api.similarweb.com/v1/other")


@pytest.mark.parametrize(
    ("today", "months"),
    [
        (date(2026, 11, 12), ("2026-08", "2026-10")),
        (date(2026, 11, 9), ("2026-07", "2026-09")),
        (date(2026, 1, 20), ("2025-10", "2025-12")),
        (date(2026, 2, 3), ("2025-10", "2025-12")),
    ],
)
def test_default_months_are_the_last_three_published(today: date, months: tuple[str, str]) -> None:
    assert default_months(today) == months
