"""Azure Retail Prices parser: recorded fixtures compared exactly, plus the rules that keep bad prices out."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.azure_gpu import AZURE_SKUS, build_filter, parse
from spiders.parsers.contract import FollowUp, ParseResult, Request
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "azure_gpu"
CASES = case_names(SOURCE)
OFFER_CASES = [c for c in CASES if isinstance(load_case(SOURCE, c).expected, list)]
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text.encode("utf-8"), url=case.url, fetched_at=case.fetched_at)


def _page(*items: dict[str, Any], next_link: str | None = None) -> dict[str, Any]:
    return {
        "BillingCurrency": "USD",
        "CustomerEntityId": "Default",
        "CustomerEntityType": "Retail",
        "Items": list(items),
        "NextPageLink": next_link,
        "Count": len(items),
    }


def _gpu_item(**overrides: Any) -> dict[str, Any]:
    """The NC24ads A100 v4 eastus on-demand item of the recorded page 1, with fields replaced."""
    item: dict[str, Any] = copy.deepcopy(load_case(SOURCE, "gpu_two_pages_page1").response_json()["Items"][0])
    item.update(overrides)
    return item


def _parse_items(*items: dict[str, Any]) -> ParseResult:
    return parse(_body(_page(*items)), url="https://prices.example/page", fetched_at=FETCHED_AT)


def _body(page: object) -> bytes:
    return json.dumps(page).encode()


def _next_url(page: ParseResult) -> str | None:
    return page.follow[0].url if page.follow else None


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {
        "doc_sample_no_gpu",
        "gpu_two_pages_page1",
        "gpu_two_pages_page2",
        "malformed_shape",
    }


@pytest.mark.parametrize("case_name", OFFER_CASES)
def test_every_offer_has_no_validation_problems(case_name: str) -> None:
    for offer in _parse(load_case(SOURCE, case_name)).items:
        assert problems(offer) == []


def test_reservation_term_totals_are_never_hourly_prices() -> None:
    doc = _parse(load_case(SOURCE, "doc_sample_no_gpu"))
    page1 = _parse(load_case(SOURCE, "gpu_two_pages_page1"))
    assert any("Standard_E64_v4" in r and "reservation" in r and "1 Year" in r for r in doc.skipped)
    assert any("reservation" in r and "1 Year" in r for r in page1.skipped)
    assert all(o.price is not None and o.price < 100 for o in page1.items)
    # A reservation of a mapped GPU SKU is left out even though its unitOfMeasure says "1 Hour".
    reserved = _parse_items(_gpu_item(type="Reservation", reservationTerm="3 Years", retailPrice=51000.0))
    assert reserved.items == []
    assert len(reserved.skipped) == 1
    assert "3 Years total" in reserved.skipped[0]


def test_windows_and_low_priority_meters_are_skipped() -> None:
    page = _parse(load_case(SOURCE, "gpu_two_pages_page1"))
    assert [(o.billing, o.price) for o in page.items] == [
        ("on_demand", Decimal("3.673")),
        ("spot", Decimal("0.7345")),
    ]
    assert sum("Windows product" in r for r in page.skipped) == 1
    assert sum("Low Priority meter" in r for r in page.skipped) == 1
    dedicated = _parse_items(_gpu_item(productName="Virtual Machines NCads A100 v4 Series Dedicated Host"))
    assert dedicated.items == []
    assert "Dedicated" in dedicated.skipped[0]


def test_dev_test_prices_are_not_consumption() -> None:
    page = _parse_items(_gpu_item(type="DevTestConsumption"))
    assert page.items == []
    assert "DevTestConsumption" in page.skipped[0]


def test_next_page_link_is_followed_until_null() -> None:
    pages = {case.url: case for case in (load_case(SOURCE, c) for c in OFFER_CASES)}
    url: str | None = load_case(SOURCE, "gpu_two_pages_page1").url
    visited: list[str] = []
    offers: list[GpuOffer] = []
    while url is not None:
        assert url not in visited, "NextPageLink loops"
        visited.append(url)
        page = _parse(pages[url])
        offers += page.items
        url = _next_url(page)
    assert visited == [
        load_case(SOURCE, "gpu_two_pages_page1").url,
        load_case(SOURCE, "gpu_two_pages_page2").url,
    ]
    assert visited[1].endswith("&$skip=1000")
    assert [o.instance_type for o in offers] == [
        "Standard_NC24ads_A100_v4",
        "Standard_NC24ads_A100_v4",
        "Standard_NC48ads_A100_v4",
        "Standard_ND96amsr_A100_v4",
    ]


@pytest.mark.parametrize("link", [None, ""])
def test_missing_or_empty_next_page_link_means_last_page(link: str | None) -> None:
    body = _page(_gpu_item())
    body["NextPageLink"] = link
    assert parse(_body(body), url="u", fetched_at=FETCHED_AT).follow == []
    del body["NextPageLink"]
    assert parse(_body(body), url="u", fetched_at=FETCHED_AT).follow == []


def test_unknown_gpu_sku_is_reported_not_dropped_silently() -> None:
    page = _parse_items(_gpu_item(armSkuName="Standard_NC6s_v3", meterName="NC6s v3"), _gpu_item())
    assert [o.instance_type for o in page.items] == ["Standard_NC24ads_A100_v4"]
    assert len(page.skipped) == 1
    assert "Standard_NC6s_v3" in page.skipped[0]
    assert "unknown GPU SKU" in page.skipped[0]
    assert page.notes == page.skipped  # the operator reads it once per run
    cpu_only = _parse_items(_gpu_item(armSkuName="Standard_F16s", meterName="F16s"))
    assert cpu_only.items == []
    assert "Standard_F16s" in cpu_only.skipped[0]
    assert "not a GPU SKU" in cpu_only.skipped[0]
    # Every item of a page is either an offer or a reason: the doc sample's three items are three reasons.
    assert len(_parse(load_case(SOURCE, "doc_sample_no_gpu")).skipped) == 3


def test_latest_effective_start_date_wins_within_a_page() -> None:
    page2 = _parse(load_case(SOURCE, "gpu_two_pages_page2"))
    nc48 = [o for o in page2.items if o.instance_type == "Standard_NC48ads_A100_v4"]
    assert [o.price for o in nc48] == [Decimal("9.554")]
    assert page2.skipped == [
        "Standard_NC48ads_A100_v4 eastus on_demand: price effective 2022-07-01 superseded by 2023-01-01"
    ]
    newer_first = _parse_items(
        _gpu_item(retailPrice=4.0, effectiveStartDate="2025-01-01T00:00:00Z"),
        _gpu_item(retailPrice=3.0, effectiveStartDate="2024-01-01T00:00:00Z"),
    )
    assert [o.price for o in newer_first.items] == [Decimal("4.0")]
    assert len(newer_first.skipped) == 1


def test_spot_and_on_demand_of_one_sku_are_separate_offers() -> None:
    page = _parse_items(_gpu_item(), _gpu_item(meterName="NC24ads A100 v4 Spot", retailPrice=0.7345))
    assert sorted(o.billing for o in page.items) == ["on_demand", "spot"]


def test_zero_retail_price_is_no_price_never_free() -> None:
    page = _parse_items(_gpu_item(retailPrice=0), _gpu_item(retailPrice=0.0, meterName="NC24ads A100 v4 Spot"))
    assert page.items == []
    assert len(page.skipped) == 2
    assert all("is no price" in r for r in page.skipped)


def test_non_hourly_unit_is_skipped_with_reason() -> None:
    page = _parse_items(_gpu_item(unitOfMeasure="1/Month"))
    assert page.items == []
    assert "'1/Month'" in page.skipped[0]


def test_price_is_per_vm_hour_and_divided_once_per_gpu() -> None:
    page = _parse_items(
        _gpu_item(armSkuName="Standard_ND96isr_H100_v5", meterName="ND96isr H100 v5", retailPrice=98.32)
    )
    (offer,) = page.items
    assert (offer.gpu_model, offer.gpu_variant, offer.gpu_count) == ("H100-80G", "SXM", Decimal(8))
    assert offer.price == Decimal("98.32")
    assert offer.price_per_gpu_hour == Decimal("12.29")


def test_currency_is_taken_from_the_item() -> None:
    (offer,) = _parse_items(_gpu_item(currencyCode="CNY", retailPrice=26.5)).items
    assert (offer.currency, offer.price) == ("CNY", Decimal("26.5"))


@pytest.mark.parametrize(
    "body",
    [
        [],
        "not json object",
        {"Items": {}},
        {"BillingCurrency": "USD", "Count": 0},
        {"error": {"code": "BadRequest"}},
        _page({"armSkuName": "Standard_NC24ads_A100_v4"}),
        _page("item"),  # type: ignore[arg-type]
        _page(_gpu_item(retailPrice=None)),
        _page(_gpu_item(retailPrice="3.673")),
        _page(_gpu_item(retailPrice=True)),
        _page({k: v for k, v in _gpu_item().items() if k != "armRegionName"}),
        _page({k: v for k, v in _gpu_item().items() if k != "currencyCode"}),
        _page({k: v for k, v in _gpu_item().items() if k != "unitOfMeasure"}),
        _page(_gpu_item(effectiveStartDate="last tuesday")),
        {**_page(_gpu_item()), "NextPageLink": 1000},
    ],
)
def test_a_body_without_the_needed_shape_raises_parse_error(body: object) -> None:
    with pytest.raises(ParseError):
        parse(_body(body), url="u", fetched_at=FETCHED_AT)


def test_empty_items_list_is_a_real_empty_answer() -> None:
    page = parse(_body(_page()), url="u", fetched_at=FETCHED_AT)
    assert (page.items, page.follow, page.skipped, page.expect_items) == ([], [], [], True)
    assert "matched nothing" in page.empty_reason


def test_the_next_page_carries_the_page_count_and_the_offers_seen() -> None:
    page1 = load_case(SOURCE, "gpu_two_pages_page1")
    first = parse(page1.response_text, url=page1.url, fetched_at=FETCHED_AT, request=Request(meta={"page": 1}))
    [follow] = first.follow
    assert follow == FollowUp(load_case(SOURCE, "gpu_two_pages_page2").url, meta={"page": 2, "offers_seen": 2})
    # A last page without offers is no failure once an earlier page had some.
    last = parse(_body(_page()), url="u", fetched_at=FETCHED_AT, request=Request(meta=follow.meta))
    assert (last.items, last.follow, last.expect_items) == ([], [], False)


def test_a_next_page_beyond_max_pages_is_an_error_not_a_truncation() -> None:
    body = _body(_page(_gpu_item(), next_link="https://prices.azure.com/api/retail/prices?$skip=1000"))
    with pytest.raises(ParseError, match="more than 3 pages"):
        parse(body, url="u", fetched_at=FETCHED_AT, request=Request(meta={"page": 3, "max_pages": 3}))
    [follow] = parse(body, url="u", fetched_at=FETCHED_AT, request=Request(meta={"page": 2, "max_pages": 3})).follow
    assert follow.meta == {"page": 3, "offers_seen": 1, "max_pages": 3}


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(_body(_page()), url="u", fetched_at=datetime(2026, 11, 20, 6, 0))  # noqa: DTZ001


@pytest.mark.parametrize("sku", list(AZURE_SKUS))
def test_every_mapped_sku_names_a_known_gpu_with_its_memory(sku: str) -> None:
    gpu = canonical_gpu(AZURE_SKUS[sku].gpu)
    assert gpu.known
    assert "-" in gpu.model
    assert gpu.variant in {"SXM", "PCIe", "NVL"}


def test_build_filter_lists_the_skus_case_sensitively() -> None:
    assert build_filter(["Standard_NC24ads_A100_v4", "Standard_ND96asr_v4"]) == (
        "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and "
        "(armSkuName eq 'Standard_NC24ads_A100_v4' or armSkuName eq 'Standard_ND96asr_v4')"
    )
    default = build_filter()
    assert all(f"armSkuName eq '{sku}'" in default for sku in AZURE_SKUS)
    assert build_filter(["O'Brien"]).endswith("(armSkuName eq 'O''Brien')")
    with pytest.raises(ValueError, match="at least one"):
        build_filter([])
