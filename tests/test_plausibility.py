"""Plausibility bounds per kind: a table of values a real source never publishes, and ones it does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.config.fx import ROUGH_USD_RATES
from core.plausibility import BoundsConfig, implausible, price_limit_pct

BOUNDS = BoundsConfig()


@pytest.mark.parametrize(
    ("kind", "values", "broken"),
    [
        ("gpu", {"price_per_gpu_hour": "2.99", "currency": "USD"}, None),
        ("gpu", {"price_per_gpu_hour": "7.03", "currency": "CNY"}, None),
        ("gpu", {"price_per_gpu_hour": "0.01", "currency": "USD"}, "below the plausible 0.05 USD"),
        ("gpu", {"price_per_gpu_hour": "2990", "currency": "USD"}, "above the plausible 200 USD"),
        ("gpu", {"price_per_gpu_hour": "2990", "currency": "XYZ"}, None),  # no rate: nothing to say
        ("gpu", {"price_per_gpu_hour": None, "currency": "USD"}, None),  # sold out
        ("quotes", {"symbol": "600519.SH", "name": "贵州茅台", "change_pct": "9.99"}, None),
        ("quotes", {"symbol": "600519.SH", "name": "贵州茅台", "change_pct": "15.2"}, "±10 % price-limit band"),
        ("quotes", {"symbol": "688256.SH", "name": "寒武纪", "change_pct": "19.98"}, None),
        ("quotes", {"symbol": "300308.SZ", "name": "中际旭创", "change_pct": "-25"}, "±20 %"),
        ("quotes", {"symbol": "830799.BJ", "name": "艾融软件", "change_pct": "29.9"}, None),
        ("quotes", {"symbol": "000004.SZ", "name": "*ST国华", "change_pct": "7.5"}, "±5 %"),
        ("quotes", {"symbol": "0700.HK", "name": "腾讯控股", "change_pct": "-35"}, None),
        ("quotes", {"symbol": "NVDA", "name": "NVIDIA", "change_pct": "24"}, None),
        ("quotes", {"symbol": "000300.SH", "name": "沪深300", "change_pct": "12"}, None),
        ("traffic", {"visits": 5_500_000_000, "granularity": "month"}, None),
        ("traffic", {"visits": 84_318_641_141, "granularity": "month"}, None),  # google.com, 2024-09
        ("traffic", {"visits": 400_000_000_000, "granularity": "month"}, "above the plausible 150,000,000,000"),
        ("traffic", {"visits": 9_000_000_000, "granularity": "day"}, "in one day"),
        ("funding", {"amount_min": "65000000000", "amount_max": "65000000000", "currency": "USD"}, None),
        ("funding", {"amount_min": "6.5e12", "amount_max": None, "currency": "USD"}, "above the plausible"),
        ("funding", {"amount_min": "2e12", "amount_max": "2e12", "currency": "CNY"}, "above the plausible"),
    ],
)
def test_bounds(kind: str, values: dict[str, Any], broken: str | None) -> None:
    found = implausible(kind, values, BOUNDS, ROUGH_USD_RATES)
    if broken is None:
        assert found is None
    else:
        assert found is not None and broken in found


def test_bounds_can_be_switched_off() -> None:
    off = BoundsConfig(enabled=False)
    assert implausible("gpu", {"price_per_gpu_hour": "0.0001", "currency": "USD"}, off, ROUGH_USD_RATES) is None


@pytest.mark.parametrize(
    ("symbol", "name", "band"),
    [("600000.SH", "浦发银行", 10), ("688981.SH", "中芯国际", 20), ("301236.SZ", None, 20),
     ("000001.SZ", "平安银行", 10), ("832000.BJ", None, 30), ("600000.SH", "ST浦发", 5),
     ("000300.SH", None, None), ("NVDA", None, None),
     ("not a symbol", None, None)],
)  # fmt: skip
def test_price_limit_band_by_board(symbol: str, name: str | None, band: int | None) -> None:
    assert price_limit_pct(symbol, name) == (Decimal(band) if band is not None else None)
