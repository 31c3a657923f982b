"""恒源云 machine-list parser: fixtures compared exactly, and how machines become available or sold-out types."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.parsers.contract import ParseResult, unknown_gpu_notes
from spiders.parsers.gpushare_gpu import parse
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "gpushare_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
RAISES = {"ParseError": ParseError, "BlockedError": BlockedError}


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text.encode("utf-8"), url=case.url, fetched_at=case.fetched_at)


def _machine(**overrides: Any) -> dict[str, Any]:
    """The free A100 machine (id 1002) of the recorded list, with fields replaced."""
    machines = load_case(SOURCE, "store_machine_list").response_json()["data"]["list"]
    item: dict[str, Any] = copy.deepcopy(next(m for m in machines if m["id"] == 1002))
    item.update(overrides)
    return item


def _list(*machines: dict[str, Any], total: int | None = None) -> ParseResult:
    body = {"data": {"list": list(machines), "total": len(machines) if total is None else total}}
    return parse(json.dumps(body).encode(), url="https://api.gpushare.example/list", fetched_at=FETCHED_AT)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {"store_machine_list", "login_required"}


def test_every_offer_is_valid_sold_out_ones_included() -> None:
    offers = _parse(load_case(SOURCE, "store_machine_list")).items
    assert any(not o.available for o in offers)
    for offer in offers:
        assert problems(offer) == []


def test_a800_sold_out_is_unavailable_and_keeps_its_listed_price() -> None:
    offers = {o.gpu_model: o for o in _parse(load_case(SOURCE, "store_machine_list")).items}
    a800 = offers["A800-80G"]
    assert (a800.available, a800.price, a800.currency) == (False, Decimal("9.5"), "CNY")
    a100 = offers["A100-80G"]
    assert (a100.available, a100.price, a100.gpu_count) == (True, Decimal("8.5"), Decimal(1))


@pytest.mark.parametrize(
    ("online", "gpu_num", "gpu_used", "available"),
    [(True, 8, 7, True), (True, 8, 8, False), (False, 8, 0, False), (True, 0, 0, False)],
)
def test_a_type_is_available_only_with_an_online_machine_with_a_free_gpu(
    online: bool, gpu_num: int, gpu_used: int, available: bool
) -> None:
    [offer] = _list(_machine(isOnline=online, gpuNum=gpu_num, gpuUsed=gpu_used)).items
    assert offer.available is available


def test_the_price_is_the_cheapest_free_machine_not_the_cheapest_full_one() -> None:
    result = _list(
        _machine(id=1, gpuUsed=8, skuList=[{"skuName": "payg", "price": 7.9}]),
        _machine(id=2, gpuUsed=2, skuList=[{"skuName": "payg", "price": 8.8}]),
        _machine(id=3, gpuUsed=1, skuList=[{"skuName": "payg", "price": 8.5}]),
    )
    assert [(o.available, o.price) for o in result.items] == [(True, Decimal("8.5"))]


def test_only_the_payg_sku_is_a_price_and_strings_are_read_too() -> None:
    skus = [{"skuName": "weekly", "price": 1.0}, {"skuName": "payg", "price": "8.50"}]
    [offer] = _list(_machine(skuList=skus)).items
    assert offer.price == Decimal("8.50")


@pytest.mark.parametrize("price", [0, "0", -1])
def test_a_zero_or_negative_payg_price_is_no_price(price: object) -> None:
    result = _list(_machine(skuList=[{"skuName": "payg", "price": price}]))
    assert result.items == []
    assert result.skipped == ["NVIDIA A100-SXM4-80GB: no machine lists a payg price"]


def test_unknown_gpu_keeps_its_raw_name_and_is_reported() -> None:
    result = _list(_machine(baseInfo={"gpuName": "AMD Radeon MI300X"}))
    assert [o.gpu_model for o in result.items] == ["AMD Radeon MI300X"]
    assert result.notes == unknown_gpu_notes(["AMD Radeon MI300X"])


def test_listed_and_total_tell_whether_the_page_loaded_everything() -> None:
    result = _list(_machine(), total=120)
    assert result.details == {"machines_listed": 1, "machines_total": 120}
    assert result.notes == ["the store page loaded 1 of 120 machines"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"data": None},
        {"data": {"list": {}}},
        {"data": {"list": [], "total": "7"}},
        {"data": {"list": ["m"], "total": 1}},
        {"data": {"list": [_machine(baseInfo={})], "total": 1}},
        {"data": {"list": [_machine(isOnline=1)], "total": 1}},
        {"data": {"list": [_machine(gpuUsed=None)], "total": 1}},
        {"data": {"list": [_machine(skuList=None)], "total": 1}},
        {"data": {"list": [_machine(skuList=[{"skuName": "payg", "price": "a lot"}])], "total": 1}},
        {"data": {"list": [_machine(skuList=[{"skuName": "payg", "price": None}])], "total": 1}},
        {"code": 500, "msg": "系统繁忙"},
    ],
)
def test_a_body_without_the_needed_shape_raises_parse_error(body: object) -> None:
    with pytest.raises(ParseError):
        parse(json.dumps(body).encode(), url="u", fetched_at=FETCHED_AT)


@pytest.mark.parametrize(
    "body", [{"code": 401, "msg": "expired"}, {"code": 0, "msg": "请先登录"}, {"message": "Login"}]
)
def test_a_login_required_answer_is_a_block(body: object) -> None:
    with pytest.raises(BlockedError, match="login"):
        parse(json.dumps(body).encode(), url="u", fetched_at=FETCHED_AT)


def test_an_empty_list_is_an_empty_answer() -> None:
    result = _list()
    assert (result.items, result.skipped, result.notes) == ([], [], [])
    assert result.details == {"machines_listed": 0, "machines_total": 0}


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(b'{"data": {"list": [], "total": 0}}', url="u", fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001
