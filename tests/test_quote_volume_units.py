"""Volume units per board, proven on the fixtures: turnover / volume of a quote is a price the day traded at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.symbols import parse_symbol
from spiders.parsers.volume_units import SHARES_PER_UNIT, UNPROVEN, board_of, shares_per_unit, volume_in_shares
from tests.fixture_cases import FIXTURES_DIR, all_cases, read_json, validate_meta

QUOTE_SOURCES = sorted(SHARES_PER_UNIT)


def _quote_items() -> list[tuple[str, str, bool, dict[str, Any]]]:
    """(source, case, real?, quote) for every quote in an expected.json of a quote source."""
    found = []
    for source, case in all_cases():
        if source not in SHARES_PER_UNIT:
            continue
        folder = FIXTURES_DIR / source / case
        expected = read_json(folder / "expected.json")
        quotes = expected.get("quotes", []) if isinstance(expected, dict) else expected
        real = not validate_meta(folder / "meta.json")["constructed"]
        found += [(source, case, real, quote) for quote in quotes]
    return found


def _checkable(quote: dict[str, Any]) -> bool:
    # An index's turnover / volume is the market's average share price, not a level between its low and high.
    has_all = all(quote.get(key) not in (None, 0) for key in ("turnover", "volume", "low", "high"))
    return has_all and quote.get("kind") == "stock"


def average_price(quote: dict[str, Any]) -> Decimal:
    """Turnover / volume: the average price paid per share that day."""
    return Decimal(str(quote["turnover"])) / Decimal(quote["volume"])


def within_day_range(quote: dict[str, Any]) -> bool:
    """True when the average traded price lies between the day's low and high."""
    return Decimal(str(quote["low"])) <= average_price(quote) <= Decimal(str(quote["high"]))


CHECKED = [item for item in _quote_items() if _checkable(item[3])]


@pytest.mark.parametrize(
    ("source", "case", "real", "quote"), CHECKED, ids=[f"{s}/{c}/{q['symbol']}" for s, c, _, q in CHECKED]
)
def test_the_average_traded_price_of_every_quote_fixture_lies_between_its_low_and_high(
    source: str, case: str, real: bool, quote: dict[str, Any]
) -> None:
    assert within_day_range(quote), (
        f"{source}/{case} {quote['symbol']}: turnover / volume = {average_price(quote):.4f}, outside "
        f"[{quote['low']}, {quote['high']}]: the volume unit for board {board_of(parse_symbol(quote['symbol']))!r} "
        f"in spiders/parsers/volume_units.py is wrong"
    )


def _real_boards(source: str) -> set[str]:
    return {board_of(parse_symbol(q["symbol"])) for s, _, real, q in CHECKED if s == source and real}


@pytest.mark.parametrize("source", QUOTE_SOURCES)
def test_every_unit_rule_called_proven_has_a_real_capture_that_passes_the_check(source: str) -> None:
    proven = {board for board in SHARES_PER_UNIT[source] if (source, board) not in UNPROVEN}
    missing = sorted(proven - _real_boards(source))
    assert not missing, f"{source}: no real fixture proves the volume unit of {missing}; add one or list it in UNPROVEN"


@pytest.mark.parametrize("source", QUOTE_SOURCES)
def test_a_rule_still_listed_unproven_has_no_real_capture_yet(source: str) -> None:
    unproven = {board for s, board in UNPROVEN if s == source}
    assert not unproven & _real_boards(source), f"{source}: a real case proves {unproven & _real_boards(source)}"


def test_the_star_case_proves_shares_because_lots_would_put_the_average_price_far_below_the_low() -> None:
    [star] = [q for s, c, _, q in CHECKED if (s, c) == ("tencent_quotes", "star_board_shares")]
    as_lots = {**star, "volume": star["volume"] * 100}
    assert within_day_range(star)
    assert not within_day_range(as_lots)
    assert f"{average_price(star):.2f}" == "1369.81"


@pytest.mark.parametrize(
    ("symbol", "board"),
    [
        ("688256.SH", "star"), ("689009.SH", "star"), ("300308.SZ", "chinext"), ("301236.SZ", "chinext"),
        ("600519.SH", "main"), ("000001.SZ", "main"), ("002008.SZ", "main"), ("920002.BJ", "bj"),
        ("830799.BJ", "bj"), ("430017.BJ", "bj"), ("000300.SH", "index"), ("399006.SZ", "index"),
        ("0700.HK", "hk"), ("NVDA", "us"),
    ],
)  # fmt: skip
def test_boards_are_told_by_exchange_and_code_prefix(symbol: str, board: str) -> None:
    assert board_of(parse_symbol(symbol)) == board


@pytest.mark.parametrize(
    ("source", "symbol", "shares"),
    [
        ("tencent_quotes", "688256.SH", 1), ("tencent_quotes", "300308.SZ", 100), ("tencent_quotes", "920002.BJ", 100),
        ("tencent_quotes", "0700.HK", 1), ("sina_quotes", "300760.SZ", 1), ("sina_quotes", "000300.SH", 100),
        ("eastmoney_quotes", "300760.SZ", 100), ("eastmoney_quotes", "9988.HK", 1),
    ],
)  # fmt: skip
def test_shares_per_volume_unit_per_source_and_board(source: str, symbol: str, shares: int) -> None:
    assert shares_per_unit(source, parse_symbol(symbol)) == shares
    assert volume_in_shares(source, parse_symbol(symbol), Decimal(7)) == Decimal(7 * shares)


def test_a_missing_volume_stays_missing() -> None:
    assert volume_in_shares("tencent_quotes", parse_symbol("688256.SH"), None) is None
