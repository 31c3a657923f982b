"""The integration calls: `after_run` (end of every crawl) and `periodic` (the daemon's alert job)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from alerts.service import after_run, periodic
from tests.test_alerts_support import HOUR, T0, HttpReceiver, Store, alerts_config, gpu_row

DROP = {
    "name": "a100-aliyun-drop", "kind": "change", "item": "gpu", "pct": 5, "direction": "down",
    "select": {"gpu_model": "A100-80G"}, "notify": ["ops"],
}  # fmt: skip


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    store = Store(sqlite_url)
    yield store
    store.close()


def test_after_run_evaluates_and_delivers_and_a_second_call_for_the_same_run_sends_nothing(
    store: Store, hook: HttpReceiver
) -> None:
    cfg = alerts_config({"ops": [hook.url()]}, [DROP])
    first = store.run("aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    after_run(store.sessions, cfg, first, now=T0)
    second = store.run("aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)

    crawl = after_run(store.sessions, cfg, second, now=T0 + HOUR)  # the crawl process
    daemon = after_run(store.sessions, cfg, second, now=T0 + HOUR)  # the daemon, once the child exited

    assert [t.transition for t in crawl] == ["firing"] and daemon == []
    assert len(hook.messages) == 1


def test_after_run_without_an_alerts_section_does_nothing(store: Store) -> None:
    run_id = store.run("aliyun_gpu", "gpu", [gpu_row(T0)], T0)

    assert after_run(store.sessions, None, run_id) == []


def test_after_run_in_a_daemon_crawl_only_queues_and_periodic_sends(store: Store, hook: HttpReceiver) -> None:
    rule = {**DROP, "for": "1h"}
    cfg = alerts_config({"ops": [hook.url()]}, [rule])
    after_run(store.sessions, cfg, store.run("aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0), now=T0)
    drop = store.run("aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)

    pending = after_run(store.sessions, cfg, drop, now=T0 + HOUR, deliver=False)
    early, _ = periodic(store.sessions, cfg, now=T0 + HOUR + timedelta(minutes=30))
    fired, report = periodic(store.sessions, cfg, now=T0 + 2 * HOUR)

    assert [t.transition for t in pending] == ["pending"] and early == []
    assert [t.transition for t in fired] == ["firing"] and report.sent == 1
    assert len(hook.messages) == 1
