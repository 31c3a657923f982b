"""Alert lifecycle end to end: `for`, repeats, cooldown, silences, idempotence and the shapes messages take."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from alerts.silences import silence, unsilence
from storage.alert_models import AlertState, OutboxNotification
from tests.test_alerts_support import (
    DAY,
    DROP,
    HOUR,
    QUALITY,
    T0,
    HttpReceiver,
    SmtpReceiver,
    Store,
    alerts_config,
    gpu_row,
    hook_config,
    wait_for,
)

# --- lifecycle: for, repeat, cooldown, silences, idempotence --------------------------------------


def test_pending_alert_fires_only_after_its_for_duration(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "cheap-a100", "kind": "threshold", "item": "gpu", "field": "price_per_gpu_hour", "op": "<",
            "value": 32, "for": "2h", "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    pending = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="31.00")], T0)
    early = sqlite_store.tick(cfg, T0 + HOUR)
    fired = sqlite_store.tick(cfg, T0 + 2 * HOUR + timedelta(seconds=11))
    sqlite_store.deliver(cfg, T0 + 3 * HOUR)

    assert [t.transition for t in pending] == ["pending"] and early == []
    assert [t.transition for t in fired] == ["firing"]
    assert hook.titles() == ["[ALERT] aliyun A100-80G · cn-beijing · on_demand (ecs.gn7e-c16g1.4xlarge): 31 CNY/GPU·h"]
    assert "Condition: price_per_gpu_hour < 32" in hook.messages[0].body


def test_pending_alert_is_cleared_without_a_message_when_the_condition_stops_holding(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "cheap-a100", "kind": "threshold", "item": "gpu", "field": "price_per_gpu_hour", "op": "<",
            "value": 32, "for": "2h", "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="31.00")], T0)
    cleared = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="33.00")], T0 + HOUR)
    sqlite_store.tick(cfg, T0 + 5 * HOUR)

    assert [t.transition for t in cleared] == ["cleared"]
    assert hook.messages == []


def test_firing_alert_repeats_after_its_repeat_interval(sqlite_store: Store, hook: HttpReceiver) -> None:
    rule = {"name": "cheap-a100", "kind": "threshold", "item": "gpu", "field": "price_per_gpu_hour", "op": "<",
            "value": 32, "repeat_interval": "1d", "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="31.00")], T0)
    assert sqlite_store.tick(cfg, T0 + 12 * HOUR) == []
    repeat = sqlite_store.tick(cfg, T0 + DAY + HOUR)
    sqlite_store.deliver(cfg, T0 + DAY + HOUR)

    assert [t.transition for t in repeat] == ["repeat"]
    assert [title.split(" ")[0] for title in hook.titles()] == ["[ALERT]", "[STILL"]


def test_refiring_within_cooldown_is_held_back_and_sent_once_the_cooldown_ends(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    rule = {"name": "cheap-a100", "kind": "threshold", "item": "gpu", "field": "price_per_gpu_hour", "op": "<",
            "value": 32, "cooldown": "6h", "notify": ["ops"]}  # fmt: skip
    cfg = hook_config(hook, rule)

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="31.00")], T0)
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="33.00")], T0 + HOUR)
    again = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + 2 * HOUR, price="30.00")], T0 + 2 * HOUR)
    assert [(t.transition, t.suppressed) for t in again] == [("firing", "cooldown")]
    assert len(hook.messages) == 1

    late = sqlite_store.tick(cfg, T0 + 7 * HOUR)
    sqlite_store.deliver(cfg, T0 + 7 * HOUR)

    assert [(t.transition, t.notified) for t in late] == [("firing", True)]
    assert len(hook.messages) == 2 and "30 CNY/GPU·h" in hook.titles()[1]


def test_silenced_series_sends_nothing_and_the_alert_goes_out_when_the_silence_is_lifted(
    sqlite_store: Store, hook: HttpReceiver
) -> None:
    cfg = hook_config(hook, DROP)
    with sqlite_store.sessions.begin() as session:
        silence(session, DROP["name"], {"gpu_model": "A100-80G"}, T0 + DAY, now=T0)

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    muted = sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)
    assert [(t.transition, t.suppressed) for t in muted] == [("firing", "silenced")]
    assert hook.messages == []

    with sqlite_store.sessions.begin() as session:
        assert unsilence(session, DROP["name"], now=T0 + 2 * HOUR) == 1
    sqlite_store.tick(cfg, T0 + 2 * HOUR)
    sqlite_store.deliver(cfg, T0 + 2 * HOUR)

    assert len(hook.messages) == 1


def test_silence_on_other_series_does_not_mute_this_one(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, DROP)
    with sqlite_store.sessions.begin() as session:
        silence(session, DROP["name"], {"region": "cn-shanghai"}, T0 + DAY, now=T0)

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)

    assert len(hook.messages) == 1


def test_evaluating_the_same_run_twice_changes_nothing(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, DROP, QUALITY)
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    run_id = sqlite_store.run("aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)

    first = sqlite_store.evaluate(cfg, run_id, T0 + HOUR)
    second = sqlite_store.evaluate(cfg, run_id, T0 + HOUR + timedelta(minutes=1))
    sqlite_store.deliver(cfg, T0 + 2 * HOUR)

    assert len(first) == 1 and second == []
    assert len(sqlite_store.outbox()) == 1 and len(hook.messages) == 1


# --- other rule kinds -----------------------------------------------------------------------------

# --- delivery shapes ------------------------------------------------------------------------------


def test_alerts_of_one_run_to_one_target_are_grouped_into_one_message(sqlite_store: Store, hook: HttpReceiver) -> None:
    rules = [{**DROP, "name": f"drop-{region}", "select": {"region": region}, "group": True}
             for region in ("cn-beijing", "cn-shanghai")]  # fmt: skip
    cfg = hook_config(hook, *rules)
    rows = [gpu_row(T0, region="cn-beijing"), gpu_row(T0, region="cn-shanghai")]
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", rows, T0)

    cheaper = [
        gpu_row(T0 + HOUR, region="cn-beijing", price="30"),
        gpu_row(T0 + HOUR, region="cn-shanghai", price="29"),
    ]
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", cheaper, T0 + HOUR)

    assert len(hook.messages) == 1
    message = hook.messages[0]
    assert message.title.startswith("aipulse: 2 alerts from run ")
    assert (
        "1. [ALERT] aliyun A100-80G · cn-beijing" in message.body
        and "2. [ALERT] aliyun A100-80G · cn-shanghai" in message.body
    )
    assert {row.status for row in sqlite_store.outbox()} == {"sent"}
    assert [a.group_size for a in sqlite_store.attempts()] == [2, 2]


def test_email_target_gets_the_chinese_message(sqlite_store: Store) -> None:
    smtp = SmtpReceiver().start()
    try:
        cfg = alerts_config({"mail": [smtp.url()]}, [{**DROP, "notify": ["mail"]}], language="zh")
        sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
        sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)
        assert wait_for(lambda: len(smtp.messages) == 1)
        message = smtp.messages[0]
    finally:
        smtp.stop()

    assert message.title == (
        "【告警】aliyun A100-80G · cn-beijing · on_demand (ecs.gn7e-c16g1.4xlarge)：34.74 → 31.27 CNY/GPU·h（-9.99%）"
    )
    assert "之前：34.74 CNY/GPU·h（上次观测，2026-03-02 16:00 CST）" in message.body
    assert "来源：https://ecs-buy.aliyun.com/pricing" in message.body


def test_a_broken_template_falls_back_to_a_plain_message(
    sqlite_store: Store, hook: HttpReceiver, tmp_path: Path
) -> None:
    (tmp_path / "alert.title.j2").write_text("{% if %}broken", encoding="utf-8")
    cfg = hook_config(hook, DROP, template_dir=str(tmp_path))

    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)

    assert hook.titles() == [
        "[firing] a100-aliyun-drop: aliyun A100-80G · cn-beijing · on_demand (ecs.gn7e-c16g1.4xlarge)"
    ]
    assert "old: 34.74" in hook.messages[0].body and "new: 31.27" in hook.messages[0].body


def test_a_rule_with_no_targets_records_its_transitions_only(sqlite_store: Store, hook: HttpReceiver) -> None:
    cfg = hook_config(hook, {**DROP, "notify": []})
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    sqlite_store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)

    assert [(e.transition, e.notified, e.suppressed) for e in sqlite_store.events()] == [("firing", False, "no target")]
    assert hook.messages == [] and sqlite_store.outbox() == []
    with sqlite_store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AlertState).where(AlertState.state == "firing")) == 1
        assert session.scalar(select(func.count()).select_from(OutboxNotification)) == 0
