"""The `[gpu]` section of aipulse.toml: FX rates for GPU comparison views."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator

from core.config.base import Strict

__all__ = ["GpuConfig"]


class GpuConfig(Strict):
    """The `[gpu]` section: FX rates for comparison views only (stored prices keep their native currency)."""

    fx_base: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    #: 1 unit of each currency in `fx_base`, e.g. { USD = 7.10 } means 1 USD = 7.10 CNY
    fx: dict[str, Decimal] = Field(default_factory=dict)
    #: the day the rates were taken, printed under converted tables
    fx_date: str | None = None

    @field_validator("fx")
    @classmethod
    def _rates_are_positive_codes(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in value.items():
            if len(code) != 3 or not code.isupper():
                raise ValueError(f"{code!r} is not an ISO 4217 currency code")
            if rate <= 0:
                raise ValueError(f"the rate of {code} must be positive")
        return value

    def convert(self, amount: Decimal, currency: str, to: str) -> Decimal | None:
        """`amount` of `currency` in `to`; None when a rate is missing."""
        if currency == to:
            return amount
        rates = {**self.fx, self.fx_base: Decimal(1)}
        if currency not in rates or to not in rates:
            return None
        return amount * rates[currency] / rates[to]
