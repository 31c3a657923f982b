"""Vast.ai offers parser: recorded fixtures compared exactly, and the rules of the per-group summary."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.items import GpuOffer
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes
from spiders.parsers.vastai_gpu import build_query, country_of, parse
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case, offers_to_json

SOURCE = "vastai_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
RAISES = {"ParseError": ParseError, "BlockedError": BlockedError}


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text.encode("utf-8"), url=case.url, fetched_at=case.fetched_at)


def _as_json(page: ParseResult) -> dict[str, Any]:
    groups = [
        {"offer": offers_to_json([offer])[0], "price_min": str(offer.price_min), "offer_count": offer.offer_count}
        for offer in page.items
    ]
    return {"groups": groups, "skipped": page.skipped, "notes": page.notes}


def _template() -> dict[str, Any]:
    """The real offer of the recorded CLI sample (one RTX 4090 of a 4-GPU machine)."""
    offer: dict[str, Any] = copy.deepcopy(load_case(SOURCE, "cli_raw_one_of_four_gpus").response_json()["offers"][0])
    return offer


def _offer(**overrides: Any) -> dict[str, Any]:
    offer = _template()
    offer.update(overrides)
    return offer


def _page(*offers: dict[str, Any]) -> ParseResult:
    body = json.dumps({"offers": list(offers)}).encode()
    return parse(body, url="https://vast.example/bundles/", fetched_at=FETCHED_AT)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {"cli_raw_one_of_four_gpus", "marketplace_mixed", "error_body"}


def test_every_summarised_offer_has_no_validation_problems() -> None:
    page = _parse(load_case(SOURCE, "marketplace_mixed"))
    assert page.items
    for offer in page.items:
        assert problems(offer) == []


def test_group_price_is_the_median_with_the_cheapest_and_the_offer_count() -> None:
    page = _parse(load_case(SOURCE, "marketplace_mixed"))
    [h100x8] = [g for g in page.items if g.instance_type == "vast:8xH100-80G-SXM"]
    assert (h100x8.price, h100x8.price_min, h100x8.offer_count) == (Decimal("17.07"), Decimal("16.5"), 3)
    assert (h100x8.region, h100x8.gpu_count, h100x8.billing) == ("US", Decimal(8), "on_demand")
    # dph_total is the whole offer: the per-GPU price is divided once, by the offer's GPU count.
    assert h100x8.price_per_gpu_hour == Decimal("2.13375")


def test_an_even_group_takes_the_mean_of_its_two_middle_prices() -> None:
    page = _page(*(_offer(id=i, dph_total=p, geolocation="Texas, US") for i, p in enumerate([0.3, 0.5, 0.4, 0.9])))
    [group] = page.items
    assert (group.price, group.price_min, group.offer_count) == (Decimal("0.45"), Decimal("0.3"), 4)


def test_an_offer_of_some_of_a_machines_gpus_is_an_offer_of_whole_gpus() -> None:
    # gpu_frac is num_gpus over the machine's GPUs (vast.py: "Ratio of GPUs in the offer to gpus in the
    # system"), so 0.25 is 1 whole GPU of 4, not a quarter of one: such offers are priced like any other.
    page = _page(_offer(id=1, gpu_frac=0.25, dph_total=0.5), _offer(id=2, gpu_frac=1.0, dph_total=0.3))
    [group] = page.items
    assert isinstance(group, GpuOffer)
    assert (group.gpu_count, group.offer_count, group.price_min) == (Decimal(1), 2, Decimal("0.3"))
    assert page.skipped == []
    # The recorded real offer is such an offer: one RTX 4090 of a 4-GPU machine in Guangxi.
    [real] = _parse(load_case(SOURCE, "cli_raw_one_of_four_gpus")).items
    assert isinstance(real, GpuOffer)
    assert (real.instance_type, real.region, real.gpu_count) == ("vast:1xRTX4090-24G", "CN", Decimal(1))


def test_zero_prices_are_left_out_with_a_reason() -> None:
    page = _page(_offer(id=1, dph_total=0.0), _offer(id=2, dph_total=0.3))
    [group] = page.items
    assert isinstance(group, GpuOffer)
    assert group.offer_count == 1
    assert page.skipped == ["offer 1 (RTX 4090, Guangxi, CN): dph_total 0.0 is no price"]


@pytest.mark.parametrize(
    ("geolocation", "region"),
    [
        ("Guangxi, CN", "CN"),
        ("Texas, US", "US"),
        (", US", "US"),
        ("St.-Petersburg, RU", "RU"),
        (None, "unknown"),
        ("", "unknown"),
        ("Sweden", "unknown"),
        ("Quebec, Canada", "unknown"),
    ],
)
def test_region_is_the_country_code_of_the_geolocation(geolocation: str | None, region: str) -> None:
    assert country_of(geolocation) == region


def test_offers_in_different_countries_are_different_groups() -> None:
    page = _page(_offer(id=1, geolocation="Guangxi, CN"), _offer(id=2, geolocation="Texas, US"), _offer(id=3))
    assert [(g.region, g.offer_count) for g in page.items] == [("CN", 2), ("US", 1)]


def test_40_and_80_gb_cards_of_one_vast_name_are_separate_offers() -> None:
    page = _page(
        _offer(id=1, gpu_name="A100 SXM4", gpu_ram=40960, dph_total=1.2),
        _offer(id=2, gpu_name="A100 SXM4", gpu_ram=81920, dph_total=1.45),
    )
    assert [(o.instance_type, o.gpu_model, o.gpu_variant) for o in page.items] == [
        ("vast:1xA100-40G-SXM", "A100-40G", "SXM"),
        ("vast:1xA100-80G-SXM", "A100-80G", "SXM"),
    ]


def test_a_group_without_a_rentable_offer_is_unavailable_and_keeps_its_price() -> None:
    page = _page(_offer(id=1, rentable=False, dph_total=0.5), _offer(id=2, rented=True, dph_total=0.7))
    [group] = page.items
    assert (group.available, group.price, group.offer_count) == (False, Decimal("0.6"), 2)
    mixed = _page(_offer(id=1, rentable=False, dph_total=0.1), _offer(id=2, dph_total=0.7))
    assert [(g.available, g.price, g.offer_count) for g in mixed.items] == [(True, Decimal("0.7"), 1)]


def test_zero_or_negative_price_is_no_price() -> None:
    page = _page(_offer(id=1, dph_total=0), _offer(id=2, dph_total=-0.2))
    assert page.items == []
    assert [r.split(": ")[1] for r in page.skipped] == ["dph_total 0 is no price", "dph_total -0.2 is no price"]


def test_unknown_gpu_keeps_its_raw_name_and_is_reported_once() -> None:
    page = _page(
        _offer(id=1, gpu_name="Radeon MI300X", gpu_ram=196608), _offer(id=2, gpu_name="Radeon MI300X", num_gpus=2)
    )
    assert [o.gpu_model for o in page.items] == ["Radeon MI300X", "Radeon MI300X"]
    assert [o.instance_type for o in page.items] == ["vast:1xRadeon-MI300X", "vast:2xRadeon-MI300X"]
    assert page.notes == unknown_gpu_notes(["Radeon MI300X"])


def test_float_prices_become_exact_decimals() -> None:
    [group] = _page(_offer()).items
    assert group.price == Decimal("0.2466759259259259")


@pytest.mark.parametrize(
    "body",
    [
        [],
        "offers",
        {"offers": {}},
        {"success": True},
        {"offers": ["x"]},
        {"offers": [{k: v for k, v in _template().items() if k != "gpu_name"}]},
        {"offers": [_offer(num_gpus=0)]},
        {"offers": [_offer(num_gpus=1.5)]},
        {"offers": [_offer(dph_total=None)]},
        {"offers": [_offer(dph_total="0.25")]},
        {"offers": [_offer(dph_total=True)]},
    ],
)
def test_a_body_without_the_needed_shape_raises_parse_error(body: object) -> None:
    with pytest.raises(ParseError):
        parse(json.dumps(body).encode(), url="u", fetched_at=FETCHED_AT)


def test_an_auth_error_body_is_a_block() -> None:
    with pytest.raises(BlockedError, match="api key"):
        parse(b'{"success": false, "error": "auth_error", "msg": "invalid api key"}', url="u", fetched_at=FETCHED_AT)


def test_an_empty_offer_list_is_an_empty_page() -> None:
    page = parse(b'{"offers": []}', url="u", fetched_at=FETCHED_AT)
    assert (page.items, page.skipped, page.notes, page.details) == ([], [], [], {"offers_seen": 0})
    assert "matched nothing" in page.empty_reason


def test_an_answer_that_reaches_the_search_limit_is_noted() -> None:
    body = json.dumps({"offers": [_offer(id=1), _offer(id=2)]}).encode()
    noted = parse(body, url="u", fetched_at=FETCHED_AT, request=Request(meta={"limit": 2}))
    assert noted.notes == ["the answer holds 2 offers, the limit: raise -a limit= to see them all"]
    assert parse(body, url="u", fetched_at=FETCHED_AT, request=Request(meta={"limit": 3})).notes == []


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(b'{"offers": []}', url="u", fetched_at=datetime(2026, 11, 20, 6, 0))  # noqa: DTZ001


def test_query_always_sends_a_limit_and_on_demand_rentable_offers() -> None:
    query = build_query()
    assert query == {
        "rentable": {"eq": True},
        "rented": {"eq": False},
        "num_gpus": {"gte": 1},
        "order": [["dph_total", "asc"]],
        "type": "on-demand",
        "limit": 3000,
    }
    assert build_query(["A100 SXM4", "H100 SXM"], limit=50)["gpu_name"] == {"in": ["A100 SXM4", "H100 SXM"]}
    with pytest.raises(ValueError, match="limit"):
        build_query(limit=0)
