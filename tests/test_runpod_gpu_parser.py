"""RunPod gpuTypes parser: fixtures compared exactly, and how markets, stock and prices become offers."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.parsers.contract import ParseResult, unknown_gpu_notes
from spiders.parsers.runpod_gpu import GPU_TYPES_QUERY, parse
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "runpod_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
RAISES = {"ParseError": ParseError, "BlockedError": BlockedError}


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text.encode("utf-8"), url=case.url, fetched_at=case.fetched_at)


def _gpu_type(**overrides: Any) -> dict[str, Any]:
    """The H100 PCIe entry of the recorded answer, with fields replaced."""
    types = load_case(SOURCE, "gpu_types_pricing_page_20250909").response_json()["data"]["gpuTypes"]
    item: dict[str, Any] = copy.deepcopy(next(t for t in types if t["displayName"] == "H100 PCIe"))
    item.update(overrides)
    return item


def _parse_types(*types: dict[str, Any]) -> ParseResult:
    body = json.dumps({"data": {"gpuTypes": list(types)}}).encode()
    return parse(body, url="https://runpod.example/graphql", fetched_at=FETCHED_AT)


def _billing(page: ParseResult) -> dict[str, Decimal | None]:
    return {o.billing: o.price for o in page.items}


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {"gpu_types_pricing_page_20250909", "graphql_error"}


def test_every_offer_has_no_validation_problems() -> None:
    for offer in _parse(load_case(SOURCE, "gpu_types_pricing_page_20250909")).items:
        assert problems(offer) == []


def test_secure_community_and_spot_are_separate_one_gpu_offers() -> None:
    page = _parse_types(_gpu_type(secureSpotPrice=1.5, communitySpotPrice=None))
    assert _billing(page) == {"on_demand": Decimal("2.39"), "community": Decimal("1.99"), "spot": Decimal("1.5")}
    assert {(o.gpu_count, o.price_per_gpu_hour == o.price, o.region) for o in page.items} == {
        (Decimal(1), True, "global")
    }


@pytest.mark.parametrize(
    ("secure_spot", "community_spot", "spot"),
    [(1.5, 1.2, "1.2"), (1.1, 1.2, "1.1"), (None, 1.2, "1.2"), (0, 1.2, "1.2"), (None, None, None)],
)
def test_spot_is_the_cheaper_of_the_secure_and_community_spot_prices(
    secure_spot: float | None, community_spot: float | None, spot: str | None
) -> None:
    page = _parse_types(_gpu_type(secureSpotPrice=secure_spot, communitySpotPrice=community_spot))
    assert _billing(page).get("spot") == (Decimal(spot) if spot else None)


def test_null_stock_status_marks_every_offer_of_the_type_unavailable_with_prices_kept() -> None:
    page = _parse_types(_gpu_type(lowestPrice={"stockStatus": None, "minVcpu": 16}))
    assert [(o.billing, o.available, o.price) for o in page.items] == [
        ("on_demand", False, Decimal("2.39")),
        ("community", False, Decimal("1.99")),
    ]
    assert all(not o.available for o in _parse_types(_gpu_type(lowestPrice=None)).items)


def test_zero_and_negative_prices_are_left_out_with_a_reason_null_silently() -> None:
    page = _parse_types(_gpu_type(securePrice=0, communityPrice=-1, secureSpotPrice=None))
    assert page.items == []
    assert page.skipped == [
        "NVIDIA H100 PCIe on_demand: securePrice 0 is no price",
        "NVIDIA H100 PCIe community: communityPrice -1 is no price",
    ]


def test_the_variant_comes_from_the_display_name_when_the_id_lacks_it() -> None:
    [offer, *_] = _parse_types(_gpu_type(id="NVIDIA H100 80GB HBM3", displayName="H100 SXM", memoryInGb=80)).items
    assert (offer.instance_type, offer.gpu_model, offer.gpu_variant) == ("NVIDIA H100 80GB HBM3", "H100-80G", "SXM")


def test_the_id_is_used_when_the_display_name_is_not_recognised() -> None:
    [offer, *_] = _parse_types(_gpu_type(id="NVIDIA A100-SXM4-80GB", displayName="A100 SXM 80GB (new)")).items
    assert (offer.gpu_model, offer.gpu_variant) == ("A100-80G", "SXM")


def test_unknown_gpu_keeps_its_display_name_and_is_reported() -> None:
    page = _parse_types(_gpu_type(id="AMD Instinct MI300X OAM", displayName="MI300X", memoryInGb=192))
    assert {o.gpu_model for o in page.items} == {"MI300X"}
    assert page.notes == unknown_gpu_notes(["MI300X"])


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"data": None},
        {"data": {"gpuTypes": None}},
        {"data": {"gpuTypes": ["H100"]}},
        {"errors": [{"message": "Cannot query field 'securePrice' on type 'GpuType'."}], "data": None},
        {"data": {"gpuTypes": [{k: v for k, v in _gpu_type().items() if k != "displayName"}]}},
        {"data": {"gpuTypes": [{k: v for k, v in _gpu_type().items() if k != "securePrice"}]}},
        {"data": {"gpuTypes": [_gpu_type(securePrice="2.39")]}},
        {"data": {"gpuTypes": [_gpu_type(communityPrice=True)]}},
        {"data": {"gpuTypes": [_gpu_type(lowestPrice=[])]}},
    ],
)
def test_a_body_without_the_needed_shape_raises_parse_error(body: object) -> None:
    with pytest.raises(ParseError):
        parse(json.dumps(body).encode(), url="u", fetched_at=FETCHED_AT)


def test_an_authentication_error_is_a_block() -> None:
    with pytest.raises(BlockedError, match="Unauthorized"):
        parse(b'{"errors": [{"message": "Unauthorized"}]}', url="u", fetched_at=FETCHED_AT)


def test_an_empty_type_list_is_an_empty_page() -> None:
    page = parse(b'{"data": {"gpuTypes": []}}', url="u", fetched_at=FETCHED_AT)
    assert (page.items, page.skipped, page.notes, page.expect_items) == ([], [], [], True)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(b'{"data": {"gpuTypes": []}}', url="u", fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001


def test_the_query_asks_for_every_field_the_parser_reads() -> None:
    for name in ("id", "displayName", "memoryInGb", "securePrice", "communityPrice", "secureSpotPrice"):
        assert name in GPU_TYPES_QUERY
    assert "communitySpotPrice" in GPU_TYPES_QUERY
    assert "lowestPrice(input: {gpuCount: 1})" in GPU_TYPES_QUERY
    assert "stockStatus" in GPU_TYPES_QUERY
