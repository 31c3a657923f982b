"""The five funding-news parsers: recorded fixtures compared exactly, plus bad feeds (encoding, dates, duplicates)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.parsers import crunchbase_funding, googlenews_funding, kr36_funding, pedaily_funding, techcrunch_funding
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.funding_common import canonical_url, parse_local_time, read_feed
from spiders.validation import problems
from tests.fixture_cases import FIXTURES_DIR, case_names, load_case

SOURCES = ("techcrunch_funding", "crunchbase_funding", "googlenews_funding", "kr36_funding", "pedaily_funding")
CASES = [(source, case) for source in SOURCES for case in case_names(source)]
FETCHED_AT = datetime(2026, 6, 1, 4, 10, tzinfo=UTC)
PARSERS = {
    "techcrunch_funding": techcrunch_funding.parse,
    "crunchbase_funding": crunchbase_funding.parse,
    "googlenews_funding": googlenews_funding.parse,
    "kr36_funding": kr36_funding.parse,
    "pedaily_funding": pedaily_funding.parse,
}
GATEWAY = Request(step=kr36_funding.GATEWAY)


def _page(source: str, name: str) -> ParseResult:
    case = load_case(source, name)
    body = next((FIXTURES_DIR / source / name).glob("response.*")).read_bytes()
    request = Request(step=case.meta.get("request", {}).get("step"))
    return PARSERS[source](body, url=case.url, fetched_at=case.fetched_at, request=request)


def _gateway_page(data: object) -> ParseResult:
    return kr36_funding.parse(json.dumps(data).encode(), url="u", fetched_at=FETCHED_AT, request=GATEWAY)


def _feed_page(body: bytes, url: str = "https://36kr.com/feed") -> ParseResult:
    return kr36_funding.parse(body, url=url, fetched_at=FETCHED_AT, request=Request())


@pytest.mark.parametrize(("source", "name"), CASES, ids=[f"{s}/{c}" for s, c in CASES])
def test_every_round_of_every_case_is_valid(source: str, name: str) -> None:
    if isinstance(load_case(source, name).expected, list):
        assert all(problems(item) == [] for item in _page(source, name).items)


def test_every_source_has_a_real_or_constructed_case_of_each_kind() -> None:
    for source in SOURCES:
        metas = [load_case(source, name).meta for name in case_names(source)]
        assert all({"url", "fetched_at", "origin"} <= set(meta) for meta in metas)
        assert any(
            isinstance(load_case(source, n).expected, list) and load_case(source, n).expected
            for n in case_names(source)
        ), f"{source} has no case with rounds"
    assert all(
        load_case(s, n).meta.get("constructed")
        for s in ("pedaily_funding", "crunchbase_funding")
        for n in case_names(s)
    )


def test_duplicate_guids_and_undated_items_are_skipped_with_reasons() -> None:
    page = _page("techcrunch_funding", "ai_feed_duplicates_and_undated")
    body = (FIXTURES_DIR / "techcrunch_funding" / "ai_feed_duplicates_and_undated" / "response.xml").read_bytes()
    assert len(read_feed(body, url="u")) == 4
    assert not page.expect_items  # entries were listed: no funding news among them would be a correct answer
    assert page.skipped == [
        "'Clockwork raises $21M to keep server clocks in sync': no publication date",
        "'Sakana AI raises $135M Series B at a $2.65B valuation to con': duplicate guid "
        "https://techcrunch.com/?p=3060001, read once",
    ]


def test_a_list_item_without_its_title_link_is_skipped_not_fatal() -> None:
    page = _page("pedaily_funding", "vcpeevent_list")
    assert (page.expect_items, page.skipped) == (False, ["li.h-news[3]: no title link"])
    assert _page("pedaily_funding", "relative_date_labels").skipped == [
        "'「极佳视界」完成首轮融资': no publication date"
    ]


def test_the_gateway_and_the_feed_name_the_same_newsflash_by_the_same_url() -> None:
    gateway = {r.url for r in _page("kr36_funding", "gateway_funding_items").items}
    feed = {r.url for r in _page("kr36_funding", "article_feed_funding").items}
    assert gateway <= feed  # ?f=rss dropped: one id for the RSS and the gateway copy (funding.md §3)


def _rss(items: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


ITEM = (
    "<item><title>「星海图」获3000万美元B轮融资</title><link>https://36kr.com/p/1?f=rss</link>"
    "<pubDate>2026-06-01 11:00:00  +0800</pubDate></item>"
)


def test_gbk_bytes_declared_utf8_are_read_as_gb18030_and_noted() -> None:
    body = _rss(ITEM).encode("gbk")
    page = _feed_page(body)
    assert [r.company for r in page.items] == ["星海图"]
    assert page.skipped == ["feed declared utf-8 but is not; read as GB18030"]


def test_utf8_bytes_declared_gb2312_are_read_as_utf8_and_noted() -> None:
    body = _rss(ITEM, '<?xml version="1.0" encoding="gb2312"?>').encode("utf-8")
    page = _feed_page(body)
    assert [r.company for r in page.items] == ["星海图"]
    assert page.skipped == ["feed declared gb2312 but is UTF-8; read as UTF-8"]


def test_bytes_that_no_encoding_reads_are_a_parse_error() -> None:
    body = _rss(ITEM).encode("utf-8")[:-60] + b"\xff\xfe\xfd\xfc" + _rss(ITEM).encode("utf-8")[-60:]
    with pytest.raises(ParseError):
        _feed_page(body, url="u")


def test_a_feed_with_no_items_is_an_honest_empty_answer() -> None:
    page = techcrunch_funding.parse(_rss("").encode(), url="u", fetched_at=FETCHED_AT)
    assert (page.items, page.skipped) == ([], [])
    assert page.expect_items  # nothing listed at all: the run fails with the reason below
    assert page.empty_reason == "no item in the feed"


def test_a_google_search_that_finds_nothing_is_a_note_not_a_failure() -> None:
    url = "https://news.google.com/rss/search?q=x"
    page = googlenews_funding.parse(_rss("").encode(), url=url, fetched_at=FETCHED_AT)
    assert (page.items, page.expect_items) == ([], False)
    assert page.notes == [f"no item in {url}"]


def test_an_empty_gateway_list_fails_and_a_captcha_instead_of_its_json_is_a_block() -> None:
    page = _gateway_page(_gateway([]))
    assert (page.items, page.expect_items, page.empty_reason) == ([], True, "no newsflash in the gateway answer")
    with pytest.raises(BlockedError):
        kr36_funding.parse("<html>请完成验证 captcha</html>".encode(), url="u", fetched_at=FETCHED_AT,
                           request=GATEWAY)  # fmt: skip


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", ParseError),
        (b"<html><body>Service unavailable</body></html>", ParseError),
        (b'{"items": []}', ParseError),
        (b"<!DOCTYPE html><html><body><p>Please complete the captcha</p></body></html>", BlockedError),
        (_rss("<item><title>a &nbsp; b</title></item>").encode(), ParseError),
        (b"<rss version='2.0'><channel><item><title>cut", ParseError),
    ],
)
def test_a_body_that_is_no_feed_raises(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_feed(body, url="u")


def test_an_article_about_captchas_inside_a_real_feed_is_data_not_a_block() -> None:
    item = "<item><title>Acme raises $5M to replace captchas</title><link>https://x.test/a</link></item>"
    assert [e.title for e in read_feed(_rss(item).encode(), url="u")] == ["Acme raises $5M to replace captchas"]


def _gateway(items: list[dict[str, Any]], code: int = 0, **extra: Any) -> dict[str, Any]:
    return {"code": code, "data": {"itemList": items, "pageCallback": "", "hasNextPage": 0}, **extra}


def _newsflash(**material: Any) -> dict[str, Any]:
    base = {
        "itemId": 1,
        "publishTime": 1780284215000,
        "widgetTitle": "「星海图」获3000万美元B轮融资",
        "widgetContent": "正文。（界面新闻）",
    }
    base.update(material)
    return {"itemId": base["itemId"], "itemType": 20, "templateMaterial": base}


def test_gateway_outlet_suffix_is_dropped_and_relevant_project_names_the_company() -> None:
    unnamed = _newsflash(widgetTitle="一家AI芯片企业完成数亿元融资", relevantProject={"projectName": "无问芯穹"})
    page = _gateway_page(_gateway([unnamed]))
    assert [(r.company, r.url, r.published_at) for r in page.items] == [
        ("无问芯穹", "https://36kr.com/newsflashes/1", datetime(2026, 6, 1, 3, 23, 35, tzinfo=UTC))
    ]


def test_gateway_items_without_time_or_of_another_type_are_skipped_with_reasons() -> None:
    other = {"itemId": 2, "itemType": 10, "templateMaterial": {}}
    page = _gateway_page(_gateway([_newsflash(publishTime=None), other]))
    assert (page.items, page.expect_items) == ([], False)
    assert page.skipped == [
        "itemList[1]: itemType 10 is not a newsflash",
        "'「星海图」获3000万美元B轮融资': no publication date",
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ([], ParseError),
        ({"code": 0}, ParseError),
        ({"code": 0, "data": {"itemList": [{"itemId": 1, "itemType": 20}]}}, ParseError),
        (_gateway([_newsflash(widgetTitle=None)]), ParseError),
        (_gateway([_newsflash(itemId="x")]), ParseError),
        ({"code": 40003, "msg": "签名校验失败"}, BlockedError),
        ({"code": 500, "msg": "system error"}, ParseError),
    ],
)
def test_a_gateway_answer_without_the_needed_shape_raises(data: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        _gateway_page(data)


def test_gateway_body_is_the_documented_page_one_request() -> None:
    assert kr36_funding.gateway_body(1780284215000) == {
        "partner_id": "web",
        "timestamp": 1780284215000,
        "param": {"siteId": 1, "platformId": 2, "pageSize": 20, "pageEvent": 0, "type": 0},
    }
    json.dumps(kr36_funding.gateway_body(0))  # serialisable as it is posted


@pytest.mark.parametrize(
    ("title", "headline", "publisher"),
    [
        ("Acme raises $5M - TechCrunch", "Acme raises $5M", "TechCrunch"),
        ("Co-founder - led Acme - raises $5M - The AI Journal", "Co-founder - led Acme - raises $5M", "The AI Journal"),
        ("No publisher here", "No publisher here", None),
    ],
)
def test_google_titles_split_on_the_last_dash(title: str, headline: str, publisher: str | None) -> None:
    assert googlenews_funding.split_publisher(title) == (headline, publisher)


def test_google_queries_pick_the_edition_by_language() -> None:
    assert googlenews_funding.search_query("AI 融资 when:1d").endswith("hl=zh-CN&gl=CN&ceid=CN%3Azh-Hans")
    assert googlenews_funding.search_query('"AI startup" raises').endswith("hl=en-US&gl=US&ceid=US%3Aen")


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://36kr.com/p/3831135917107075?f=rss", "https://36kr.com/p/3831135917107075"),
        ("http://36kr.com/p/5055223.html?ktm_source=feed", "http://36kr.com/p/5055223.html"),
        ("https://news.google.com/rss/articles/CBMi?oc=5", "https://news.google.com/rss/articles/CBMi"),
        ("https://TechCrunch.com/a/?utm_source=x&id=2#top", "https://techcrunch.com/a/?id=2"),
    ],
)
def test_tracking_parameters_never_make_two_ids(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-13 16:37:21  +0800", datetime(2026, 6, 13, 8, 37, 21, tzinfo=UTC)),
        ("2026-06-13 16:37:21", datetime(2026, 6, 13, 8, 37, 21, tzinfo=UTC)),
        ("2026-06-01 11:40", datetime(2026, 6, 1, 3, 40, tzinfo=UTC)),
        ("Wed, 26 Oct 2016 16:11:06 +0800", datetime(2016, 10, 26, 8, 11, 6, tzinfo=UTC)),
        ("Fri, 25 Sep 2026 13:53:48 GMT", datetime(2026, 9, 25, 13, 53, 48, tzinfo=UTC)),
        ("yesterday-ish", None),
        ("", None),
    ],
)
def test_36kr_and_pedaily_times_are_beijing_unless_they_say_otherwise(text: str, expected: datetime | None) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("3分钟前", datetime(2026, 6, 1, 4, 7, tzinfo=UTC)),
        ("2小时前", datetime(2026, 6, 1, 2, 10, tzinfo=UTC)),
        ("昨天 15:20", datetime(2026, 5, 31, 7, 20, tzinfo=UTC)),
        ("2026-05-30 09:00", datetime(2026, 5, 30, 1, 0, tzinfo=UTC)),
    ],
)
def test_relative_list_labels_are_read_against_the_fetch_time(label: str, expected: datetime) -> None:
    assert pedaily_funding.parse_list_date(label, fetched_at=FETCHED_AT) == expected


def test_a_naive_fetch_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        pedaily_funding.parse("<ul id='newslist-all'></ul>", url="u", fetched_at=datetime(2026, 6, 1))  # noqa: DTZ001
