"""The outbox: retries with backoff, exactly-once delivery when a target comes back, templates, references."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from alerts.messages import render
from alerts.outbox import backoff, deliver_pending, enqueue_test
from core.secrets import ConfigError
from storage.alert_models import OutboxNotification
from tests.test_alerts_support import (
    HOUR,
    T0,
    HttpReceiver,
    SmtpReceiver,
    Store,
    alerts_config,
    gpu_row,
    wait_for,
)

DROP = {
    "name": "a100-aliyun-drop", "kind": "change", "item": "gpu", "pct": 5, "direction": "down",
    "select": {"gpu_model": "A100-80G"}, "notify": ["ops"], "send_resolved": True,
}  # fmt: skip
SECOND = timedelta(seconds=1)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    store = Store(sqlite_url)
    yield store
    store.close()


def test_target_down_for_two_runs_then_up_gets_every_pending_notification_exactly_once(store: Store) -> None:
    hook = HttpReceiver()  # not started: the port refuses connections
    cfg = alerts_config({"ops": [hook.url()]}, [DROP])
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + 2 * HOUR, price="34.74")], T0 + 2 * HOUR)
    assert [(r.status, r.attempts) for r in store.outbox()] == [("pending", 2), ("pending", 0)]

    hook.start()
    try:
        back = store.deliver(cfg, T0 + 3 * HOUR)
        again = store.deliver(cfg, T0 + 4 * HOUR)
    finally:
        hook.stop()

    assert (back.sent, back.failed, again.attempted) == (2, 0, 0)
    assert [title.split(" ")[0] for title in hook.titles()] == ["[ALERT]", "[RESOLVED]"]
    assert [(r.status, r.attempts) for r in store.outbox()] == [("sent", 3), ("sent", 1)]
    assert [a.ok for a in store.attempts()] == [False, False, True, True]
    assert all("Connection error" in (a.error or "") for a in store.attempts() if not a.ok)


def test_a_failing_url_is_retried_alone_and_the_urls_that_worked_get_nothing_twice(store: Store) -> None:
    hook, smtp = HttpReceiver(), SmtpReceiver().start()
    try:
        cfg = alerts_config({"ops": [hook.url(), smtp.url()]}, [DROP])
        store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
        store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)
        assert wait_for(lambda: len(smtp.messages) == 1)
        hook.start()
        store.deliver(cfg, T0 + 2 * HOUR)
        store.deliver(cfg, T0 + 3 * HOUR)
        assert not wait_for(lambda: len(smtp.messages) > 1, timeout_s=0.3)
    finally:
        hook.stop()
        smtp.stop()

    assert len(hook.messages) == 1 and len(smtp.messages) == 1
    assert [(r.target, r.status) for r in store.outbox()] == [("ops", "sent"), ("ops", "sent")]


def test_http_error_from_the_receiver_is_a_failed_attempt_retried_with_doubling_backoff(store: Store) -> None:
    hook = HttpReceiver(status=500).start()
    try:
        cfg = alerts_config({"ops": [hook.url()]}, [], delivery={"retry_base": "30s", "retry_max": "2m"})
        with store.sessions.begin() as session:
            enqueue_test(session, cfg, "ops", T0)
        times = [T0, T0 + 10 * SECOND, T0 + 31 * SECOND, T0 + 92 * SECOND, T0 + 213 * SECOND]
        reports = [store.deliver(cfg, at) for at in times[:4]]
        hook.status = 200
        reports.append(store.deliver(cfg, times[4]))
    finally:
        hook.stop()

    assert [(r.sent, r.failed) for r in reports] == [(0, 1), (0, 0), (0, 1), (0, 1), (1, 0)]
    row = store.outbox()[0]
    assert row.status == "sent" and row.attempts == 4 and row.sent_at == times[4]
    assert len(hook.messages) == 1
    assert [a.ok for a in store.attempts()] == [False, False, False, True]


def test_backoff_doubles_from_retry_base_up_to_retry_max() -> None:
    cfg = alerts_config({}, [], delivery={"retry_base": "30s", "retry_max": "5m"})

    assert [backoff(cfg, n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_two_deliverers_at_once_send_each_message_once(store: Store) -> None:
    hook = HttpReceiver().start()
    try:
        cfg = alerts_config({"ops": [hook.url()]}, [])
        with store.sessions.begin() as session:
            for _ in range(12):
                enqueue_test(session, cfg, "ops", T0)
        threads = [threading.Thread(target=deliver_pending, args=(store.sessions, cfg, T0)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        hook.stop()

    assert len(hook.messages) == 12
    assert [(r.status, r.attempts) for r in store.outbox()] == [("sent", 1)] * 12
    assert len(store.attempts()) == 12


def test_rows_left_sending_by_a_dead_deliverer_are_taken_again_after_their_lease(store: Store) -> None:
    hook = HttpReceiver().start()
    try:
        cfg = alerts_config({"ops": [hook.url()]}, [], delivery={"lease": "5m"})
        with store.sessions.begin() as session:
            enqueue_test(session, cfg, "ops", T0)
            session.execute(update(OutboxNotification).values(status="sending", lease_until=T0 + 5 * 60 * SECOND))
        during = store.deliver(cfg, T0 + 60 * SECOND)
        after = store.deliver(cfg, T0 + 6 * 60 * SECOND)
    finally:
        hook.stop()

    assert (during.attempted, after.sent) == (0, 1) and len(hook.messages) == 1


def test_a_notification_that_cannot_be_delivered_expires_after_give_up_after(store: Store) -> None:
    cfg = alerts_config({"ops": [HttpReceiver().url()]}, [], delivery={"give_up_after": "1h"})
    with store.sessions.begin() as session:
        enqueue_test(session, cfg, "ops", T0)

    first = store.deliver(cfg, T0)
    last = store.deliver(cfg, T0 + 2 * HOUR)
    later = store.deliver(cfg, T0 + 9 * HOUR)

    assert (first.failed, last.expired, later.attempted) == (1, 1, 0)
    assert store.outbox()[0].status == "expired"


def test_url_in_an_environment_variable_is_resolved_at_delivery_and_never_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = HttpReceiver().start()
    monkeypatch.delenv("AIPULSE_TEST_HOOK", raising=False)
    try:
        cfg = alerts_config({"ops": ["${AIPULSE_TEST_HOOK}"]}, [])
        with store.sessions.begin() as session:
            enqueue_test(session, cfg, "ops", T0)
        missing = store.deliver(cfg, T0)
        monkeypatch.setenv("AIPULSE_TEST_HOOK", hook.url())
        found = store.deliver(cfg, T0 + HOUR)
    finally:
        hook.stop()

    assert (missing.failed, found.sent) == (1, 1)
    row = store.outbox()[0]
    assert row.destination == "${AIPULSE_TEST_HOOK}" and str(hook.port) not in row.destination
    assert "AIPULSE_TEST_HOOK is not set" in (store.attempts()[0].error or "")
    assert hook.titles() == ["aipulse test message for target ops"]


def test_testing_an_unknown_target_is_a_config_error(store: Store) -> None:
    cfg = alerts_config({"ops": [HttpReceiver().url()]}, [])
    with store.sessions.begin() as session, pytest.raises(ConfigError, match="unknown target 'mail'"):
        enqueue_test(session, cfg, "mail", T0)


# --- templates ------------------------------------------------------------------------------------

CONTEXTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("threshold", {"rule_kind": "threshold", "transition": "firing", "label": "L", "new": "7.5", "unit": "CNY/GPU·h",
                   "field": "price_per_gpu_hour", "op": "<", "threshold": "8"},
     "[ALERT] L: 7.5 CNY/GPU·h", "【告警】L：7.5 CNY/GPU·h"),
    ("change", {"rule_kind": "change", "transition": "resolved", "label": "L", "old": "10", "new": "11",
                "change_pct": "10", "unit": "USD", "baseline": "previous"},
     "[RESOLVED] L: 10 → 11 USD (+10.00%)", "【已恢复】L：10 → 11 USD（+10.00%）"),
    ("spike", {"rule_kind": "spike", "transition": "repeat", "label": "kimi.com", "old": "100000000",
               "new": "140000000", "change_pct": "40", "z": "9.1", "points": 8, "window": "400d"},
     "[STILL FIRING] kimi.com: 100,000,000 → 140,000,000 (+40.00%)",
     "【持续告警】kimi.com：100,000,000 → 140,000,000（+40.00%）"),
    ("funding", {"rule_kind": "new", "item": "funding", "transition": "event", "company": "MiniMax", "round": "C",
                 "amount_text": "$600M", "mentions": [{"source": "techcrunch_funding", "url": "https://t.co/x"}]},
     "[NEW] MiniMax raised a C round: $600M", "【新】MiniMax 完成 C 轮融资：$600M"),
    ("stock", {"rule_kind": "availability", "transition": "event", "label": "L", "change": "sold_out"},
     "[STOCK] L: sold out", "【库存】L：已售罄"),
    ("health", {"rule_kind": "health", "check": "low_items", "transition": "firing", "label": "s", "items": 3,
                "usual_items": "40"},
     "[HEALTH] s: only 3 items, usually 40", "【数据源】s：仅 3 条，通常 40 条"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "context", "english", "chinese"), CONTEXTS, ids=[c[0] for c in CONTEXTS])
def test_default_templates_render_every_kind_in_english_and_chinese(
    case: str, context: dict[str, Any], english: str, chinese: str
) -> None:
    context = {"rule": "r", **context}
    en = alerts_config({}, [], language="en")
    zh = alerts_config({}, [], language="zh")

    assert render(en, "alert", context)[0] == english
    assert render(zh, "alert", context)[0] == chinese
    assert render(en, "alert", context)[1] and render(zh, "alert", context)[1]


def test_chinese_funding_messages_write_amounts_in_yi_and_no_english_round_names() -> None:
    context = {"rule": "r", "rule_kind": "new", "item": "funding", "transition": "event", "company": "某AI公司",
               "round": "Undisclosed", "amount_text": "近10亿元", "amount_usd": "135000000",
               "status": "planned"}  # fmt: skip
    title, body = render(alerts_config({}, [], language="zh"), "alert", context)

    assert "约 1.35 亿美元" in body and "135,000,000" not in body
    assert title == "【新】某AI公司 完成 未披露轮次融资：近10亿元"
    assert "Undisclosed" not in title + body and "planned" not in body
    assert "轮次：未披露轮次（计划中）" in body


def test_a_template_that_fails_while_rendering_falls_back_to_a_plain_message(tmp_path: Any) -> None:
    (tmp_path / "alert.title.j2").write_text("{{ 1 / 0 }}", encoding="utf-8")
    cfg = alerts_config({}, [], template_dir=str(tmp_path))

    title, body = render(cfg, "alert", {"rule": "r", "transition": "firing", "label": "L", "new": "1"})

    assert title == "[firing] r: L" and "new: 1" in body
