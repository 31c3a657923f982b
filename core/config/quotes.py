"""The `[quotes]` section of aipulse.toml: the watch list with analysts' EPS, indices, boards and holidays."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator, model_validator

from core.config.base import Strict
from core.symbols import SymbolError, parse_symbol

__all__ = ["QuotesConfig", "WatchEntry"]

_EPS_YEAR = re.compile(r"\d{4}E?")
_BOARD = re.compile(r"BK\d{4}")


def _canonical(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_symbol(value).canonical
    except SymbolError as exc:
        raise ValueError(str(exc)) from None


class WatchEntry(Strict):
    """One watched company: `symbol`, an optional display `name`, EPS per year (`"2023"`, `"2024E"`), `rating`."""

    symbol: str
    name: str | None = None
    eps: dict[str, Decimal] = Field(default_factory=dict)
    rating: str | None = None

    _symbol = field_validator("symbol", mode="before")(_canonical)

    @field_validator("eps")
    @classmethod
    def _years(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for year in value:
            if not _EPS_YEAR.fullmatch(year):
                raise ValueError(f'EPS year {year!r} must be written like "2023" or "2024E" (E = estimate)')
        return dict(sorted(value.items()))


class QuotesConfig(Strict):
    """Watch list, indices (canonical symbols, e.g. `000300.SH`), Eastmoney boards (`BK0800`) and market holidays.

    `holidays` are A-share closures (SSE/SZSE, local dates); `hk_holidays` and `us_holidays` the other markets'.
    """

    watch: list[WatchEntry] = Field(default_factory=list)
    indices: list[str] = Field(default_factory=list)
    boards: list[str] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)
    hk_holidays: list[date] = Field(default_factory=list)
    us_holidays: list[date] = Field(default_factory=list)

    @field_validator("indices", mode="before")
    @classmethod
    def _index_symbols(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        found = [_canonical(v) for v in value]
        for text in found:
            if isinstance(text, str) and parse_symbol(text).kind != "index":
                raise ValueError(f"{text} is a stock, not an index (SSE indices are 000xxx.SH, SZSE 399xxx.SZ)")
        return found

    @field_validator("boards")
    @classmethod
    def _board_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _BOARD.fullmatch(code):
                raise ValueError(f"board {code!r} is not an Eastmoney board code like 'BK0800'")
        return value

    @model_validator(mode="after")
    def _no_duplicates(self) -> QuotesConfig:
        for what, items in (("watch", [w.symbol for w in self.watch]), ("indices", self.indices)):
            seen: set[str] = set()
            for symbol in items:
                if symbol in seen:
                    raise ValueError(f"{symbol} is listed twice in {what}")
                seen.add(symbol)
        return self

    def symbols(self) -> list[str]:
        """Every symbol to quote: the watch list, then the indices."""
        return [w.symbol for w in self.watch] + [s for s in self.indices if s not in {w.symbol for w in self.watch}]

    def holidays_for(self, market: str) -> frozenset[date]:
        """The configured holidays of one market (CN, HK or US)."""
        by_market = {"CN": self.holidays, "HK": self.hk_holidays, "US": self.us_holidays}
        if market not in by_market:
            raise ValueError(f"unknown market {market!r}")
        return frozenset(by_market[market])

    def entry(self, symbol: str) -> WatchEntry | None:
        """The watch-list entry of a canonical symbol, if it is watched."""
        return next((w for w in self.watch if w.symbol == symbol), None)
