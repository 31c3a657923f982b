"""Alibaba Cloud price file and version page: recorded fixtures compared exactly, plus the rules around them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.parsers.aliyun_gpu import (
    ALIYUN_FAMILIES,
    ALIYUN_SKUS,
    DEFAULT_CDN,
    PRICE_FILE,
    TypeSpec,
    describe_instance_type,
    parse,
    price_file_url,
)
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "aliyun_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
FILE_URL = "https://g.alicdn.com/aliyun/ecs-price-info/2.0.211/price/download/instancePrice.json"


PRICE_FILE_REQUEST = Request(step=PRICE_FILE)


def _replay(case: Case) -> ParseResult:
    """The case parsed with the step its meta.json records (the pricing page when it records none)."""
    request = Request(step=case.meta.get("request", {}).get("step"))
    return parse(case.response_text, url=case.url, fetched_at=case.fetched_at, request=request)


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text, url=case.url, fetched_at=case.fetched_at, request=PRICE_FILE_REQUEST)


def _parse_page(html: str | bytes) -> ParseResult:
    return parse(html, url="https://www.aliyun.example/price", fetched_at=FETCHED_AT)


def _file(*entries: tuple[str, Any], currency: str = "CNY") -> dict[str, Any]:
    return {"currency": currency, "version": "2.0.211", "pricingInfo": dict(entries), "type": "Instance"}


def _hourly(price: Any) -> dict[str, Any]:
    return {"hours": [{"price": price, "period": "1"}]}


def _parse_file(body: object) -> ParseResult:
    return parse(json.dumps(body), url=FILE_URL, fetched_at=FETCHED_AT, request=PRICE_FILE_REQUEST)


GN7 = "cn-beijing::ecs.gn7-c12g1.3xlarge::vpc::linux::optimized"


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {
        "cny_derived_gpu_excerpt",
        "intl_2_0_7_no_gpu",
        "no_pricing_info",
        "seed_rows_gn7_gn7e",
        "version_page",
        "version_page_without_url",
    }


@pytest.mark.parametrize("case_name", ["cny_derived_gpu_excerpt", "seed_rows_gn7_gn7e"])
def test_every_offer_has_no_validation_problems(case_name: str) -> None:
    offers = _parse(load_case(SOURCE, case_name)).items
    assert offers
    for offer in offers:
        assert problems(offer) == []


def test_seed_rows_gn7_is_a100_40g_and_gn7e_is_a100_80g_with_the_official_specs() -> None:
    offers = {o.instance_type: o for o in _parse(load_case(SOURCE, "seed_rows_gn7_gn7e")).items}
    gn7, gn7e = offers["ecs.gn7-c12g1.3xlarge"], offers["ecs.gn7e-c16g1.4xlarge"]
    assert (gn7.gpu_model, gn7.gpu_count, gn7.vcpus, gn7.memory_gb) == ("A100-40G", Decimal(1), 12, Decimal(94))
    assert (gn7e.gpu_model, gn7e.gpu_count, gn7e.vcpus, gn7e.memory_gb) == ("A100-80G", Decimal(1), 16, Decimal(125))
    assert (gn7.price, gn7.currency, gn7.billing) == (Decimal("31.58"), "CNY", "on_demand")
    assert gn7e.price_per_gpu_hour == Decimal("34.742")


def test_the_file_reports_its_version_and_currency() -> None:
    parsed = _parse(load_case(SOURCE, "intl_2_0_7_no_gpu"))
    assert parsed.details == {
        "price_file_version": "2.0.7",
        "price_file_published": "2018-10-08T08:15:52Z",
        "price_file_currency": "USD",
    }
    assert parsed.items == []
    assert parsed.notes == ["price file published 2018-10-08T08:15:52Z"]  # two CPU types: routine, no note
    assert len(parsed.skipped) == 2
    cny = _parse(load_case(SOURCE, "cny_derived_gpu_excerpt"))
    assert cny.details == {"price_file_version": "2.0.211", "price_file_published": None, "price_file_currency": "CNY"}


def test_the_version_it_was_fetched_as_is_the_runs_version_and_a_mismatch_is_noted() -> None:
    case = load_case(SOURCE, "cny_derived_gpu_excerpt")
    request = Request(step=PRICE_FILE, meta={"version": "2.0.6", "pinned": True})
    parsed = parse(case.response_text, url=case.url, fetched_at=FETCHED_AT, request=request)
    assert parsed.details["price_file_version"] == "2.0.6"
    assert parsed.notes[:2] == [
        "price file version 2.0.6 (pinned with -a version=)",
        "price file says version 2.0.211 but was fetched as 2.0.6",
    ]
    assert "no GPU offer in price file 2.0.6" in parsed.empty_reason


def test_currency_comes_from_the_file() -> None:
    (offer,) = _parse_file(_file((GN7, _hourly("4.4")), currency="USD")).items
    assert (offer.currency, offer.price) == ("USD", Decimal("4.4"))


@pytest.mark.parametrize("price", ["0", "0.00", 0, "", None, "-1"])
def test_zero_missing_or_negative_price_is_no_price_never_free(price: object) -> None:
    parsed = _parse_file(_file((GN7, _hourly(price))))
    assert parsed.items == []
    assert parsed.skipped == [f"{GN7}: no hourly price (missing, empty or 0 is no price, never free)"]


def test_the_derived_zero_price_is_left_out_with_its_reason() -> None:
    parsed = _parse(load_case(SOURCE, "cny_derived_gpu_excerpt"))
    assert "ecs.gn6v-c8g1.4xlarge" not in {o.instance_type for o in parsed.items}
    assert parsed.skipped == [
        "cn-beijing::ecs.gn6v-c8g1.4xlarge::vpc::linux::optimized: no hourly price "
        "(missing, empty or 0 is no price, never free)"
    ]


def test_missing_hours_is_no_price() -> None:
    parsed = _parse_file(_file((GN7, {"months": [{"price": "20000", "period": "1"}]})))
    assert parsed.items == []
    assert "no hourly price" in parsed.skipped[0]


def test_only_linux_vpc_io_optimized_prices_count() -> None:
    keys = [GN7.replace("linux", "windows"), GN7.replace("::vpc::", "::classic::"), GN7.replace("optimized", "none")]
    parsed = _parse_file(_file(*[(k, _hourly("9.9")) for k in keys], (GN7, _hourly("31.58"))))
    assert [o.price for o in parsed.items] == [Decimal("31.58")]
    assert all("not a Linux VPC" in reason for reason in parsed.skipped)


def test_unknown_gpu_family_is_reported_not_dropped_silently() -> None:
    parsed = _parse(load_case(SOURCE, "seed_rows_gn7_gn7e"))
    assert parsed.notes == ["ecs.gn8v-4x.8xlarge: unknown GPU family 'gn8v', add it to ALIYUN_FAMILIES"]
    assert "ecs.vgn7i-vws-m4.xlarge: vGPU slice, not a whole GPU" in parsed.skipped
    assert "ecs.g7.large: not a GPU instance type" in parsed.skipped


def test_unknown_gpu_name_keeps_its_raw_name_and_is_reported() -> None:
    key = "cn-hangzhou::ecs.gn5-c4g1.xlarge::vpc::linux::optimized"
    parsed = _parse_file(_file((key, _hourly("8.0"))))
    (offer,) = parsed.items
    gpu = canonical_gpu("NVIDIA P100", 16)
    assert offer.gpu_model == gpu.model
    if not gpu.known:
        assert parsed.notes == ["unknown GPU 'NVIDIA P100' (gn5): stored under its raw name"]


def test_a_type_missing_from_the_table_takes_its_gpu_count_from_the_name_and_says_so() -> None:
    key = "cn-beijing::ecs.gn7i-c32g1.64xlarge::vpc::linux::optimized"
    parsed = _parse_file(_file((key, _hourly("160.0"))))
    (offer,) = parsed.items
    assert (offer.gpu_model, offer.gpu_count, offer.vcpus, offer.memory_gb) == ("A10-24G", Decimal(8), 256, None)
    assert offer.price_per_gpu_hour == Decimal("20")
    assert parsed.notes == [
        "ecs.gn7i-c32g1.64xlarge: not in the official table, 8 GPUs read from its name (add it to ALIYUN_SKUS)"
    ]


@pytest.mark.parametrize(
    ("instance_type", "gpus", "vcpus"),
    [("ecs.gn7i-4x.32xlarge", 4, 128), ("ecs.gn7-c13g1.52xlarge", 16, 208), ("ecs.gn6i-c4g1.large", None, 2)],
)
def test_name_convention_gives_the_gpu_count_when_it_can(instance_type: str, gpus: int | None, vcpus: int) -> None:
    spec = describe_instance_type(instance_type)
    if gpus is None:
        assert isinstance(spec, str)
        assert "add it to ALIYUN_SKUS" in spec
    else:
        assert spec == TypeSpec(instance_type.split(".")[1].split("-")[0], None, gpus, vcpus, None, from_name=True)


def test_bare_metal_type_not_in_the_table_is_reported() -> None:
    spec = describe_instance_type("ecs.ebmgn7e.64xlarge")
    assert spec == "ecs.ebmgn7e.64xlarge: GPU count neither in ALIYUN_SKUS nor in the name, add it to ALIYUN_SKUS"


@pytest.mark.parametrize("instance_type", sorted(ALIYUN_SKUS))
def test_every_table_type_belongs_to_a_known_family_and_the_table_wins(instance_type: str) -> None:
    spec = describe_instance_type(instance_type)
    assert isinstance(spec, TypeSpec), spec
    sku = ALIYUN_SKUS[instance_type]
    assert (spec.gpu_count, spec.vcpus, spec.memory_gb, spec.from_name) == (
        sku.gpu_count,
        sku.vcpus,
        sku.memory_gb,
        False,
    )


# A name that rounds: 54 documented vCPUs vs "14xlarge" = 56, so c8g1 gives 7 GPUs where the table says 8.
_NAME_ROUNDS = {"ecs.gn5-c8g1.14xlarge"}


@pytest.mark.parametrize("instance_type", sorted(ALIYUN_SKUS))
def test_the_name_convention_agrees_with_the_official_table(instance_type: str) -> None:
    reduced = {k: v for k, v in ALIYUN_SKUS.items() if k != instance_type}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("spiders.parsers.aliyun_gpu.ALIYUN_SKUS", reduced)
        spec = describe_instance_type(instance_type)
    if isinstance(spec, str):
        assert "add it to ALIYUN_SKUS" in spec  # bare metal and gn8is.2xlarge carry no count in their names
    elif instance_type not in _NAME_ROUNDS:
        assert spec.gpu_count == ALIYUN_SKUS[instance_type].gpu_count


@pytest.mark.parametrize("family", sorted(ALIYUN_FAMILIES))
def test_every_family_names_a_gpu_with_its_memory(family: str) -> None:
    entry = ALIYUN_FAMILIES[family]
    gpu = canonical_gpu(entry.gpu, entry.memory_gb)
    # P100/P4 are not in spiders/gpu_names.py yet: they keep their raw names until the table has them.
    assert gpu.known or entry.gpu in {"NVIDIA P100", "NVIDIA P4"}, (family, gpu)
    if gpu.known:
        assert gpu.model.endswith(f"-{entry.memory_gb}G")


def test_version_page_takes_the_highest_mainland_version_and_ignores_intl() -> None:
    html = (
        '<script src="//g.alicdn.com/aliyun/ecs-price-info/2.0.9/price/js_price/x.js"></script>'
        '<a href="https://g.alicdn.com/aliyun/ecs-price-info/2.0.211/price/download/instancePrice.json">'
        '<a href="https://g.alicdn.com/aliyun/ecs-price-info/2.0.31/price/download/diskPrice.json">'
        '<a href="https://g.alicdn.com/aliyun/ecs-price-info-intl/2.0.421/price/download/instancePrice.json">'
    )
    found = _parse_page(html.encode())
    assert found.details == {
        "price_file_version": "2.0.211",
        "price_file_versions_seen": ["2.0.9", "2.0.31", "2.0.211"],
    }
    assert found.follow == [FollowUp(FILE_URL, step=PRICE_FILE, meta={"version": "2.0.211"})]
    assert found.notes == [
        "pricing page names several price-file versions ['2.0.9', '2.0.31', '2.0.211']: using 2.0.211",
        "price file version 2.0.211",
    ]
    assert not found.expect_items
    local = parse(html, url="u", fetched_at=FETCHED_AT, request=Request(meta={"cdn": "http://127.0.0.1:8080/cdn"}))
    assert local.follow[0].url == "http://127.0.0.1:8080/cdn/2.0.211/price/download/instancePrice.json"


def test_version_page_without_the_url_pattern_says_what_is_missing() -> None:
    page = load_case(SOURCE, "version_page_without_url").response_text
    with pytest.raises(ParseError, match=r"no g\.alicdn\.com/aliyun/ecs-price-info/<version>/ URL"):
        _parse_page(page)


def test_price_file_url_is_built_under_the_cdn_base() -> None:
    assert price_file_url(DEFAULT_CDN, "2.0.211") == FILE_URL
    assert price_file_url("http://127.0.0.1:8080/cdn/", "2.0.6") == (
        "http://127.0.0.1:8080/cdn/2.0.6/price/download/instancePrice.json"
    )
    for bad in ("latest", "2.0.211/../x", ""):
        with pytest.raises(ValueError, match=r"not like 2\.0\.211"):
            price_file_url(DEFAULT_CDN, bad)


def _broken(change: str) -> object:
    good = _file((GN7, _hourly("31.58")))
    body: Any = copy.deepcopy(good)
    if change == "list":
        return [good]
    if change == "no_currency":
        del body["currency"]
    elif change == "bad_currency":
        body["currency"] = "yuan"
    elif change == "pricing_list":
        body["pricingInfo"] = [GN7]
    elif change == "short_key":
        body["pricingInfo"] = {"cn-beijing::ecs.gn7-c12g1.3xlarge": _hourly("1")}
    elif change == "entry_not_object":
        body["pricingInfo"][GN7] = "31.58"
    elif change == "hours_not_list":
        body["pricingInfo"][GN7] = {"hours": {"price": "31.58"}}
    elif change == "price_not_number":
        body["pricingInfo"][GN7] = _hourly("31,58")
    elif change == "price_bool":
        body["pricingInfo"][GN7] = _hourly(True)
    return body


@pytest.mark.parametrize(
    "change",
    [
        "list",
        "no_currency",
        "bad_currency",
        "pricing_list",
        "short_key",
        "entry_not_object",
        "hours_not_list",
        "price_not_number",
        "price_bool",
    ],
)
def test_a_body_without_the_price_file_shape_raises_parse_error(change: str) -> None:
    with pytest.raises(ParseError):
        _parse_file(_broken(change))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b"<html><body>404</body></html>", "HTML instead"),
        (b'{"currency": "CNY", "pricingInfo": {', "malformed JSON"),
    ],
)
def test_empty_html_or_truncated_bodies_raise_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(body, url=FILE_URL, fetched_at=FETCHED_AT, request=PRICE_FILE_REQUEST)


def test_bytes_and_text_bodies_parse_alike() -> None:
    case = load_case(SOURCE, "cny_derived_gpu_excerpt")
    as_bytes = parse(case.response_text.encode(), url=case.url, fetched_at=case.fetched_at, request=PRICE_FILE_REQUEST)
    assert as_bytes == _parse(case)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse("{}", url=FILE_URL, fetched_at=datetime(2026, 11, 20), request=PRICE_FILE_REQUEST)  # noqa: DTZ001
