"""AutoDL market-list parser: fixtures compared exactly, price units, availability and errors."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.parsers.autodl_gpu import build_body, parse, summarise
from spiders.parsers.contract import ParseResult, Request
from spiders.validation import problems
from tests.fixture_cases import case_names, load_case

SOURCE = "autodl_gpu"
# public_* cases are the tokenless public list, read by another parser (tests/test_autodl_public.py).
CASES = [name for name in case_names(SOURCE) if not name.startswith("public_")]
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
RAISES = {"ParseError": ParseError, "BlockedError": BlockedError}
URL = "https://www.autodl.com/api/v1/user/machine/list"


def _machine(**overrides: Any) -> dict[str, Any]:
    """The RTX 4090 machine of recorded page 1, with fields replaced."""
    page = load_case(SOURCE, "market_two_pages_page1").response_json()
    item: dict[str, Any] = copy.deepcopy(page["data"]["list"][1])
    item.update(overrides)
    return item


def _answer(*machines: dict[str, Any], max_page: int = 1) -> dict[str, Any]:
    return {"code": "Success", "data": {"list": list(machines), "page_index": 1, "max_page": max_page}, "msg": ""}


def _parse(body: object, request: Request | None = None) -> ParseResult:
    return parse(json.dumps(body).encode(), url=URL, fetched_at=FETCHED_AT, request=request)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {"own_instance_list", "market_two_pages_page1", "market_two_pages_page2", "authorize_failed"}


def test_both_pages_together_make_a_free_a800_available_at_its_own_price() -> None:
    page1, page2 = (
        load_case(SOURCE, name).response_text for name in ("market_two_pages_page1", "market_two_pages_page2")
    )
    [follow] = parse(page1, url=URL, fetched_at=FETCHED_AT, request=Request(meta={"page_index": 1})).follow
    last = parse(page2, url=URL, fetched_at=FETCHED_AT, request=Request(step=follow.step, meta=follow.meta))
    offers = {(o.instance_type, o.region): o for o in last.items}
    assert len(offers) == 5
    assert last.details == {"market_machines": 7, "market_pages": 2}
    a800 = offers[("A800-80GB", "neimeng-A")]
    # The cheaper A800 (5.88) is full; a renter pays 5.98 on the machine with an idle GPU.
    assert (a800.available, a800.price, a800.vcpus, a800.memory_gb) == (True, Decimal("5.98"), 12, Decimal(80))
    assert offers[("H800", "neimeng-A")].available is False
    for offer in offers.values():
        assert problems(offer) == []


def test_payg_price_is_in_thousandths_of_a_yuan_per_gpu_hour() -> None:
    [offer] = _parse(_answer(_machine(payg_price=1577))).items
    assert (offer.price, offer.currency, offer.gpu_count, offer.price_per_gpu_hour) == (
        Decimal("1.577"),
        "CNY",
        Decimal(1),
        Decimal("1.577"),
    )


def test_the_cheapest_machine_with_an_idle_gpu_sets_the_price_and_its_share_of_cpu_and_memory() -> None:
    page = _parse(
        _answer(
            _machine(machine_id="a", payg_price=1800, gpu_idle_num=0, cpu_per_gpu=8),
            _machine(machine_id="b", payg_price=2100, gpu_idle_num=2, cpu_per_gpu=10, mem_per_gpu=3 * 2**29),
            _machine(machine_id="c", payg_price=1990, gpu_idle_num=1, cpu_per_gpu=12, mem_per_gpu=None),
        )
    )
    [offer] = page.items
    assert (offer.available, offer.price, offer.vcpus, offer.memory_gb) == (True, Decimal("1.99"), 12, None)
    [partial] = _parse(_answer(_machine(mem_per_gpu=3 * 2**29))).items
    assert partial.memory_gb == Decimal("1.5")


def test_regions_are_separate_offers() -> None:
    page = _parse(_answer(_machine(), _machine(region_sign="neimeng-A", region_name="内蒙A区")))
    assert [o.region for o in page.items] == [
        "beijing-E",
        "neimeng-A",
    ]


@pytest.mark.parametrize("price", [0, -10])
def test_zero_or_negative_price_is_left_out_with_a_reason(price: int) -> None:
    page = _parse(_answer(_machine(payg_price=price)))
    assert page.items == []
    assert page.skipped == [f"machine b2c3d4e5f6 (RTX 4090, beijing-E): payg_price {price} is no price"]


def test_auth_failure_is_a_block_not_data() -> None:
    with pytest.raises(BlockedError, match="AuthorizeFailed"):
        _parse({"code": "AuthorizeFailed", "data": None, "msg": ""})


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"code": "InvalidParams", "msg": "page_size"},
        {"code": "Success", "data": None},
        {"code": "Success", "data": {"list": {}, "max_page": 1, "page_index": 1}},
        {"code": "Success", "data": {"list": [], "page_index": 1}},
        _answer("machine"),  # type: ignore[arg-type]
        _answer({k: v for k, v in _machine().items() if k != "region_sign"}),
        _answer(_machine(gpu_name="")),
        _answer(_machine(payg_price="1980")),
        _answer(_machine(payg_price=None)),
        _answer(_machine(gpu_idle_num=None)),
    ],
)
def test_a_body_without_the_needed_shape_raises_parse_error(body: object) -> None:
    with pytest.raises(ParseError):
        _parse(body)


def test_an_empty_market_page_is_an_empty_page() -> None:
    page = _parse(_answer(max_page=0))
    assert (page.items, page.skipped, page.follow, page.expect_items) == ([], [], [], True)
    assert "no priced machine" in page.empty_reason


def test_a_next_page_beyond_max_pages_is_an_error_not_a_truncation() -> None:
    first = _answer(_machine(), max_page=3)
    with pytest.raises(ParseError, match="more than 1 pages"):
        _parse(first, Request(meta={"page_index": 1, "max_pages": 1}))
    [follow] = _parse(first, Request(meta={"page_index": 1, "max_pages": 2})).follow
    assert (follow.meta["page_index"], follow.meta["max_pages"], len(follow.meta["machines"])) == (2, 2, 1)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        summarise([], url=URL, fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(json.dumps(_answer()), url=URL, fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001


def test_request_body_is_the_documented_one_with_filters_and_page() -> None:
    body = build_body(3, gpu_types=["A100-SXM4-80GB"], regions=["neimeng-A"], min_idle_gpus=0, page_size=20)
    assert (body["page_index"], body["page_size"], body["gpu_idle_num"], body["charge_type"]) == (3, 20, 0, "payg")
    assert (body["gpu_type_name"], body["region_sign_list"]) == (["A100-SXM4-80GB"], ["neimeng-A"])
    assert build_body(1)["gpu_type_name"] == [] and build_body(1)["gpu_idle_num"] == 1
