"""The `[fx]` section: the one table of exchange rates (1 unit of a currency in `base`), for views and comparisons.

Stored amounts keep their own currency; these rates only convert for display (`show gpu --currency`, the
report's GPU trend) and for comparisons across currencies (funding amounts in USD for `new` rules and dedup).
Until 2026-12 two tables existed: `[gpu] fx` (into CNY) and `[alerts] fx_to_usd` (into USD); `migrate_old_keys`
reads both into this one with a deprecation message.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from core.numbers import decimal_or_none
from core.strict import Strict

__all__ = ["ROUGH_USD_RATES", "FxConfig", "migrate_old_keys"]

#: Rough rates (1 unit in USD) used to compare funding amounts when `[fx]` lacks a currency; never for display.
ROUGH_USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"), "CNY": Decimal("0.14"), "HKD": Decimal("0.128"), "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"), "JPY": Decimal("0.0067"), "KRW": Decimal("0.00072"), "SGD": Decimal("0.74"),
    "INR": Decimal("0.012"),
}  # fmt: skip
_CODE = re.compile(r"[A-Z]{3}")


class FxConfig(Strict):
    """`[fx]`: `base = "CNY"`, `rates = { USD = 7.10 }` (1 USD = 7.10 CNY), `date` the day they were taken."""

    base: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    rates: dict[str, Decimal] = Field(default_factory=dict)
    date: str | None = None

    @field_validator("rates")
    @classmethod
    def _rates_are_positive_codes(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in value.items():
            if not _CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not an ISO 4217 currency code")
            if rate <= 0:
                raise ValueError(f"the rate of {code} must be positive")
        return value

    def known(self) -> frozenset[str]:
        """Currencies this table can convert (the base and every configured rate)."""
        return frozenset({*self.rates, self.base})

    def convert(self, amount: Decimal, currency: str, to: str) -> Decimal | None:
        """`amount` of `currency` in `to`; None when a rate is missing."""
        if currency == to:
            return amount
        rates = {**self.rates, self.base: Decimal(1)}
        if currency not in rates or to not in rates:
            return None
        return amount * rates[currency] / rates[to]

    def usd_rates(self) -> dict[str, Decimal]:
        """1 unit of each currency in USD: the configured rates where they reach USD, else the rough table."""
        out = dict(ROUGH_USD_RATES)
        for code in self.known():
            rate = self.convert(Decimal(1), code, "USD")
            if rate is not None:
                out[code] = rate
        return out


def migrate_old_keys(raw: dict[str, Any]) -> list[str]:
    """Move `[gpu] fx_base/fx/fx_date` and `[alerts] fx_to_usd` into `[fx]` in place; the deprecation messages."""
    messages: list[str] = []
    fx = raw.get("fx")
    fx = dict(fx) if isinstance(fx, dict) else {}
    rates = dict(fx.get("rates") or {})
    gpu = raw.get("gpu")
    if isinstance(gpu, dict) and {"fx_base", "fx", "fx_date"} & gpu.keys():
        gpu = dict(gpu)
        if "fx_base" in gpu:
            fx.setdefault("base", gpu.pop("fx_base"))
        if "fx_date" in gpu:
            fx.setdefault("date", gpu.pop("fx_date"))
        for code, rate in dict(gpu.pop("fx", None) or {}).items():
            rates.setdefault(code, rate)
        messages.append("[gpu] fx_base/fx/fx_date are deprecated: write them as [fx] base/rates/date")
        if gpu:
            raw["gpu"] = gpu
        else:
            raw.pop("gpu")
    alerts = raw.get("alerts")
    if isinstance(alerts, dict) and "fx_to_usd" in alerts:
        alerts = dict(alerts)
        to_usd = alerts.pop("fx_to_usd")
        raw["alerts"] = alerts
        messages.append("[alerts] fx_to_usd is deprecated: write the rates once in [fx] (1 unit in [fx] base)")
        if isinstance(to_usd, dict):
            base = str(fx.get("base", "CNY"))
            base_in_usd = Decimal(1) if base == "USD" else decimal_or_none(to_usd.get(base, ROUGH_USD_RATES.get(base)))
            for code, rate in to_usd.items():
                value = decimal_or_none(rate)
                if code != base and value is not None and base_in_usd:
                    rates.setdefault(code, value / base_in_usd)
                elif value is None or value <= 0:
                    rates.setdefault(code, rate)  # the validator reports it with its location
    if rates:
        fx["rates"] = rates
    if fx or "fx" in raw:
        raw["fx"] = fx
    return messages
