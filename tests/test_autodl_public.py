"""autodl_gpu without a token: the public price list parser and the Chromium crawl of the home page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from spiders.errors import ParseError
from spiders.parsers.autodl_public import REGION, find_price_objects, has_price_objects, join_texts, parse
from spiders.parsers.contract import ParseResult, unknown_gpu_notes
from spiders.sources.autodl_gpu import AutodlGpuSpider
from spiders.validation import problems
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import FIXTURES, count_offers, migrated, runs, write_config
from tests.fixture_cases import case_names, load_case

SOURCE = "autodl_gpu"
CASES = [name for name in case_names(SOURCE) if name.startswith("public_")]
URL = "https://www.autodl.com/home"
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
HOME = "/home"
CHUNK = "/js/512.5d1c0e2a.js"
MARKET = "/api/v1/user/machine/list"
HTML = "text/html; charset=utf-8"
JS = "application/javascript; charset=utf-8"


def _parse(text: str) -> ParseResult:
    return parse(text, url=URL, fetched_at=FETCHED_AT)


def _prices(text: str) -> dict[str, Decimal | None]:
    return {offer.instance_type: offer.price for offer in _parse(text).items}


# --- parser -------------------------------------------------------------------------------------------------------


def test_every_public_case_folder_is_covered() -> None:
    assert set(CASES) == {"public_list_constructed", "public_bundle_without_prices"}


def test_the_list_price_is_original_price_per_gpu_hour_not_the_member_price() -> None:
    result = _parse(load_case(SOURCE, "public_list_constructed").response_text)
    a800 = next(o for o in result.items if o.instance_type == "A800-80GB")
    assert (a800.gpu_model, a800.price, a800.price_per_gpu_hour, a800.gpu_count, a800.currency) == (
        "A800-80G",
        Decimal("5.88"),
        Decimal("5.88"),
        Decimal(1),
        "CNY",
    )
    assert (a800.region, a800.billing, a800.available, a800.provider) == (REGION, "on_demand", True, "autodl")
    for offer in result.items:
        assert problems(offer) == []


def test_an_unknown_gpu_keeps_its_raw_name_and_is_reported() -> None:
    result = _parse('[{gpuName:"vGPU-32GB",originalPrice:1.28},{gpuName:"H800",originalPrice:10.5}]')
    assert result.notes == unknown_gpu_notes(["vGPU-32GB"])
    assert [(o.instance_type, o.gpu_model) for o in result.items] == [("vGPU-32GB", "vGPU-32GB"), ("H800", "H800-80G")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"list":[{"gpuName":"A800-80GB","originalPrice":"5.88"}]}', {"A800-80GB": Decimal("5.88")}),
        ("[{gpu_name:'RTX 4090',originalPrice:1.98}]", {"RTX 4090": Decimal("1.98")}),
        (
            '{"A800-80GB":{originalPrice:5.88},H800:{ "originalPrice" : 10.5 }}',
            {"A800-80GB": Decimal("5.88"), "H800": Decimal("10.5")},
        ),
        ('[{name:"RTX\\u00a04090",originalPrice:1.98}]', {"RTX 4090": Decimal("1.98")}),
        (
            '[{gpuName:"H20",spec:{memory:96,unit:"GB"},tags:["new","hot"],originalPrice:10.5}]',
            {"H20": Decimal("10.5")},
        ),
    ],
    ids=["json_string_price", "single_quotes", "name_as_parent_key", "escaped_nbsp", "nested_spec"],
)
def test_price_objects_are_read_in_json_and_minified_js_spellings(text: str, expected: dict[str, Decimal]) -> None:
    assert _prices(text) == expected


def test_original_price_read_by_code_is_not_a_price_object() -> None:
    code = "function f(e){return e.originalPrice.toFixed(2)};var p=a?originalPrice:b;x={y:e.originalPrice}"
    assert find_price_objects(code) == []
    assert not has_price_objects(code)


def test_a_type_listed_twice_keeps_the_lowest_price_and_says_so() -> None:
    text = '[{gpuName:"RTX 4090",originalPrice:2.08},{gpuName:"RTX 4090",originalPrice:1.98}]'
    same = '[{gpuName:"H800",originalPrice:10.5}]'
    result = parse(join_texts([text, same, same]), url=URL, fetched_at=FETCHED_AT)
    assert [(o.instance_type, o.price) for o in result.items] == [
        ("RTX 4090", Decimal("1.98")),
        ("H800", Decimal("10.5")),
    ]
    assert result.skipped == ["RTX 4090: listed at 1.98 and 2.08, kept the lowest"]
    assert result.notes == ["public list: RTX 4090: listed at 1.98 and 2.08, kept the lowest"]


def test_texts_joined_into_one_body_are_read_one_by_one() -> None:
    # An object cut at the end of one text must not be completed by the next one.
    head, tail = '[{gpuName:"H800",originalPrice:10.5},{gpuName:"L20",', "originalPrice:3.5}]"
    assert [o.instance_type for o in parse(join_texts([head, tail]), url=URL, fetched_at=FETCHED_AT).items] == ["H800"]


@pytest.mark.parametrize(
    ("price", "reason"),
    [("0", "originalPrice 0 is no price"), ("-1.5", "originalPrice -1.5 is no price"),
     ("e.p*2", "originalPrice is not a number: 'e.p*2'"), ('"--"', "originalPrice is not a number")],
)  # fmt: skip
def test_zero_negative_or_non_numeric_price_is_left_out_with_a_reason(price: str, reason: str) -> None:
    result = _parse(f'[{{gpuName:"L20",originalPrice:{price}}},{{gpuName:"H800",originalPrice:10.5}}]')
    assert [o.instance_type for o in result.items] == ["H800"]
    [skipped] = result.skipped
    assert skipped.startswith("L20: ") and reason in skipped


def test_a_price_object_without_a_name_is_left_out_with_a_reason() -> None:
    result = _parse('[{originalPrice:5.88},{gpuName:"H800",originalPrice:10.5}]')
    assert result.skipped == ["price object without a GPU name: {originalPrice:5.88}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no price objects"),
        ("<html><body>AutoDL</body></html>", "no price objects"),
        ('[{gpuName:"H800",originalPrice:0}]', "no usable GPU price: H800: originalPrice 0 is no price"),
        ('[{gpuName:"A800-80GB",originalPrice:5880}]', "the unit changed"),
    ],
    ids=["empty", "no_objects", "all_zero", "thousandths"],
)
def test_a_list_without_usable_prices_raises_parse_error(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        _parse(text)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse("", url=URL, fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001


# --- spider -------------------------------------------------------------------------------------------------------


def test_only_the_tokenless_home_page_goes_through_the_browser() -> None:
    spider = AutodlGpuSpider(public_url="http://127.0.0.1:9/home", page_timeout_s="5")
    public = spider.public_request()
    market = spider.page_request(1, "t", [])
    assert (public.url, public.meta["playwright"]) == ("http://127.0.0.1:9/home", True)
    assert public.meta["playwright_page_goto_kwargs"]["timeout"] == 5000
    # scrapy-playwright hands requests without meta["playwright"] to Scrapy's own HTTP handler.
    assert "playwright" not in market.meta and market.method == "POST"
    assert AutodlGpuSpider.needs_browser


def home_page(page: Reply | None = None, chunk: Reply | None = None) -> list[Route]:
    """The constructed home page and the price chunk its script inserts (the way a webpack app loads a route)."""
    return [
        Route(HOME, [page or Reply.file(FIXTURES / SOURCE / "public_home_page.html", content_type=HTML)]),
        Route(CHUNK, [chunk or case_reply(SOURCE, "public_list_constructed", content_type=JS)]),
    ]


def _crawl(tmp_path: Path, db_url: str, routes: list[Route], **args: Any) -> tuple[CrawlResult, list[str]]:
    engine = migrated(db_url)
    with ReplayServer(routes) as server:
        section = {
            "every": "1d",
            "endpoint": server.url + MARKET,
            "args": {"public_url": server.url + HOME, **args},
            "settings": {"RETRY_TIMES": 0},
        }
        config = load_config(write_config(tmp_path, db_url, {SOURCE: section}))
        result = CrawlRunner(config, engine).run(SOURCE)
        paths = [r.path for r in server.requests]
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result, paths


@pytest.mark.browser
@pytest.mark.slow
def test_without_a_token_the_home_page_price_list_is_stored(tmp_path: Path, sqlite_url: str) -> None:
    result, paths = _crawl(tmp_path, sqlite_url, home_page())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 6, 0), result.error
    assert paths == [HOME, CHUNK], "the page's own script loaded the chunk; the market API was not asked"
    notes = (result.details or {}).get("notes", [])
    assert any(note.startswith("no token: public list used") for note in notes)
    assert not [note for note in notes if note.startswith("unknown GPU model")], "RTX 5090 is a known card since 13.4"
    with session_factory(migrated(sqlite_url))() as session:
        rows = {o.instance_type: o for o in latest(session, "gpu", source=SOURCE)}
    a800 = rows["A800-80GB"]
    assert (a800.gpu_model, a800.region, a800.price, a800.currency, a800.available) == (
        "A800-80G",
        "public-list",
        Decimal("5.88"),
        "CNY",
        True,
    )
    assert a800.url.endswith(HOME)
    assert rows["A100-SXM4-80GB"].price == Decimal("7.03")


NO_SCRIPT_PAGE = Reply(b"<!doctype html><html><body><div id='app'>AutoDL</div></body></html>", content_type=HTML)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(
    ("routes", "status", "reason"),
    [
        (home_page(chunk=case_reply(SOURCE, "public_bundle_without_prices",
                                    content_type=JS)), "failed", "no price objects ('originalPrice' with a value)"),
        (home_page(page=NO_SCRIPT_PAGE), "failed", "or the 0 scripts and data calls it loaded within 2s"),
        (home_page(chunk=Reply(b"not found", status=404, content_type=JS)), "failed", "no price objects"),
        (home_page(chunk=Reply(b'o=[{gpuName:"H800",originalPrice:0}]', content_type=JS)), "failed",
         "no usable GPU price"),
        (home_page(chunk=Reply(b'o=[{gpuName:"H800",originalPrice:10500}]', content_type=JS)), "failed",
         "the unit changed"),
        (home_page(page=Reply(b"<html>forbidden</html>", status=403, content_type=HTML)), "blocked", "HTTP 403"),
    ],
    ids=["chunk_without_prices", "page_without_scripts", "chunk_404", "zero_prices", "thousandths", "page_403"],
)  # fmt: skip
def test_a_page_without_a_usable_price_list_is_a_failed_or_blocked_run_that_stores_nothing(
    tmp_path: Path, sqlite_url: str, routes: list[Route], status: str, reason: str
) -> None:
    result, paths = _crawl(tmp_path, sqlite_url, routes, page_timeout_s=2)
    assert result.status == status, result.error
    assert reason in (result.error or "")
    assert MARKET not in paths
    assert count_offers(migrated(sqlite_url)) == 0
