"""instances.vantage.sh parser: the real dl2q record and constructed p4d/p4de/p5 records, plus the rules."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spiders.errors import ParseError
from spiders.items import GpuOffer
from spiders.parsers.aws_gpu import parse
from spiders.parsers.contract import ParseResult
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "aws_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
URL = "https://instances.vantage.sh/instances.json"


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text, url=case.url, fetched_at=case.fetched_at)


def _record(instance_type: str = "p4d.24xlarge", **overrides: Any) -> dict[str, Any]:
    """A record of the constructed file, with fields replaced."""
    records = load_case(SOURCE, "p4d_p4de_p5_g5").response_json()
    record: dict[str, Any] = copy.deepcopy(next(r for r in records if r["instance_type"] == instance_type))
    record.update(overrides)
    return record


def _parse_records(*records: object) -> ParseResult:
    return parse(json.dumps(list(records)).encode(), url=URL, fetched_at=FETCHED_AT)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {"dl2q_real_record", "not_a_list", "p4d_p4de_p5_g5"}


@pytest.mark.parametrize("case_name", ["dl2q_real_record", "p4d_p4de_p5_g5", "p5_p5en_p6b200_real"])
def test_every_offer_has_no_validation_problems(case_name: str) -> None:
    offers = _parse(load_case(SOURCE, case_name)).items
    assert offers
    for offer in offers:
        assert problems(offer) == []


def test_p4d_is_8_a100_40g_p4de_8_a100_80g_p5_8_h100_80g() -> None:
    offers = _parse(load_case(SOURCE, "p4d_p4de_p5_g5")).items
    models = {o.instance_type: (o.gpu_model, o.gpu_count) for o in offers}
    assert models == {
        "p4d.24xlarge": ("A100-40G", Decimal(8)),
        "p4de.24xlarge": ("A100-80G", Decimal(8)),
        "p5.48xlarge": ("H100-80G", Decimal(8)),
        "g5.xlarge": ("A10G-24G", Decimal(1)),
    }
    p5 = next(o for o in offers if o.instance_type == "p5.48xlarge" and o.billing == "on_demand")
    assert (p5.price, p5.price_per_gpu_hour, p5.currency, p5.vcpus, p5.memory_gb) == (
        Decimal("55.04"),
        Decimal("6.88"),
        "USD",
        192,
        Decimal(2048),
    )


def test_spot_is_the_lowest_observed_spot_price_never_the_advisor_estimate() -> None:
    offers = _parse(load_case(SOURCE, "p4d_p4de_p5_g5")).items
    p4d = {(o.region, o.billing): o.price for o in offers if o.instance_type == "p4d.24xlarge"}
    assert p4d == {
        ("us-east-1", "on_demand"): Decimal("21.957642"),
        ("us-east-1", "spot"): Decimal("8.7829"),  # spot_min, not spot_avg 9.3105
        ("us-west-2", "on_demand"): Decimal("21.957642"),  # spot_avg 6.587293 there is an estimate: no spot offer
    }


def test_a_real_region_with_only_the_advisor_estimate_has_no_spot_offer() -> None:
    # Real p5.48xlarge ap-southeast-3: spot_avg 7.59552 = ondemand 75.9552 x (100 - pct_savings_od 90)%, no spot_min.
    offers = _parse(load_case(SOURCE, "p5_p5en_p6b200_real")).items
    p5 = {
        (o.region, o.billing): o.price for o in offers if isinstance(o, GpuOffer) and o.instance_type == "p5.48xlarge"
    }
    assert p5[("ap-southeast-3", "on_demand")] == Decimal("75.9552")
    assert ("ap-southeast-3", "spot") not in p5
    assert p5[("us-east-1", "spot")] == Decimal("13.2182")  # spot_min, not spot_avg 28.106467


def test_only_linux_prices_count_and_dedicated_only_regions_are_skipped() -> None:
    parsed = _parse(load_case(SOURCE, "p4d_p4de_p5_g5"))
    assert Decimal("25.637642") not in {o.price for o in parsed.items}  # the mswin price
    assert "p4d.24xlarge eu-west-2: no Linux price (dedicated or other OS only)" in parsed.skipped
    assert "eu-west-2" not in {o.region for o in parsed.items}


def test_instances_without_gpus_are_ignored() -> None:
    parsed = _parse(load_case(SOURCE, "p4d_p4de_p5_g5"))
    assert "m5.large" not in {o.instance_type for o in parsed.items}
    assert parsed.details == {"gpu_instance_types": 4}


def test_unknown_accelerator_keeps_its_raw_name_and_is_reported_once() -> None:
    parsed = _parse(load_case(SOURCE, "dl2q_real_record"))
    assert {o.gpu_model for o in parsed.items} == {"Qualcomm AI 100 Accelerators"}
    assert parsed.notes == [
        "unknown GPU 'Qualcomm AI 100 Accelerators' (dl2q.24xlarge, 16 GB each): stored under its raw name"
    ]


def test_gpu_memory_is_the_instance_total_divided_per_gpu() -> None:
    assert {o.gpu_model for o in _parse_records(_record(GPU_memory=640)).items} == {"A100-80G"}
    # Memory unknown: the family is kept, the size is not guessed (gpu.md §6.6).
    assert {o.gpu_model for o in _parse_records(_record(GPU_memory=0)).items} == {"A100"}


@pytest.mark.parametrize("value", ["0", "0.0", "", "N/A", None, "-1", 0])
def test_zero_missing_or_unreadable_prices_are_no_price(value: object) -> None:
    record = _record(pricing={"us-east-1": {"linux": {"ondemand": value, "spot_min": value}}})
    parsed = _parse_records(record)
    assert parsed.items == []
    assert len(parsed.skipped) == 2


def test_gpu_record_without_gpu_model_is_reported_and_left_out() -> None:
    parsed = _parse_records(_record(GPU_model=None))
    assert parsed.items == []
    assert parsed.notes == ["p4d.24xlarge: GPU > 0 but no GPU_model, left out"]


def test_records_without_a_gpu_field_count_as_no_gpu() -> None:
    record = _record()
    del record["GPU"]
    assert _parse_records(record, {"instance_type": "t3.micro", "GPU": None}).items == []


def test_an_empty_array_is_an_honest_empty_answer() -> None:
    parsed = parse(b"[]", url=URL, fetched_at=FETCHED_AT)
    assert (parsed.items, parsed.details, parsed.notes, parsed.skipped) == ([], {"gpu_instance_types": 0}, [], [])


def _without(name: str) -> dict[str, Any]:
    record = _record()
    del record[name]
    return record


@pytest.mark.parametrize(
    "records",
    [
        ["p4d.24xlarge"],
        [_record(GPU="8")],
        [_record(GPU=True)],
        [_without("instance_type")],
        [_without("pricing")],
        [_record(pricing=[])],
    ],
)
def test_a_record_without_the_needed_shape_raises_parse_error(records: list[object]) -> None:
    with pytest.raises(ParseError):
        _parse_records(*records)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html>Access Denied</html>", "HTML instead"),
        (b'[{"instance_type": "p4d.24xlarge", "GPU": 8,', "malformed JSON"),
        (b'{"instances": []}', "JSON array"),
    ],
)
def test_empty_html_truncated_or_wrong_bodies_raise_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(body, url=URL, fetched_at=FETCHED_AT)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(b"[]", url=URL, fetched_at=datetime(2026, 11, 20))  # noqa: DTZ001
