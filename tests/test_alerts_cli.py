"""`aipulse alerts …` handlers on a real database: list, history, silences, check, test, flush."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from alerts.cli import AlertsCliError, add_parser, run
from core.config.alerts import AlertsConfig
from storage.alert_models import AlertEvent, AlertSilence
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


def aipulse_alerts(store: Store, cfg: AlertsConfig, *argv: str) -> int:
    """Parse and run `aipulse alerts ARGV` the way monitor/cli.py does, committing afterwards."""
    parser = argparse.ArgumentParser(prog="aipulse")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["alerts", *argv])
    session: Session
    with store.sessions() as session:
        code = run(args, SimpleNamespace(alerts=cfg), session)
        session.commit()
    return code


def fired(store: Store, hook: HttpReceiver) -> AlertsConfig:
    cfg = alerts_config({"ops": [hook.url()]}, [DROP])
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    store.cycle(cfg, "aliyun_gpu", "gpu", [gpu_row(T0 + HOUR, price="31.27")], T0 + HOUR)
    return cfg


def test_list_shows_the_firing_alert(store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = fired(store, hook)

    assert aipulse_alerts(store, cfg, "list", "--firing") == 0
    table = capsys.readouterr().out
    assert aipulse_alerts(store, cfg, "list", "--json") == 0
    data = json.loads(capsys.readouterr().out)

    assert "a100-aliyun-drop  aliyun A100-80G · cn-beijing" in table and "firing" in table
    assert [(d["rule"], d["state"]) for d in data] == [("a100-aliyun-drop", "firing")]


def test_history_lists_transitions_newest_first(
    store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = fired(store, hook)

    assert aipulse_alerts(store, cfg, "history", "--json", "--rule", "a100-aliyun-drop") == 0
    events = json.loads(capsys.readouterr().out)

    assert [(e["transition"], e["notified"]) for e in events] == [("firing", True)]
    assert events[0]["context"]["old"] == "34.74"


def test_silence_for_24h_then_unsilence(store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = fired(store, hook)

    assert (
        aipulse_alerts(store, cfg, "silence", "a100-aliyun-drop", "--series", "region=cn-beijing", "--for", "24h") == 0
    )
    said = capsys.readouterr().out
    assert aipulse_alerts(store, cfg, "silences") == 0
    listed = capsys.readouterr().out
    assert aipulse_alerts(store, cfg, "unsilence", "a100-aliyun-drop") == 0
    assert aipulse_alerts(store, cfg, "unsilence", "a100-aliyun-drop") == 1

    assert "a100-aliyun-drop (region=cn-beijing) muted for 1d" in said
    assert "region=cn-beijing" in listed
    with store.sessions() as session:
        assert session.query(AlertSilence).count() == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["silence", "no-such-rule", "--for", "1h"], "unknown rule 'no-such-rule' (rules: a100-aliyun-drop)"),
        (["silence", "a100-aliyun-drop", "--for", "forever"], "--for: 'forever' is not a duration"),
        (["silence", "a100-aliyun-drop", "--for", "1h", "--series", "region"], "--series expects NAME=VALUE"),
    ],
)
def test_silence_mistakes_are_reported(store: Store, hook: HttpReceiver, argv: list[str], message: str) -> None:
    cfg = alerts_config({"ops": [hook.url()]}, [DROP])

    with pytest.raises(AlertsCliError, match=message.replace("(", r"\(").replace(")", r"\)")):
        aipulse_alerts(store, cfg, *argv)


def test_check_prints_what_holds_now_and_stores_nothing(
    store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    cheap = {"name": "cheap", "kind": "threshold", "item": "gpu", "field": "price_per_gpu_hour", "op": "<",
             "value": 40, "notify": ["ops"]}  # fmt: skip
    quiet = alerts_config({"ops": [hook.url()]}, [])
    store.cycle(quiet, "aliyun_gpu", "gpu", [gpu_row(T0, price="34.74")], T0)
    cfg = alerts_config({"ops": [hook.url()]}, [cheap])

    assert aipulse_alerts(store, cfg, "check", "--json") == 0
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)

    assert [(f["rule"], f["state"], f["context"]["new"]) for f in found] == [("cheap", "inactive", "34.74")]
    assert store.events() == [] and hook.messages == []
    with store.sessions() as session:
        assert session.query(AlertEvent).count() == 0


def test_check_without_rules_says_none_are_configured(
    store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert aipulse_alerts(store, alerts_config({"ops": [hook.url()]}, []), "check") == 0
    out = capsys.readouterr().out
    assert out.startswith("no rules configured") and "no rule holds" not in out


def test_check_with_rules_that_do_not_hold_says_so(
    store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert aipulse_alerts(store, alerts_config({"ops": [hook.url()]}, [DROP]), "check") == 0
    assert capsys.readouterr().out.strip() == "no rule holds on the newest data"


def test_test_target_sends_a_message_and_reports_each_url(
    store: Store, hook: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = HttpReceiver()
    cfg = alerts_config({"ops": [hook.url()], "down": [dead.url()]}, [])

    assert aipulse_alerts(store, cfg, "test", "ops") == 0
    ok = capsys.readouterr().out
    assert aipulse_alerts(store, cfg, "test", "down") == 1
    failed = capsys.readouterr().out

    assert ok.strip() == f"ops: json://127.0.0.1:{hook.port}/…: sent"
    assert failed.startswith(f"down: json://127.0.0.1:{dead.port}/…: FAILED (A Connection error occurred")
    assert hook.titles() == ["aipulse test message for target ops"]


def test_flush_delivers_what_is_queued(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    hook = HttpReceiver()
    cfg = fired(store, hook)  # the receiver is down while the alert fires
    hook.start()
    try:
        code = aipulse_alerts(store, cfg, "flush")
    finally:
        hook.stop()

    assert code == 0 and len(hook.messages) == 1
    assert capsys.readouterr().out.strip() == "1 sent, 0 failed (will retry), 0 expired; 0 still queued"
