"""`aipulse show gpu`: the weekly GPU table from the store."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.config.fx import FxConfig
from monitor.show_gpu import gpu_rows, render_gpu_table
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
    assert unconverted.price is None, "no rate: shown as missing, never as the unconverted number"


def test_filters_by_model_and_provider(sqlite_url: str) -> None:
    sessions = session_factory(migrated(sqlite_url))
    with sessions.begin() as session:
        write_gpu_offers(session, [offer(NOW), offer(NOW, instance_type="ecs.gn7-c12g1.3xlarge", gpu_model="A100-40G")])
    with sessions() as session:
        assert [r.offer.gpu_model for r in gpu_rows(session, FxConfig(), NOW, models=["A100-40G"])] == ["A100-40G"]
        assert gpu_rows(session, FxConfig(), NOW, providers=["tencent"]) == []
