"""`aipulse show gpu`: the weekly GPU table from the store."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.fx import FxConfig
from monitor.show_gpu import UnknownModel, add_parser, gpu_rows, match_models, render_gpu_table
from spiders.items import GpuOffer
from storage.db import session_factory
from storage.writes import write_gpu_offers
from tests.crawl_support import migrated

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def offer(at: datetime, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "source": "aliyun_gpu",
        "url": "https://example.invalid/price.json",
        "observed_at": at,
        "provider": "aliyun",
        "instance_type": "ecs.gn7e-c16g1.4xlarge",
        "region": "cn-beijing",
        "gpu_model": "A100-80G",
        "gpu_count": Decimal(1),
        "billing": "on_demand",
        "currency": "CNY",
        "price": Decimal("34.742"),
        "vcpus": 16,
        "memory_gb": Decimal(125),
    }
    return asdict(GpuOffer(**(fields | changes)))  # price_per_gpu_hour is computed by the item


def test_table_is_cheapest_first_with_change_vs_a_week_ago_and_sold_out(sqlite_url: str) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        write_gpu_offers(session, [offer(NOW - timedelta(days=8), price=Decimal("36.00"))])
        write_gpu_offers(session, [offer(NOW - timedelta(hours=1))])
        gpushare = {"source": "gpushare_gpu", "provider": "gpushare", "instance_type": "A800-80G", "region": "global"}
        write_gpu_offers(
            session, [offer(NOW - timedelta(days=3), **gpushare, gpu_model="A800-80G", price=Decimal("9.5"))]
        )
        sold_out = offer(NOW - timedelta(hours=2), **gpushare, gpu_model="A800-80G", price=None, available=False)
        write_gpu_offers(session, [sold_out])
    with sessions() as session:
        rows = gpu_rows(session, FxConfig(), NOW)
        text = render_gpu_table(rows)
    assert [r.offer.provider for r in rows] == ["gpushare", "aliyun"]
    a800, a100 = rows
    assert (a800.price, a800.last_known, a800.offer.available) == (Decimal("9.5"), True, False)
    assert "售罄" in text and "9.50 CNY (last)" in text
    assert a100.change_pct is not None and round(a100.change_pct, 2) == Decimal("-3.49")
    assert "-3.5%" in text


def test_currency_view_converts_with_the_fx_table_only(sqlite_url: str) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        write_gpu_offers(
            session, [offer(NOW, source="azure_gpu", provider="azure", currency="USD", price=Decimal("3.673"))]
        )
    fx = FxConfig(rates={"USD": Decimal("7.10")})
    with sessions() as session:
        [row] = gpu_rows(session, fx, NOW, currency="CNY")
        [unconverted] = gpu_rows(session, FxConfig(), NOW, currency="EUR")
    assert (row.price, row.currency) == (Decimal("3.673") * Decimal("7.10"), "CNY")
    assert (unconverted.price, unconverted.currency, unconverted.compared) == (Decimal("3.673"), "USD", None), (
        "no rate: the price stays in its own currency, labelled, never passed off as EUR"
    )


def test_filters_by_model_and_provider(sqlite_url: str) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        write_gpu_offers(session, [offer(NOW), offer(NOW, instance_type="ecs.gn7-c12g1.3xlarge", gpu_model="A100-40G")])
    with sessions() as session:
        assert [r.offer.gpu_model for r in gpu_rows(session, FxConfig(), NOW, models=["A100-40G"])] == ["A100-40G"]
        assert gpu_rows(session, FxConfig(), NOW, providers=["tencent"]) == []


def _usd_and_cny_offers(session: Session) -> None:
    azure = {"source": "azure_gpu", "provider": "azure", "region": "eastus", "currency": "USD"}
    write_gpu_offers(
        session,
        [
            offer(NOW, price=Decimal("7.03")),  # 7.03 CNY = 0.99 USD: the cheapest
            offer(NOW, **azure, instance_type="NC24ads_A100_v4", price=Decimal("4.51")),  # 32 CNY
            offer(NOW, **azure, instance_type="ND96isr_H100_v5", gpu_model="H100-80G", gpu_count=Decimal(8),
                  price=Decimal("98.32")),  # 12.29 USD per GPU-hour
        ],
    )  # fmt: skip


def _show(session: Session, fx: FxConfig, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="what"))
    args = parser.parse_args(["gpu", *argv])
    return int(args.show(args, AppConfig(fx=fx), session))


def test_cheapest_first_compares_prices_converted_with_the_fx_table(sqlite_url: str) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        _usd_and_cny_offers(session)
    with sessions() as session:
        rows = gpu_rows(session, FxConfig(rates={"USD": Decimal("7.10")}), NOW)
    assert [(r.per_gpu, r.currency) for r in rows] == [
        (Decimal("7.03"), "CNY"),
        (Decimal("4.51"), "USD"),
        (Decimal("12.29"), "USD"),
    ], "¥7.03 is cheaper than $4.51: the raw numbers are never compared across currencies"
    assert rows[1].compared == Decimal("4.51") * Decimal("7.10")


def test_a_currency_without_a_rate_is_ranked_apart_and_named_once(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        _usd_and_cny_offers(session)
    with sessions() as session:
        rows = gpu_rows(session, FxConfig(), NOW)
        assert _show(session, FxConfig()) == 0
    assert [r.currency for r in rows] == ["CNY", "USD", "USD"], "the convertible group first, USD apart"
    assert [r.per_gpu for r in rows[1:]] == [Decimal("4.51"), Decimal("12.29")], "ranked within its own group"
    out = capsys.readouterr().out
    assert out.count("no [fx] rate for USD") == 1
    assert "4.5100 USD" in out and "7.0300 CNY" in out, "every price says its currency"


def test_currency_view_without_rates_hints_instead_of_dashes(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        _usd_and_cny_offers(session)
    with sessions() as session:
        assert _show(session, FxConfig(), "--currency", "cny") == 0
    out = capsys.readouterr().out
    assert "— CNY" not in out
    assert "4.51 USD" in out and "no [fx] rate for USD into CNY" in out and "under [fx]" in out
    assert "no rate for CNY" not in out, "the base currency is never the one missing"


@pytest.mark.parametrize("currency", ["XYZ", "EUR"])
def test_a_currency_the_fx_table_cannot_convert_is_rejected(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], currency: str
) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        _usd_and_cny_offers(session)
    with sessions() as session:
        assert _show(session, FxConfig(rates={"USD": Decimal("7.10")}), "--currency", currency) == 2
    captured = capsys.readouterr()
    assert f"--currency {currency}" in captured.err and "CNY, USD" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("wanted", "found"),
    [
        (["a100-80g"], ["A100-80G"]),
        (["H100"], ["H100-80G", "H100-94G"]),
        (["a100"], ["A100-40G", "A100-80G"]),
        (["A100_80G", "h100-80G"], ["A100-80G", "H100-80G"]),
    ],
)
def test_models_match_in_any_case_and_a_family_matches_its_variants(wanted: list[str], found: list[str]) -> None:
    assert match_models(wanted, ["A100-40G", "A100-80G", "H100-80G", "H100-94G", "A10-24G"]) == found


def test_a_model_prefix_stops_at_a_dash() -> None:
    assert match_models(["A10"], ["A10-24G", "A100-80G"]) == ["A10-24G"]


def test_an_unknown_model_lists_the_known_ones(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UnknownModel, match="known: A100-80G, H100-80G"):
        match_models(["B200"], ["H100-80G", "A100-80G"])
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        _usd_and_cny_offers(session)
    with sessions() as session:
        assert _show(session, FxConfig(), "--model", "B200") == 1
        assert "known: A100-80G, H100-80G" in capsys.readouterr().err
        assert _show(session, FxConfig(), "--model", "h100") == 0
    out = capsys.readouterr().out
    assert "H100-80G" in out and "A100-80G" not in out
