"""The [quotes] config section: strict, frozen, canonical symbols, EPS years, boards and holidays."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from core.config.quotes import QuotesConfig, WatchEntry

EXAMPLE = """
[quotes]
indices = ["000300.SH", "000922.sh", "399006.SZ"]
boards = ["BK0800"]
holidays = [2026-05-01, 2026-05-04, 2026-05-05]
hk_holidays = [2026-12-25]

[[quotes.watch]]
symbol = "002230.SZ"
name = "科大讯飞"
eps = { "2023" = 0.28, "2024E" = 0.12, "2025E" = 0.25 }
rating = "买入"

[[quotes.watch]]
symbol = "00700.hk"
"""


def _load(text: str = EXAMPLE) -> QuotesConfig:
    return QuotesConfig.model_validate(tomllib.loads(text)["quotes"])


def test_the_example_section_loads_with_canonical_symbols_and_exact_eps() -> None:
    config = _load()
    assert [w.symbol for w in config.watch] == ["002230.SZ", "0700.HK"]
    assert config.watch[0].eps == {"2023": Decimal("0.28"), "2024E": Decimal("0.12"), "2025E": Decimal("0.25")}
    assert config.indices == ["000300.SH", "000922.SH", "399006.SZ"]
    assert config.symbols() == ["002230.SZ", "0700.HK", "000300.SH", "000922.SH", "399006.SZ"]
    assert config.holidays_for("CN") == {date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5)}
    assert config.holidays_for("HK") == {date(2026, 12, 25)} and config.holidays_for("US") == frozenset()
    assert config.entry("0700.HK") == WatchEntry(symbol="0700.HK")
    assert config.entry("NVDA") is None


def test_an_empty_section_is_valid() -> None:
    assert QuotesConfig().symbols() == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"watch": [{"symbol": "603918.SS"}]}, "written .SH"),
        ({"watch": [{"symbol": "002230"}]}, "add the exchange"),
        ({"watch": [{"symbol": "002230.SZ", "eps": {"FY24": 0.1}}]}, "EPS year"),
        ({"watch": [{"symbol": "002230.SZ", "eps": {"2024": "lots"}}]}, "decimal"),
        ({"watch": [{"symbol": "002230.SZ", "pe": 10}]}, "Extra inputs"),
        ({"watch": [{"symbol": "002230.SZ"}, {"symbol": "002230.sz"}]}, "listed twice"),
        ({"indices": ["000001.SZ"]}, "is a stock, not an index"),
        ({"indices": ["000300"]}, "add the exchange"),
        ({"boards": ["人工智能"]}, "board"),
        ({"holidays": ["May Day"]}, "date"),
        ({"watchlist": []}, "Extra inputs"),
    ],
)
def test_a_bad_entry_fails_with_its_reason(data: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        QuotesConfig.model_validate(data)


def test_the_section_is_frozen() -> None:
    config = _load()
    with pytest.raises(ValidationError):
        config.boards = []  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown market"):
        config.holidays_for("JP")
