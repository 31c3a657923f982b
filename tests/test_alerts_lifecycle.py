"""The pure alert lifecycle: a stored status and a verdict in, the new status and the transition out (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from alerts.lifecycle import Change, Status, advance, step
from alerts.series import Finding
from core.config.alert_rules import AnyRule, Rule

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
OLD = {"label": "A100 · old", "new": "9"}
NEW = {"label": "A100 · new", "new": "7"}
_RULES: TypeAdapter[AnyRule] = TypeAdapter(Rule)
_KIND_FIELDS: dict[str, dict[str, Any]] = {
    "threshold": {"item": "gpu", "field": "price_per_gpu_hour", "op": "<", "value": 8},
    "availability": {"item": "gpu"},
    "new": {"item": "funding"},
}


def rule(kind: str = "threshold", **options: Any) -> AnyRule:
    return _RULES.validate_python({"name": "r", "kind": kind, "notify": [], **_KIND_FIELDS[kind], **options})


def firing(*, fired: timedelta = 2 * HOUR, notified: timedelta | None = 2 * HOUR) -> Status:
    """A firing status that fired `fired` ago and was last sent `notified` ago (None: never sent)."""
    return Status(
        state="firing",
        active_since=NOW - fired,
        fired_at=NOW - fired,
        notified_at=NOW - notified if notified is not None else None,
        context=OLD,
    )


def change(transition: str, from_state: str, to_state: str, *, sent: bool, why: str | None = None) -> Change:
    return Change(transition, from_state, to_state, NEW, sent, why)


STEPS = [
    # (case, rule, previous, verdict, muted, expected status, expected transition)
    ("no verdict leaves everything as it was", rule(), firing(), None, None, firing(), None),
    ("inactive → firing at once without `for`", rule(), Status(), True, None,
     Status("firing", NOW, NOW, NOW, None, NEW), change("firing", "inactive", "firing", sent=True)),
    ("inactive → pending with `for`, nothing sent", rule(**{"for": "30m"}), Status(), True, None,
     Status("pending", NOW, None, None, None, NEW), change("pending", "inactive", "pending", sent=False)),
    ("pending stays pending before `for` has passed", rule(**{"for": "30m"}),
     Status("pending", NOW - 10 * MIN, context=OLD), True, None, Status("pending", NOW - 10 * MIN, context=NEW), None),
    ("pending → firing once `for` has passed", rule(**{"for": "30m"}),
     Status("pending", NOW - 31 * MIN, context=OLD), True, None,
     Status("firing", NOW - 31 * MIN, NOW, NOW, None, NEW), change("firing", "pending", "firing", sent=True)),
    ("pending → cleared without a message", rule(**{"for": "30m"}),
     Status("pending", NOW - 10 * MIN, context=OLD), False, None,
     Status("inactive", None, context=OLD), change("cleared", "pending", "inactive", sent=False)),
    ("inactive verdict on an inactive status changes nothing", rule(), Status(context=OLD), False, None,
     Status(context=OLD), None),
    ("firing → resolved with a resolved notice", rule(send_resolved=True), firing(), False, None,
     replace(firing(), state="inactive", active_since=None, resolved_at=NOW, notified_at=NOW, context=NEW),
     change("resolved", "firing", "inactive", sent=True)),
    ("firing → resolved silently without send_resolved", rule(), firing(), False, None,
     replace(firing(), state="inactive", active_since=None, resolved_at=NOW, context=NEW),
     change("resolved", "firing", "inactive", sent=False)),
    ("no resolved notice for a firing that was never sent", rule(send_resolved=True), firing(notified=None), False,
     None, replace(firing(notified=None), state="inactive", active_since=None, resolved_at=NOW, context=NEW),
     change("resolved", "firing", "inactive", sent=False)),
    ("a firing alert still holding sends nothing before its repeat interval", rule(repeat_interval="1d"),
     firing(notified=HOUR), True, None, replace(firing(notified=HOUR), context=NEW), None),
    ("a firing alert repeats once the interval has passed", rule(repeat_interval="1d"),
     firing(fired=25 * HOUR, notified=25 * HOUR), True, None,
     replace(firing(fired=25 * HOUR, notified=25 * HOUR), notified_at=NOW, context=NEW),
     change("repeat", "firing", "firing", sent=True)),
    ("a muted repeat is not recorded", rule(repeat_interval="1d"), firing(fired=25 * HOUR, notified=25 * HOUR),
     True, "silenced", replace(firing(fired=25 * HOUR, notified=25 * HOUR), context=NEW), None),
    ("a held-back firing goes out late once nothing mutes it", rule(), firing(notified=None), True, None,
     replace(firing(notified=None), notified_at=NOW, context=NEW), change("firing", "firing", "firing", sent=True)),
    ("a held-back firing still muted records nothing", rule(), firing(notified=None), True, "silenced",
     replace(firing(notified=None), context=NEW), None),
    ("firing while muted is recorded and held back", rule(), Status(), True, "silenced",
     Status("firing", NOW, NOW, None, None, NEW), change("firing", "inactive", "firing", sent=False, why="silenced")),
    ("refiring within the cooldown is held back", rule(cooldown="6h"), Status(notified_at=NOW - HOUR), True, None,
     Status("firing", NOW, NOW, NOW - HOUR, None, NEW),
     change("firing", "inactive", "firing", sent=False, why="cooldown")),
    ("refiring after the cooldown is sent", rule(cooldown="6h"), Status(notified_at=NOW - 7 * HOUR), True, None,
     Status("firing", NOW, NOW, NOW, None, NEW), change("firing", "inactive", "firing", sent=True)),
    ("an availability event is sent and leaves the status inactive", rule("availability"), Status(), True, None,
     Status(notified_at=NOW), change("event", "inactive", "inactive", sent=True)),
    ("an event within the cooldown is recorded and held back", rule("availability", cooldown="6h"),
     Status(notified_at=NOW - HOUR), True, None, Status(notified_at=NOW - HOUR),
     change("event", "inactive", "inactive", sent=False, why="cooldown")),
    ("a new round is announced once: inactive → done", rule("new"), Status(), True, None,
     Status("done", notified_at=NOW), change("event", "inactive", "done", sent=True)),
    ("a round already announced is not announced again", rule("new"), Status("done", notified_at=NOW - HOUR), True,
     None, Status("done", notified_at=NOW - HOUR), None),
    ("a change an event rule does not watch is no event", rule("availability"), Status(notified_at=NOW - HOUR),
     False, None, Status(notified_at=NOW - HOUR), None),
    ("an event with no target is recorded only", rule("new"), Status(), True, "no target",
     Status("done"), change("event", "inactive", "done", sent=False, why="no target")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_", "previous", "active", "muted", "expected", "transition"),
    [case[1:] for case in STEPS],
    ids=[case[0] for case in STEPS],
)
def test_a_verdict_moves_the_status(
    rule_: AnyRule,
    previous: Status,
    active: bool | None,
    muted: str | None,
    expected: Status,
    transition: Change | None,
) -> None:
    after = step(previous, Finding({"provider": "aliyun"}, active, dict(NEW)), NOW, rule_, muted=muted)

    assert after == (expected, transition)


TICKS = [
    # (case, rule, previous, muted, expected status, expected transition)
    ("pending → firing on the clock once `for` has passed", rule(**{"for": "30m"}),
     Status("pending", NOW - 31 * MIN, context=OLD), None,
     Status("firing", NOW - 31 * MIN, NOW, NOW, None, OLD), Change("firing", "pending", "firing", OLD, True, None)),
    ("pending before `for` waits", rule(**{"for": "30m"}), Status("pending", NOW - 10 * MIN, context=OLD), None,
     Status("pending", NOW - 10 * MIN, context=OLD), None),
    ("a firing alert repeats on the clock", rule(repeat_interval="1d"), firing(fired=25 * HOUR, notified=25 * HOUR),
     None, replace(firing(fired=25 * HOUR, notified=25 * HOUR), notified_at=NOW),
     Change("repeat", "firing", "firing", OLD, True, None)),
    ("a firing alert sent recently stays quiet", rule(repeat_interval="1d"), firing(notified=HOUR), None,
     firing(notified=HOUR), None),
    ("a held-back firing is sent when the silence ends", rule(), firing(notified=None), None,
     replace(firing(notified=None), notified_at=NOW), Change("firing", "firing", "firing", OLD, True, None)),
    ("event rules have nothing to do on the clock", rule("availability"), Status(context=OLD), None,
     Status(context=OLD), None),
    ("an inactive status has nothing to do on the clock", rule(), Status(context=OLD), None, Status(context=OLD),
     None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_", "previous", "muted", "expected", "transition"),
    [case[1:] for case in TICKS],
    ids=[case[0] for case in TICKS],
)
def test_time_alone_moves_an_open_status(
    rule_: AnyRule, previous: Status, muted: str | None, expected: Status, transition: Change | None
) -> None:
    assert advance(previous, NOW, rule_, muted=muted) == (expected, transition)


def test_a_pending_alert_fires_on_the_verdict_that_completes_its_for_duration() -> None:
    watch = rule(**{"for": "30m"})
    status, first = step(Status(), Finding({}, True, dict(NEW)), NOW - 40 * MIN, watch)
    status, second = step(status, Finding({}, True, dict(NEW)), NOW - 20 * MIN, watch)
    status, third = step(status, Finding({}, True, dict(NEW)), NOW, watch)

    assert [c.transition if c else None for c in (first, second, third)] == ["pending", None, "firing"]
    assert status.active_since == NOW - 40 * MIN and status.fired_at == NOW and status.notified_at == NOW
