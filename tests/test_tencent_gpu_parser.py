"""Tencent purchase-page API answers: wrapped doc samples and constructed GPU answers compared exactly, plus rules."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.gpu_names import canonical_gpu
from spiders.parsers.contract import ParseResult
from spiders.parsers.tencent_gpu import (
    TENCENT_FAMILIES,
    parse,
    request_body,
    request_headers,
    request_query,
)
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "tencent_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
URL = "https://workbench.cloud.tencent.com/cgi/api?i=cvm/DescribeZoneInstanceConfigInfos&uin=&region=ap-beijing"


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text, url=case.url, fetched_at=case.fetched_at)


def _gt4(**overrides: Any) -> dict[str, Any]:
    """The GT4.4XLARGE96 item of the constructed answer, with fields replaced."""
    answer = load_case(SOURCE, "gt4_beijing").response_json()
    item: dict[str, Any] = copy.deepcopy(answer["data"]["Response"]["InstanceTypeQuotaSet"][0])
    item.update(overrides)
    return item


def _answer(*items: object) -> str:
    return json.dumps({"code": 0, "data": {"Response": {"InstanceTypeQuotaSet": list(items), "RequestId": "r"}}})


def _parse_items(*items: object) -> ParseResult:
    return parse(_answer(*items), url=URL, fetched_at=FETCHED_AT)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {
        "doc_sample_cn_wrapped",
        "doc_sample_en_wrapped",
        "error_auth_failure",
        "error_invalid_filter",
        "gt4_beijing",
    }


def test_every_offer_has_no_validation_problems() -> None:
    offers = _parse(load_case(SOURCE, "gt4_beijing")).items
    assert len(offers) == 4
    for offer in offers:
        assert problems(offer) == []


def test_seed_row_gt4_4xlarge96_is_a100_40g_16_vcpu_96_gb_in_cny() -> None:
    offer = next(o for o in _parse(load_case(SOURCE, "gt4_beijing")).items if o.instance_type == "GT4.4XLARGE96")
    assert (offer.gpu_model, offer.gpu_count, offer.vcpus, offer.memory_gb) == ("A100-40G", Decimal(1), 16, Decimal(96))
    assert (offer.price, offer.currency, offer.billing, offer.available) == (Decimal("28.64"), "CNY", "on_demand", True)
    assert offer.region == "ap-beijing-5"


def test_sold_out_offer_keeps_its_price_and_is_unavailable() -> None:
    offers = {o.instance_type: o for o in _parse(load_case(SOURCE, "gt4_beijing")).items}
    assert (offers["GT4.8XLARGE192"].available, offers["GT4.8XLARGE192"].price) == (False, Decimal("57.28"))
    assert offers["GT4.8XLARGE192"].price_per_gpu_hour == Decimal("28.64")
    assert (offers["GT4.41XLARGE948"].available, offers["GT4.41XLARGE948"].price) == (False, None)


@pytest.mark.parametrize(
    ("status", "category", "available"),
    [
        ("SELL", "EnoughStock", True),
        ("SELL", "UnderStock", True),
        ("SELL", "WithoutStock", False),
        ("SOLD_OUT", "EnoughStock", False),
        ("UNAVAILABLE", None, False),
    ],
)
def test_availability_comes_from_status_and_stock_category(status: str, category: str | None, available: bool) -> None:
    (offer,) = _parse_items(_gt4(Status=status, StatusCategory=category)).items
    assert offer.available is available


def test_zero_unit_price_on_a_sellable_item_is_no_price_never_free() -> None:
    answer = _parse_items(_gt4(Price={"UnitPrice": 0, "ChargeUnit": "HOUR"}))
    assert answer.items == []
    assert answer.skipped == [
        "GT4.4XLARGE96 ap-beijing-5: UnitPrice missing or 0 on a sellable item (no price, never free)"
    ]


def test_prepaid_and_cpu_only_items_are_not_offers() -> None:
    answer = _parse(load_case(SOURCE, "gt4_beijing"))
    assert answer.skipped == [
        "GT4.4XLARGE96 ap-beijing-5: charge type 'PREPAID' is not POSTPAID_BY_HOUR",
        "S2.SMALL1 ap-beijing-5: no GPU",
    ]
    assert answer.details == {"request_ids": {"ap-beijing": "6f1c2a8e-0b7d-4c55-9d0e-3b9a3c1d2e4f"}}


def test_doc_sample_quirk_postpaid_item_with_prepaid_prices_yields_nothing() -> None:
    answer = _parse(load_case(SOURCE, "doc_sample_cn_wrapped"))
    assert (answer.items, answer.skipped) == ([], ["S2.SMALL1 ap-guangzhou-2: no GPU"])
    assert not answer.expect_items  # a region without GPUs is an answer; the run fails only if all are empty


def test_remark_without_memory_takes_the_family_memory() -> None:
    (offer,) = _parse_items(_gt4(Externals={}, Remark="1 * NVIDIA A100")).items
    assert offer.gpu_model == "A100-40G"


def test_a100_in_an_unmapped_family_keeps_its_memory_unknown() -> None:
    item = _gt4(InstanceType="HCCPNV4h.48XLARGE1152", InstanceFamily="HCCPNV4h", Externals={}, Remark="8 * NVIDIA A100")
    answer = _parse_items(item)
    (offer,) = answer.items
    assert (offer.gpu_model, answer.notes) == ("A100", [])  # family known, memory not guessed (gpu.md §6.6)


def test_unknown_gpu_keeps_its_raw_name_and_is_reported() -> None:
    item = _gt4(InstanceType="GNX.LARGE56", InstanceFamily="GNX", Externals={"GPUDesc": "1 * NVIDIA Tesla X9"})
    answer = _parse_items(item)
    assert answer.items[0].gpu_model == "NVIDIA Tesla X9"
    assert answer.notes == ["unknown GPU 'NVIDIA Tesla X9' (GNX.LARGE56): stored under its raw name"]


def test_gpu_without_a_name_in_an_unmapped_family_is_reported_and_left_out() -> None:
    answer = _parse_items(_gt4(InstanceType="GNV4.XL", InstanceFamily="GNV4", Externals={}, Remark=""))
    assert answer.items == []
    assert answer.notes == ["GNV4.XL: no GPU name in GPUDesc/Remark, family 'GNV4' not in TENCENT_FAMILIES"]


def test_mapped_family_names_the_gpu_when_the_item_does_not() -> None:
    (offer,) = _parse_items(_gt4(Externals={}, Remark="")).items
    assert offer.gpu_model == "A100-40G"


def test_fractional_vgpu_count_is_kept_and_divided_once() -> None:
    item = _gt4(InstanceType="GN7.LARGE20", InstanceFamily="GN7", Gpu=0, GpuCount=0.25, Externals={}, Remark="")
    item["Price"] = {"UnitPrice": 1.5, "ChargeUnit": "HOUR"}
    (offer,) = _parse_items(item).items
    assert (offer.gpu_model, offer.gpu_count, offer.price, offer.price_per_gpu_hour) == (
        "T4-16G",
        Decimal("0.25"),
        Decimal("1.5"),
        Decimal("6"),
    )


def test_integer_gpu_field_is_used_when_gpu_count_is_absent() -> None:
    item = _gt4()
    del item["GpuCount"]
    (offer,) = _parse_items(item).items
    assert offer.gpu_count == 1


def test_string_unit_price_is_read_as_decimal() -> None:
    (offer,) = _parse_items(_gt4(Price={"UnitPrice": "28.64", "Discount": "100.000000", "ChargeUnit": "HOUR"})).items
    assert offer.price == Decimal("28.64")


def test_the_same_type_and_zone_twice_is_one_offer() -> None:
    answer = _parse_items(_gt4(), _gt4(Price={"UnitPrice": 30.0, "ChargeUnit": "HOUR"}))
    assert [o.price for o in answer.items] == [Decimal("28.64")]
    assert answer.skipped == ["GT4.4XLARGE96 ap-beijing-5: listed twice, the first is kept"]


def test_the_same_type_in_two_zones_is_two_offers() -> None:
    answer = _parse_items(_gt4(), _gt4(Zone="ap-beijing-7"))
    assert [o.region for o in answer.items] == ["ap-beijing-5", "ap-beijing-7"]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("AuthFailure.UnauthorizedOperation", BlockedError),
        ("UnauthorizedOperation", BlockedError),
        ("RequestLimitExceeded", BlockedError),
        ("InternalError", BlockedError),
        ("InvalidParameterValue.InvalidRegion", ParseError),
        ("InvalidFilter", ParseError),
        ("UnknownParameter", ParseError),
    ],
)
def test_api_errors_are_refusals_unless_our_request_no_longer_fits(code: str, error: type[Exception]) -> None:
    body = json.dumps({"code": 0, "data": {"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": "r"}}})
    with pytest.raises(error, match=code):
        parse(body, url=URL, fetched_at=FETCHED_AT)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("<html><body>请登录</body></html>", BlockedError, "HTML page"),
        ('{"code": 403, "msg": "csrf check failed"}', BlockedError, "code 403"),
        ('{"code": "UNAUTHORIZED", "data": null}', BlockedError, "UNAUTHORIZED"),
        ("", ParseError, "empty body"),
        ('{"code": 0, "data": {"Response": {"InstanceTypeQuotaSet": [', ParseError, "malformed JSON"),
        ("[]", ParseError, "JSON object"),
        ('{"code": 0, "data": {}}', ParseError, "data.Response"),
        ('{"code": 0, "data": {"Response": {"RequestId": "r"}}}', ParseError, "InstanceTypeQuotaSet"),
    ],
)
def test_bodies_that_are_not_an_answer_raise_with_their_reason(body: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse(body, url=URL, fetched_at=FETCHED_AT)


def _without(name: str) -> dict[str, Any]:
    item = _gt4()
    del item[name]
    return item


@pytest.mark.parametrize(
    "item",
    [
        "not an object",
        _without("InstanceType"),
        _without("Zone"),
        _without("Status"),
        _without("Price"),
        _gt4(GpuCount="one"),
        _gt4(Cpu=16.5),
        _gt4(Memory="96GB"),
        _gt4(Price={"UnitPrice": "n/a", "ChargeUnit": "HOUR"}),
        _gt4(Price={"UnitPrice": 12948, "ChargeUnit": "MONTH"}),
    ],
)
def test_an_item_without_the_needed_shape_raises_parse_error(item: object) -> None:
    with pytest.raises(ParseError):
        _parse_items(item)


def test_request_is_the_documented_hourly_linux_query_per_region() -> None:
    assert dict(parse_qsl(request_query("ap-shanghai"), keep_blank_values=True)) == {
        "i": "cvm/DescribeZoneInstanceConfigInfos",
        "uin": "",
        "region": "ap-shanghai",
    }
    body = request_body("ap-shanghai")
    assert (body["action"], body["region"], body["serviceType"], body["cgiName"]) == (
        "DescribeZoneInstanceConfigInfos",
        "ap-shanghai",
        "cvm",
        "api",
    )
    assert body["data"]["Filters"] == [{"Name": "instance-charge-type", "Values": ["POSTPAID_BY_HOUR"]}]
    assert (body["data"]["Platform"], body["data"]["Version"]) == ("LINUX", "2017-03-12")
    headers = request_headers(1_763_618_400_000)
    assert headers["Origin"] == "https://buy.cloud.tencent.com"
    assert headers["Referer"] == headers["x-referer"] == "https://buy.cloud.tencent.com/price/cvm"
    assert (headers["x-life"], headers["x-intl"], headers["x-csrfcode"]) == ("1763618400000", "false", "")
    assert request_headers(0)["x-seqid"] != headers["x-seqid"]


@pytest.mark.parametrize("family", sorted(TENCENT_FAMILIES))
def test_every_mapped_family_names_a_known_gpu(family: str) -> None:
    entry = TENCENT_FAMILIES[family]
    assert canonical_gpu(entry.gpu, entry.memory_gb).model.endswith(f"-{entry.memory_gb}G")


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(_answer(), url=URL, fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001
