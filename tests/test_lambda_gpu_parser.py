"""Lambda pricing-table parser: the real 2024-11-03 page compared exactly, and the rules for odd rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from spiders.errors import BlockedError, ParseError
from spiders.parsers.contract import ParseResult
from spiders.parsers.lambda_gpu import parse
from spiders.validation import problems
from tests.fixture_cases import Case, case_names, load_case

SOURCE = "lambda_gpu"
CASES = case_names(SOURCE)
FETCHED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
RAISES = {"ParseError": ParseError, "BlockedError": BlockedError}


def _parse(case: Case) -> ParseResult:
    return parse(case.response_text, url=case.url, fetched_at=case.fetched_at)


def _table(*rows: tuple[str, ...]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _row(label: str = "On-demand 1x NVIDIA H100 SXM", price: str = "$3.29 / GPU / hr") -> tuple[str, ...]:
    return (f"<strong>{label}</strong>", "<span>80 GB</span>", "26", "225 GiB", "2.75 TiB SSD", price)


def _parse_rows(*rows: tuple[str, ...]) -> ParseResult:
    return parse(_table(*rows), url="https://lambda.example/", fetched_at=FETCHED_AT)


def test_every_case_folder_is_covered() -> None:
    assert set(CASES) >= {"pricing_table_20241103", "tabbed_8x_20260109", "tabbed_all_sizes_20260822",
                          "cloudflare_challenge", "layout_changed"}  # fmt: skip


def test_every_offer_of_the_real_page_is_valid() -> None:
    for offer in _parse(load_case(SOURCE, "pricing_table_20241103")).items:
        assert problems(offer) == []


def test_instance_price_is_the_per_gpu_price_times_the_gpus_divided_back_once() -> None:
    offers = {o.instance_type: o for o in _parse(load_case(SOURCE, "pricing_table_20241103")).items}
    eight = offers["8x NVIDIA H100 SXM (80 GB)"]
    assert (eight.price, eight.gpu_count, eight.price_per_gpu_hour) == (Decimal("23.92"), Decimal(8), Decimal("2.99"))
    # Multi-GPU is never n × 1x: the single H100 costs more per GPU than the eight-GPU machine.
    assert offers["1x NVIDIA H100 SXM (80 GB)"].price_per_gpu_hour == Decimal("3.29")


def test_a100_40_and_80_gb_rows_with_the_same_label_stay_apart() -> None:
    offers = {o.instance_type: o for o in _parse(load_case(SOURCE, "pricing_table_20241103")).items}
    assert offers["8x NVIDIA A100 SXM (80 GB)"].gpu_model == "A100-80G"
    assert offers["8x NVIDIA A100 SXM (40 GB)"].gpu_model == "A100-40G"
    assert (offers["8x NVIDIA A100 SXM (40 GB)"].vcpus, offers["8x NVIDIA A100 SXM (40 GB)"].memory_gb) == (
        124,
        Decimal(1800),
    )


def test_contact_sales_rows_are_left_out_with_a_reason() -> None:
    page = _parse(load_case(SOURCE, "pricing_table_20241103"))
    assert page.skipped == ["Reserved 8x NVIDIA H100 SXM: no listed price (CONTACT SALES)"]
    assert all(o.billing == "on_demand" for o in page.items)


def test_a_priced_reserved_row_is_a_reserved_offer() -> None:
    [offer] = _parse_rows(_row("Reserved 8x NVIDIA H100 SXM", "$2.49 / GPU / hr")).items
    assert (offer.billing, offer.price) == ("reserved", Decimal("19.92"))


def test_the_quadro_rtx_6000_is_now_a_known_24_gb_card() -> None:
    page = _parse(load_case(SOURCE, "pricing_table_20241103"))
    assert page.notes == []
    [quadro] = [o for o in page.items if o.instance_type.startswith("1x NVIDIA Quadro RTX 6000")]
    assert (quadro.gpu_model, quadro.gpu_variant, quadro.price) == ("QUADRORTX6000-24G", None, Decimal("0.50"))


def test_an_unknown_gpu_is_kept_under_its_raw_name_and_the_note_says_what_was_read() -> None:
    page = _parse_rows(_row("On-demand 1x NVIDIA Quadro RTX 8000"))
    assert [o.gpu_model for o in page.items] == ["NVIDIA Quadro RTX 8000"]
    assert page.notes == [
        "unknown GPU model 'NVIDIA Quadro RTX 8000': kept under its raw name; read as family QUADRO RTX 8000, "
        "not in the table (add it to spiders/gpu_names.py)"
    ]


@pytest.mark.parametrize("price", ["$3.29/GPU/hr", "$ 3.29 / gpu / hour", "$3.29 / GPU / hr*"])
def test_price_spacing_and_case_do_not_matter(price: str) -> None:
    [offer] = _parse_rows(_row(price=price)).items
    assert offer.price == Decimal("3.29")


@pytest.mark.parametrize("price", ["$0.00 / GPU / hr", "$0 / GPU / hr"])
def test_a_zero_price_is_left_out_with_a_reason(price: str) -> None:
    page = _parse_rows(_row(price=price), _row("On-demand 2x NVIDIA H100 SXM"))
    assert [o.gpu_count for o in page.items] == [Decimal(2)]
    assert "is no price" in page.skipped[0]


@pytest.mark.parametrize("price", ["$23.92 / hr", "€2.99 / GPU / hr", "2.99", "$2,99 / GPU / hr"])
def test_a_price_not_per_gpu_hour_in_dollars_is_a_parse_error(price: str) -> None:
    with pytest.raises(ParseError, match="not written as"):
        _parse_rows(_row(price=price))


def test_a_short_row_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="cells"):
        _parse_rows(("On-demand 1x NVIDIA H100 SXM", "80 GB", "$3.29 / GPU / hr"))


@pytest.mark.parametrize("body", ["", "<html><body><p>Pricing</p></body></html>", _table(("GPU", "VRAM", "$"))])
def test_a_page_without_pricing_rows_is_a_parse_error_not_an_empty_list(body: str) -> None:
    with pytest.raises(ParseError, match="layout changed"):
        parse(body, url="u", fetched_at=FETCHED_AT)


def test_bytes_and_text_bodies_parse_alike() -> None:
    text = load_case(SOURCE, "pricing_table_20241103").response_text
    as_bytes = parse(text.encode("utf-8"), url="u", fetched_at=FETCHED_AT)
    assert as_bytes == parse(text, url="u", fetched_at=FETCHED_AT)


def test_a_challenge_page_is_a_block() -> None:
    with pytest.raises(BlockedError, match="Cloudflare"):
        parse("<html><script>window._cf_chl_opt={}</script></html>", url="u", fetched_at=FETCHED_AT)


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(_table(_row()), url="u", fetched_at=datetime(2026, 11, 20, 6, 0))  # noqa: DTZ001


TABBED = load_case(SOURCE, "tabbed_all_sizes_20260822")


def _tabbed(old: str, new: str) -> ParseResult:
    assert old in TABBED.response_text
    return parse(TABBED.response_text.replace(old, new, 1), url=TABBED.url, fetched_at=TABBED.fetched_at)


def test_the_tabbed_page_takes_the_gpu_count_from_the_tab_and_prices_the_instance() -> None:
    offers = {o.instance_type: o for o in _parse(TABBED).items}
    b200 = {int(o.gpu_count): o.price_per_gpu_hour for o in offers.values() if o.gpu_model == "B200-180G"}
    assert b200 == {8: Decimal("6.69"), 4: Decimal("6.79"), 2: Decimal("6.89"), 1: Decimal("6.99")}
    assert offers["8x NVIDIA B200 SXM6 (180 GB)"].price == Decimal("53.52")
    assert (offers["8x NVIDIA B200 SXM6 (180 GB)"].gpu_variant, offers["1x NVIDIA GH200 (96 GB)"].gpu_model) == (
        "SXM",
        "GH200-96G",
    )


def test_both_real_tabbed_captures_parse_to_valid_offers_with_every_row() -> None:
    assert len(_parse(TABBED).items) == 22
    january = _parse(load_case(SOURCE, "tabbed_8x_20260109"))
    assert [int(o.gpu_count) for o in january.items] == [8] * 5
    assert all(problems(offer) == [] for offer in [*january.items, *_parse(TABBED).items])


def test_a_tab_that_is_no_instance_size_is_left_out_with_a_reason() -> None:
    page = _tabbed(">1x</button>", ">NVIDIA HGX B200</button>")
    assert len(page.items) == 13
    assert page.skipped[0] == "NVIDIA B200 SXM6: in tab 'NVIDIA HGX B200', which is no instance size (a cluster table)"


def test_an_unpriced_row_in_a_tab_is_left_out_with_a_reason() -> None:
    page = _tabbed('data-label="PRICE/GPU/HR*">$6.69<', 'data-label="PRICE/GPU/HR*">\u2014<')
    assert page.skipped == ["8x NVIDIA B200 SXM6: no listed price (\u2014)"]


@pytest.mark.parametrize("price", ["$53.52 / hr", "6.69 USD", "$6,69"])
def test_a_tabbed_price_that_is_no_bare_dollar_amount_is_a_parse_error(price: str) -> None:
    with pytest.raises(ParseError, match="not written as"):
        _tabbed('data-label="PRICE/GPU/HR*">$6.69<', f'data-label="PRICE/GPU/HR*">{price}<')


def test_a_tabbed_row_without_its_price_cell_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="has no PRICE/GPU/HR"):
        _tabbed('<td data-label="PRICE/GPU/HR*">$6.69</td>', "")


def test_a_plan_row_outside_the_tabs_is_a_parse_error_not_a_guessed_count() -> None:
    row = '<table><tr data-plan="NVIDIA H100 SXM"><th>NVIDIA H100 SXM</th></tr></table>'
    with pytest.raises(ParseError, match="outside the tabs"):
        parse(TABBED.response_text + row, url=TABBED.url, fetched_at=TABBED.fetched_at)
