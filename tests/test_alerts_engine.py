"""Alert scenarios end to end: observations stored, rules evaluated, messages received by a real Apprise target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.alert_models import QuarantinedObservation
from tests.test_alerts_support import (
    DAY,
    DROP,
    HOUR,
    QUALITY,
    T0,
    HttpReceiver,
    Store,
    funding_row,
    gpu_row,
    gpushare_row,
    hook_config,
    month,
    quote_row,
    traffic_row,
)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    yield store
    store.close()


# --- the scenarios of the issue -------------------------------------------------------------------


def test_a100_price_drop_sends_one_message_none_while_unchanged_and_a_resolved_notice_when_it_returns(
    store: Store, hook: HttpReceiver
) -> None:
    cfg = hook_config(hook, DROP)

    assert store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0) == []
    dropped = store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + 2 * HOUR, price="31.27")], T0 + 2 * HOUR)
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + 3 * HOUR, price="34.74")], T0 + 3 * HOUR)

    assert [t.transition for t in dropped] == ["firing"]
    assert hook.titles() == [
        "[ALERT] aliyun A100-80G · cn-beijing · on_demand (ecs.gn7e-c16g1.4xlarge): 34.74 → 31.27 CNY/GPU·h (-9.99%)",
        "[RESOLVED] aliyun A100-80G · cn-beijing · on_demand (ecs.gn7e-c16g1.4xlarge): 31.27 → 34.74 CNY/GPU·h "
        "(+11.10%)",
    ]
    first = hook.messages[0]
    assert first.kind == "warning"
    assert "Before: 34.74 CNY/GPU·h (previous observation, 2026-03-02 16:00 CST)" in first.body
    assert "Change: -3.47 CNY/GPU·h (-9.99%)" in first.body
    assert "Source: https://ecs-buy.aliyun.com/pricing" in first.body
    assert [e.transition for e in store.events()] == ["firing", "resolved"]


def test_kimi_traffic_forty_percent_above_its_history_is_a_spike(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "traffic-spike", "kind": "spike", "item": "traffic", "select": {"domain": "kimi.com"},
            "window": "400d", "z": 3.5, "min_abs_change": 1_000_000, "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)
    visits = [98_100_000, 101_500_000, 99_200_000, 103_000_000, 100_400_000, 97_800_000, 102_300_000, 100_900_000]
    history = [traffic_row(month(i), count) for i, count in enumerate(visits)]

    backfill = sqlite_store.cycle(cfg, "similarweb_traffic", "traffic", history, T0)
    spike = sqlite_store.cycle(
        cfg, "similarweb_traffic", "traffic", [traffic_row(month(8), 141_000_000, observed_at=T0 + DAY)], T0 + DAY
    )

    assert backfill == []
    assert [t.transition for t in spike] == ["firing"]
    assert spike[0].context["old"] == "100650000" and spike[0].context["points"] == 8
    assert len(hook.messages) == 1
    assert "kimi.com (month of 2025-09-01, similarweb_traffic): 100,650,000 → 141,000,000 (+40.09%)" in hook.titles()[0]
    assert "Robust z-score: " in hook.messages[0].body


def test_new_100m_ai_round_reported_by_two_outlets_sends_one_message(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "big-ai-rounds", "kind": "new", "item": "funding", "ai_related": True,
            "amount_usd_min": 50e6, "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)
    outlets = [
        funding_row("kr36_funding", "https://36kr.com/p/1"),
        funding_row("pedaily_funding", "https://news.pedaily.cn/1.shtml", headline="月之暗面获1亿美元B轮"),
    ]
    small = funding_row("kr36_funding", "https://36kr.com/p/2", company="小模型科技", amount_min=10_000_000,
                        amount_max=10_000_000, amount_text="1000万美元")  # fmt: skip

    first = sqlite_store.cycle(cfg, "kr36_funding", "funding", [*outlets, small], T0)
    later = sqlite_store.cycle(
        cfg, "techcrunch_funding", "funding",
        [funding_row("techcrunch_funding", "https://techcrunch.com/?p=1", observed_at=T0 + DAY)], T0 + DAY,
    )  # fmt: skip

    assert [t.transition for t in first] == ["event"] and later == []
    assert hook.titles() == ["[NEW] 月之暗面 raised a B round: 1亿美元"]
    body = hook.messages[0].body
    assert "Amount: 1亿美元 (≈ USD 100,000,000)" in body
    assert "Reported by kr36_funding: https://36kr.com/p/1" in body
    assert "Reported by pedaily_funding: https://news.pedaily.cn/1.shtml" in body


def test_stock_down_six_percent_against_previous_close_sends_one_message(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "daily-move", "kind": "change", "item": "quotes", "select": {"symbol": "002230.SZ"},
            "baseline": "prev_close", "pct": 5, "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0, "47.00", "50.00")], T0)
    sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0 + HOUR, "46.80", "50.00")], T0 + HOUR)

    assert hook.titles() == ["[ALERT] 科大讯飞 002230.SZ: 50 → 47 CNY (-6.00%)"]
    assert "previous close" in hook.messages[0].body


def test_halted_stock_without_a_price_sends_nothing(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "daily-move", "kind": "change", "item": "quotes", "baseline": "prev_close", "pct": 5,
            "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule, quality={"enabled": True})

    transitions = sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0, None, "50.00", status="halted")], T0)

    assert transitions == [] and hook.messages == []


def test_sold_out_a800_back_in_stock_sends_one_message(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "a800-restock", "kind": "availability", "item": "gpu", "select": {"gpu_model": "A800-80G"},
            "on": ["back_in_stock"], "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    sqlite_store.cycle(cfg, "gpushare_gpu", "gpu", [gpushare_row(T0, available=True)], T0)
    sqlite_store.cycle(cfg, "gpushare_gpu", "gpu", [gpushare_row(T0 + HOUR, available=False)], T0 + HOUR)
    sqlite_store.cycle(cfg, "gpushare_gpu", "gpu", [gpushare_row(T0 + 2 * HOUR, available=False)], T0 + 2 * HOUR)
    sqlite_store.cycle(cfg, "gpushare_gpu", "gpu", [gpushare_row(T0 + 3 * HOUR, available=True)], T0 + 3 * HOUR)

    assert hook.titles() == [
        "[STOCK] gpushare A800-80G · cn-east · community (A800-80G-1x): back in stock (5.98 CNY/GPU·h)"
    ]


def test_a_restock_rule_sends_each_restock_and_never_the_sell_out_between(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "a800-restock", "kind": "availability", "item": "gpu", "select": {"gpu_model": "A800-80G"},
            "on": ["back_in_stock"], "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)
    for hours, available in enumerate([False, True, False, True]):
        at = T0 + hours * HOUR
        sqlite_store.cycle(cfg, "gpushare_gpu", "gpu", [gpushare_row(at, available=available)], at)

    titles = hook.titles()
    assert len(titles) == 2 and all("back in stock" in title for title in titles), titles


def test_source_failing_three_runs_in_a_row_alerts_once_then_sends_one_recovery_notice(
    store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "source-failing", "kind": "health", "check": "failing", "runs": 3, "send_resolved": True,
            "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    for i in range(4):
        store.cycle(cfg, "aliyun_gpu", None, at=T0 + i * HOUR, status="failed", error="HTTP 503 from ecs-buy")
    store.cycle(cfg, "aliyun_gpu", None, at=T0 + 4 * HOUR)

    assert hook.titles() == [
        "[HEALTH] aliyun_gpu: 3 failed runs in a row (last: failed)",
        "[RESOLVED] aliyun_gpu: recovered (last run succeeded)",
    ]
    assert "Last error: HTTP 503 from ecs-buy" in hook.messages[0].body


# --- the data-quality gate ------------------------------------------------------------------------


def test_price_ten_times_higher_in_one_observation_is_quarantined_and_raises_a_health_alert_instead(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rise = {**DROP, "name": "a100-rise", "direction": "up"}
    cfg = hook_config(hook, DROP, rise, QUALITY)

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    jump = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="347.4")], T0 + HOUR)
    back = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + 2 * HOUR, price="34.74")], T0 + 2 * HOUR)

    assert [(t.rule, t.transition) for t in jump] == [("data-quality", "event")]
    assert back == []  # compared with the last accepted price, not with the quarantined one
    assert hook.titles() == [
        "[HEALTH] aliyun A100-80G · cn-beijing · on_demand (ecs.gn7e-c16g1.4xlarge): implausible price_per_gpu_hour "
        "quarantined: price_per_gpu_hour 34.74 → 347.4 (×10) in one observation"
    ]
    with sqlite_store.sessions() as session:
        quarantined = session.scalars(select(QuarantinedObservation)).all()
    assert [(q.kind, q.source) for q in quarantined] == [("gpu", "aliyun_gpu")]


def test_a_new_level_seen_twice_in_a_row_is_accepted_and_alerts_as_a_change(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "quote-jump", "kind": "change", "item": "quotes", "pct": 50, "notify": ["ops"]}
    cfg = hook_config(hook, rule, QUALITY)

    sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0, "50.00", "49.00")], T0)
    sqlite_store.cycle(cfg, "sina_quotes", "quotes", [quote_row(T0 + DAY, "500.00", "50.00")], T0 + DAY)
    confirmed = sqlite_store.cycle(
        cfg, "sina_quotes", "quotes", [quote_row(T0 + 2 * DAY, "505.00", "500.00")], T0 + 2 * DAY
    )

    assert [(t.rule, t.transition) for t in confirmed] == [("quote-jump", "firing")]
    assert confirmed[0].context["old"] == "50" and confirmed[0].context["new"] == "505"
    assert [title.split(":")[0] for title in hook.titles()] == [
        "[HEALTH] 科大讯飞 002230.SZ",
        "[ALERT] 科大讯飞 002230.SZ",
    ]


def test_negative_funding_amount_is_quarantined_not_announced(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "rounds", "kind": "new", "item": "funding", "notify": ["ops"]}
    cfg = hook_config(hook, rule, QUALITY)

    sqlite_store.cycle(
        cfg, "kr36_funding", "funding", [funding_row("kr36_funding", "https://36kr.com/p/9", amount_min=-5)], T0
    )

    assert len(hook.messages) == 1 and "negative amount_min -5" in hook.titles()[0]


def test_change_against_n_days_ago_and_rolling_median(sqlite_store: Store, hook: HttpReceiver) -> None:
    weekly = {**DROP, "name": "a100-week", "baseline": "n_days_ago", "days": 7, "send_resolved": False}
    median = {**DROP, "name": "a100-median", "baseline": "rolling_median", "window": "30d", "send_resolved": False}
    cfg = hook_config(hook, weekly, median)
    for day, price in enumerate(["34.00", "34.50", "33.80", "34.20"]):
        sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + day * 3 * DAY, price=price)], T0 + day * 3 * DAY)
    assert hook.messages == []

    fired = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + 12 * DAY, price="30.00")], T0 + 12 * DAY)

    assert sorted((t.rule, t.context["old"]) for t in fired) == [("a100-median", "34.1"), ("a100-week", "34.5")]
    assert len(hook.messages) == 2


def test_new_gpu_offer_is_announced_but_a_sources_first_run_is_its_baseline(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "new-offers", "kind": "new", "item": "gpu", "notify": ["ops"]}
    model = {"name": "new-models", "kind": "new", "item": "gpu", "what": "model", "notify": ["ops"]}
    cfg = hook_config(hook, rule, model)
    first = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0)], T0)

    h100 = gpu_row(T0 + DAY, instance_type="ecs.gn8v-c32g1.8xlarge", gpu_model="H100-80G", price="68.00")
    second = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + DAY), h100], T0 + DAY)

    assert first == []
    assert sorted(t.rule for t in second) == ["new-models", "new-offers"]
    assert sorted(hook.titles()) == [
        "[NEW] new GPU model: aliyun H100-80G · cn-beijing · on_demand (ecs.gn8v-c32g1.8xlarge) at 68 CNY/GPU·h",
        "[NEW] new GPU offer: aliyun H100-80G · cn-beijing · on_demand (ecs.gn8v-c32g1.8xlarge) at 68 CNY/GPU·h",
    ]


def test_blocked_source_and_far_fewer_items_than_usual_raise_health_alerts(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    blocked = {"name": "blocked", "kind": "health", "check": "blocked", "notify": ["ops"]}
    low = {"name": "few-items", "kind": "health", "check": "low_items", "runs": 3, "ratio": 0.5, "notify": ["ops"]}
    cfg = hook_config(hook, blocked, low)
    for i in range(3):
        sqlite_store.cycle(cfg, "kr36_funding", None, [{}] * 40, T0 + i * HOUR)

    few = sqlite_store.cycle(cfg, "kr36_funding", None, [{}] * 5, T0 + 3 * HOUR)
    block = sqlite_store.cycle(cfg, "kr36_funding", None, at=T0 + 4 * HOUR, status="blocked", error="HTTP 403")

    assert [t.rule for t in few] == ["few-items"] and [t.rule for t in block] == ["blocked"]
    assert hook.titles() == [
        "[HEALTH] kr36_funding: only 5 items, usually 40",
        "[HEALTH] kr36_funding: blocked by the site",
    ]


def test_stale_source_alerts_from_the_periodic_tick_and_recovers(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "stale", "kind": "health", "check": "stale", "stale_after": "1d", "send_resolved": True,
            "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)
    sqlite_store.cycle(cfg, "sina_quotes", None, at=T0)

    assert sqlite_store.tick(cfg, T0 + 12 * HOUR) == []
    stale = sqlite_store.tick(cfg, T0 + 2 * DAY)
    sqlite_store.deliver(cfg, T0 + 2 * DAY)
    sqlite_store.cycle(cfg, "sina_quotes", None, at=T0 + 2 * DAY + HOUR)

    assert [t.transition for t in stale] == ["firing"]
    assert hook.titles() == [
        "[HEALTH] sina_quotes: no successful run for 1d23h59m55s",
        "[RESOLVED] sina_quotes: fresh data again",
    ]
