"""Plausibility bounds per kind in the quality gate: through the real alerts engine on SQLite, configurable."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import ConfigError, parse_config
from monitor.cli import main
from monitor.verify import SHIPPED_FIXTURES
from storage.alert_models import QuarantinedObservation
from tests.test_alerts_support import (
    DAY,
    QUALITY,
    T0,
    HttpReceiver,
    Store,
    funding_row,
    gpu_row,
    hook_config,
    month,
    quote_row,
    traffic_row,
)

NEW_ROUNDS = {"name": "rounds", "kind": "new", "item": "funding", "notify": ["ops"]}
QUOTE_MOVE = {"name": "quote-move", "kind": "change", "item": "quotes", "pct": 5, "notify": ["ops"]}
TRAFFIC_UP = {"name": "traffic-up", "kind": "threshold", "item": "traffic", "field": "visits", "op": ">",
              "value": 1_000_000, "notify": ["ops"]}  # fmt: skip


def _quarantined(store: Store) -> list[tuple[str, str]]:
    with store.sessions() as session:
        return [(q.kind, q.reason) for q in session.scalars(select(QuarantinedObservation))]


@pytest.mark.parametrize(
    ("price_cny", "bound"),
    [("0.20", "gpu_usd_per_gpu_hour_min"), ("2000", "gpu_usd_per_gpu_hour_max")],
)
def test_a_gpu_price_outside_the_usd_range_is_quarantined_with_the_bound_named(
    sqlite_store: Store, hook: HttpReceiver, price_cny: str, bound: str
) -> None:
    cfg = hook_config(hook, QUALITY)

    fired = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price=price_cny)], T0)

    assert [(t.rule, t.transition) for t in fired] == [("data-quality", "event")]
    [(kind, reason)] = _quarantined(sqlite_store)
    assert kind == "gpu" and reason.endswith(f"(alerts.quality.bounds.{bound})")
    [title] = hook.titles()
    assert "implausible price_per_gpu_hour quarantined" in title and bound in title


def test_a_gpu_price_inside_the_range_feeds_the_data_rules(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, QUALITY)
    assert sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0) == []
    assert _quarantined(sqlite_store) == []


def test_the_gpu_range_is_read_from_the_config_at_the_fx_rates(sqlite_store: Store, hook: HttpReceiver) -> None:
    # 34.74 CNY ≈ 4.8 USD at the bundled rate: above a configured ceiling of 4 USD.
    cfg = hook_config(hook, QUALITY, quality={"bounds": {"gpu_usd_per_gpu_hour_max": "4"}})

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)

    [(_, reason)] = _quarantined(sqlite_store)
    assert "above the plausible 4 USD" in reason


def test_an_a_share_move_beyond_its_board_band_is_quarantined(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, QUOTE_MOVE, QUALITY)
    sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0, "50.00", "49.50")], T0)

    # 科大讯飞 is on the Shenzhen main board (±10 %): +20 % in a day is a parser's mistake, far below max_ratio.
    fired = sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0 + DAY, "60.00", "50.00")], T0 + DAY)

    assert [(t.rule, t.transition) for t in fired] == [("data-quality", "event")]
    [(kind, reason)] = _quarantined(sqlite_store)
    assert kind == "quotes" and "±10 % price-limit band of 002230.SZ" in reason
    assert "quote_limit_bands" in hook.titles()[0]


def test_a_hong_kong_move_has_no_band_only_max_ratio(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, QUOTE_MOVE, QUALITY)
    tencent = {"symbol": "0700.HK", "name": "腾讯控股", "currency": "HKD"}
    sqlite_store.cycle(cfg, "sina_quotes", "quotes", [{**quote_row(T0, "400.00", "398.00"), **tencent}], T0)

    fired = sqlite_store.cycle(
        cfg, "sina_quotes", "quotes", [{**quote_row(T0 + DAY, "480.00", "400.00"), **tencent}], T0 + DAY
    )

    assert [(t.rule, t.transition) for t in fired] == [("quote-move", "firing")]
    assert _quarantined(sqlite_store) == []


def test_traffic_above_the_monthly_ceiling_is_quarantined(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, TRAFFIC_UP, QUALITY)

    fired = sqlite_store.cycle(cfg, "similarweb_traffic", "traffic", [traffic_row(month(0), 160_000_000_000)], T0)

    assert [(t.rule, t.transition) for t in fired] == [("data-quality", "event")]
    [(kind, reason)] = _quarantined(sqlite_store)
    assert kind == "traffic" and reason.endswith("(alerts.quality.bounds.traffic_visits_per_month_max)")


def test_google_sized_traffic_is_believed(sqlite_store: Store, hook: HttpReceiver) -> None:
    # google.com had 84.3 billion visits in 2024-09 (a real SimilarWeb capture): the ceiling sits above it.
    cfg = hook_config(hook, TRAFFIC_UP, QUALITY)
    rows = [traffic_row(month(0), 84_318_641_141, domain="google.com")]
    fired = sqlite_store.cycle(cfg, "similarweb_traffic", "traffic", rows, T0)
    assert [(t.rule, t.transition) for t in fired] == [("traffic-up", "firing")]


def test_a_funding_round_above_200_billion_usd_is_quarantined_not_announced(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    cfg = hook_config(hook, NEW_ROUNDS, QUALITY)
    huge = Decimal(250_000_000_000)
    row = funding_row("kr36_funding", "https://36kr.com/p/1", amount_min=huge, amount_max=huge)

    fired = sqlite_store.cycle(cfg, "kr36_funding", "funding", [row], T0)

    assert [(t.rule, t.transition) for t in fired] == [("data-quality", "event")]
    [(_, reason)] = _quarantined(sqlite_store)
    assert "above the plausible 200,000,000,000 USD (alerts.quality.bounds.funding_usd_max)" in reason


def test_a_65_billion_round_is_announced(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, NEW_ROUNDS, QUALITY)
    amount = Decimal(65_000_000_000)
    row = funding_row("kr36_funding", "https://36kr.com/p/2", amount_min=amount, amount_max=amount)
    fired = sqlite_store.cycle(cfg, "kr36_funding", "funding", [row], T0)
    assert [(t.rule, t.transition) for t in fired] == [("rounds", "event")]


# --- configuration -----------------------------------------------------------------------------------


def _config_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "aipulse.toml")
    return str(caught.value)


def test_an_unknown_bound_is_a_located_error(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "[alerts.quality.bounds]\ngpu_max = 3\n")
    assert "alerts.quality.bounds.gpu_max: unknown key" in message


def test_a_gpu_range_upside_down_is_a_located_error(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "[alerts.quality.bounds]\ngpu_usd_per_gpu_hour_min = 300\n")
    assert "alerts.quality.bounds: gpu_usd_per_gpu_hour_min (300) must be below gpu_usd_per_gpu_hour_max" in message


def test_a_negative_funding_ceiling_is_a_located_error(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "[alerts.quality.bounds]\nfunding_usd_max = -1\n")
    assert "alerts.quality.bounds.funding_usd_max: Input should be greater than 0" in message


def test_the_old_funding_key_says_where_it_moved(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "[alerts.quality]\nmax_amount_usd = 1e12\n")
    assert "alerts.quality: max_amount_usd: moved to [alerts.quality.bounds] funding_usd_max" in message


def test_verify_applies_the_configured_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = ["--fixtures", str(SHIPPED_FIXTURES)]
    assert main(["verify", "lambda_gpu", *fixtures]) == 0
    config = tmp_path / "aipulse.toml"
    config.write_text("[alerts.quality.bounds]\ngpu_usd_per_gpu_hour_max = 1\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["verify", "lambda_gpu", *fixtures, "--config", str(config)]) == 1

    out = capsys.readouterr().out
    assert (
        "out of bounds:" in out and "above the plausible 1 USD (alerts.quality.bounds.gpu_usd_per_gpu_hour_max)" in out
    )
