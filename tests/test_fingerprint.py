"""The structural fingerprint of an answer and the drift between two: a table of shapes, then the shipped cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from monitor.crawling import spider_classes
from monitor.replay import fixtures_root
from spiders.cases import load_case
from spiders.fingerprint import FingerprintBuilder, diff_fingerprints, shape_of
from spiders.parsers import tencent_quotes


def _fingerprint(*bodies: Any, step: str | None = None, selectors: tuple[str, ...] = ()) -> dict[str, Any]:
    builder = FingerprintBuilder()
    for body in bodies:
        builder.add(step, body if isinstance(body, bytes) else json.dumps(body).encode(), selectors)
    return builder.fingerprint()


def _diff(old: Any, new: Any) -> list[str]:
    return diff_fingerprints(_fingerprint(old), _fingerprint(new)).lines()


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"Items": [{"price": 1.5, "sku": "a"}]}, {"$": "obj", "Items": "arr", "Items[]": "obj",
                                                   "Items[].price": "num", "Items[].sku": "str"}),
        ([{"ok": True, "n": None}], {"$": "arr", "[]": "obj", "[].ok": "bool", "[].n": "null"}),
        # keys that are values (dates, region::instance, regions) merge under `*`: a new month is no drift
        ({"visits": {"2024-08-01": 5, "2024-09-01": 6}}, {"$": "obj", "visits": "obj", "visits.*": "num"}),
        ({"pricingInfo": {"cn-beijing::ecs.gn7.2xlarge::vpc": {"hours": []}}},
         {"$": "obj", "pricingInfo": "obj", "pricingInfo.*": "obj", "pricingInfo.*.hours": "arr0"}),
        ({"pricing": {"us-east-1": {"linux": "1"}}}, {"$": "obj", "pricing": "obj", "pricing.*": "obj",
                                                      "pricing.*.linux": "str"}),
        ({"f43": 1, "f170": "-"}, {"$": "obj", "f43": "num", "f170": "str"}),  # field codes stay fields
    ],
)  # fmt: skip
def test_json_shape_is_key_paths_with_value_types(body: Any, paths: dict[str, str]) -> None:
    assert shape_of(json.dumps(body).encode()) == ("json", paths)


def test_list_elements_and_pages_of_one_step_merge() -> None:
    fingerprint = _fingerprint({"Items": [{"a": 1}, {"a": None, "b": "x"}]}, {"Items": [{"c": True}]})
    shape = fingerprint["main"]["shape"]
    assert (shape["Items[].a"], shape["Items[].b"], shape["Items[].c"]) == ("num", "str", "bool")


@pytest.mark.parametrize(
    ("old", "new", "lines"),
    [
        ({"Items": [{"meterId": "x"}]}, {"Items": [{"meterGuid": "x"}]},
         ["+ Items[].meterGuid: str", "- Items[].meterId: str"]),
        ({"price": 1}, {"price": "1.0"}, ["~ price: num → str"]),
        ({"price": 1}, {"price": None}, []),  # a value missing today is not a new shape
        ({"Items": [{"a": 1}]}, {"Items": []}, []),  # an empty list says nothing about its elements
        ({"n": {"x": 1}}, {"n": {}}, []),
        ({"a": 1, "b": "x"}, {"a": 2, "b": "y"}, []),
        ({"v": {"2024-08-01": 1}}, {"v": {"2024-09-01": 1, "2024-10-01": 2}}, []),
    ],
)  # fmt: skip
def test_drift_is_paths_added_removed_or_retyped(old: Any, new: Any, lines: list[str]) -> None:
    assert _diff(old, new) == lines


def test_only_steps_both_runs_saw_are_compared() -> None:
    old = _fingerprint({"a": 1}, step="version_page")
    new = {**old, **_fingerprint({"b": 1}, step="price_file")}
    assert not diff_fingerprints(old, new)
    changed = _fingerprint({"c": 1}, step="version_page")
    assert diff_fingerprints(old, changed).lines() == ["+ version_page: c: num", "- version_page: a: num"]


def test_a_format_change_is_a_drift() -> None:
    old = _fingerprint({"a": 1})
    new = _fingerprint(b"<?xml version='1.0'?><rss><channel><item><title>x</title></item></channel></rss>")
    assert diff_fingerprints(old, new).changed == ["main: format json → feed"]


def test_html_shape_is_whether_each_declared_selector_matched() -> None:
    page = b"<html><body><ul id='newslist-all'><li class='h-news'>x</li></ul></body></html>"
    found = shape_of(page, ("ul#newslist-all li.h-news", "div.info > span.date"))
    assert found == ("html", {"css ul#newslist-all li.h-news": "matched", "css div.info > span.date": "missing"})


def test_html_without_declared_selectors_and_plain_text_have_no_shape() -> None:
    assert shape_of(b"<html><body>x</body></html>") is None
    assert shape_of('var hq_str_sh600519="贵州茅台,1,2";'.encode()) is None
    assert shape_of(b'{"truncated": ') is None  # malformed JSON: the parser reports it, the fingerprint is silent


def test_feed_shape_is_the_item_fields_present() -> None:
    feed = (
        b"<?xml version='1.0'?><rss xmlns:dc='http://purl.org/dc/elements/1.1/'><channel><title>t</title>"
        b"<item><title>a</title><dc:creator>b</dc:creator></item><item><link>c</link></item></channel></rss>"
    )
    assert shape_of(feed) == (
        "feed", {"item": "arr", "item[].title": "field", "item[].dc:creator": "field", "item[].link": "field"}
    )  # fmt: skip


def test_a_huge_answer_gives_a_bounded_fingerprint() -> None:
    body = {f"field_{i}": {f"sub_{j}": j for j in range(50)} for i in range(60)}
    shape = _fingerprint(body)["main"]["shape"]
    assert 1900 < len(shape) <= 2001  # 2000 paths and the root type


def test_captures_of_one_real_shape_do_not_drift() -> None:
    # three real SimilarWeb captures of different sites and months (google.com, wrtn.ai and its revision)
    root = fixtures_root() / "similarweb_traffic"
    shapes = [_fingerprint((root / case / "response.json").read_bytes())
              for case in ("google_com_2024_09", "wrtn_ai_2024_09", "wrtn_ai_2024_09_revised")]  # fmt: skip
    assert not diff_fingerprints(shapes[0], shapes[1]) and not diff_fingerprints(shapes[0], shapes[2])


@pytest.mark.parametrize("source", ["lambda_gpu", "pedaily_funding"])
def test_html_parsers_declare_selectors_that_match_their_passing_cases(source: str) -> None:
    spider = spider_classes()[source]
    selectors = spider.parser_selectors()
    assert selectors, f"spiders/parsers/{source}.py: declare SELECTORS (the CSS it reads), for drift detection"
    checked = 0
    for folder in sorted(p for p in (fixtures_root() / source).iterdir() if p.is_dir()):
        case = load_case(folder)
        if not case.passing or not case.reviewed or (isinstance(case.expected, dict) and "raises" in case.expected):
            continue
        assert case.body is not None
        found = shape_of(case.body, selectors)
        assert found is not None and set(found[1].values()) == {"matched"}, (folder.name, found)
        checked += 1
    assert checked


def _tencent(body: bytes) -> dict[str, Any]:
    builder = FingerprintBuilder()
    builder.add(None, body, (), tencent_quotes.shape)
    return builder.fingerprint()


def test_quote_lines_are_fingerprinted_by_their_parser_as_fields_per_market() -> None:
    body = (fixtures_root() / "tencent_quotes" / "a_shares_gbk" / "response.txt").read_bytes()
    reference = _tencent(body)
    assert reference["main"] == {"format": "lines", "shape": {"sh line": "88 fields", "sz line": "88 fields"}}

    one_more = body.replace(b'";', b'~new";')
    assert diff_fingerprints(reference, _tencent(one_more)).lines() == [
        "~ sh line: 88 fields → 89 fields", "~ sz line: 88 fields → 89 fields",
    ]  # fmt: skip


def test_a_market_only_one_run_asked_for_is_not_a_quote_line_drift() -> None:
    a_shares = (fixtures_root() / "tencent_quotes" / "a_shares_gbk" / "response.txt").read_bytes()
    hong_kong = (fixtures_root() / "tencent_quotes" / "hk_two_codes" / "response.txt").read_bytes()
    assert not diff_fingerprints(_tencent(a_shares), _tencent(hong_kong))
