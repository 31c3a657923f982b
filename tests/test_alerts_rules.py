"""The `[alerts]` section: a good one loads; each mistake fails at start naming the key and the reason."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from alerts.apprise_adapter import check_target_urls
from core.config.alert_rules import AvailabilityRule, ChangeRule, HealthRule, NewRule, SpikeRule, ThresholdRule
from core.config.alerts import AlertsConfig
from core.secrets import ConfigError, SecretRef

EXAMPLE = """
[alerts]
language = "zh"
default_notify = ["ops"]

[alerts.targets]
ops = ["${SLACK_WEBHOOK}", "mailto://127.0.0.1:8025?from=a@example.com&to=b@example.com"]
hooks = ["json://127.0.0.1:9000/aipulse", { env = "TEAMS_URL" }]

[[alerts.rules]]
name = "a100-cheap"
kind = "threshold"
item = "gpu"
select = { gpu_model = "A100-80G", currency = "CNY" }
field = "price_per_gpu_hour"
op = "<"
value = 8
for = "30m"

[[alerts.rules]]
name = "aliyun-a100-drop"
kind = "change"
item = "gpu"
select = { gpu_model = "A100-80G", provider = "aliyun" }
pct = 5
direction = "down"
send_resolved = true
repeat_interval = "1d"

[[alerts.rules]]
name = "kimi-spike"
kind = "spike"
item = "traffic"
select = { domain = ["kimi.com", "moonshot.cn"] }
window = "365d"
min_abs_change = 1e6

[[alerts.rules]]
name = "big-ai-rounds"
kind = "new"
item = "funding"
ai_related = true
amount_usd_min = 50e6
notify = ["ops", "hooks"]
group = true

[[alerts.rules]]
name = "daily-move"
kind = "change"
item = "quotes"
select = { symbol = "002230.SZ" }
baseline = "prev_close"
pct = 5

[[alerts.rules]]
name = "a800-restock"
kind = "availability"
item = "gpu"
select = { gpu_model = "A800-80G", provider = "gpushare" }
on = ["back_in_stock"]
cooldown = "6h"

[[alerts.rules]]
name = "failing"
kind = "health"
check = "failing"
runs = 3
send_resolved = true

[[alerts.rules]]
name = "quality"
kind = "health"
check = "quality"
notify = []
"""


class _App(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alerts: AlertsConfig


def load(text: str) -> AlertsConfig:
    return _App.model_validate(tomllib.loads(text)).alerts


def problem(text: str) -> str:
    """The located messages of the validation error `text` causes (as core.config reports them)."""
    with pytest.raises(ValidationError) as caught:
        load(text)
    return "\n".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in caught.value.errors())


def with_rule(**fields: Any) -> str:
    lines = [f"{k} = {_toml(v)}" for k, v in fields.items()]
    return '[alerts.targets]\nops = ["json://127.0.0.1:9000/x"]\n\n[[alerts.rules]]\nnotify = ["ops"]\n' + "\n".join(
        lines
    )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def test_the_documented_example_loads_into_typed_rules() -> None:
    config = load(EXAMPLE)

    kinds = [type(rule) for rule in config.rules]
    assert kinds == [
        ThresholdRule,
        ChangeRule,
        SpikeRule,
        NewRule,
        ChangeRule,
        AvailabilityRule,
        HealthRule,
        HealthRule,
    ]
    cheap = config.rules[0]
    assert isinstance(cheap, ThresholdRule) and cheap.for_ == timedelta(minutes=30) and cheap.value == Decimal(8)
    assert config.targets["ops"][0] == SecretRef(env="SLACK_WEBHOOK")
    assert config.targets["hooks"][1] == SecretRef(env="TEAMS_URL")
    assert config.targets_of(config.rules[0]) == ["ops"] and config.targets_of(config.rules[3]) == ["ops", "hooks"]
    assert config.targets_of(config.rules[7]) == []
    assert config.environment_names() == {"ops": ["SLACK_WEBHOOK"], "hooks": ["TEAMS_URL"]}
    spike = config.rules[2]
    assert isinstance(spike, SpikeRule) and spike.watched() == "visits" and spike.min_abs_change == Decimal(1000000)


def test_an_empty_section_is_valid_and_alerts_nothing() -> None:
    config = load("[alerts]\n")

    assert config.rules == [] and config.targets == {} and config.language == "zh"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (with_rule(name="r", kind="trend", item="gpu"), "does not match any of the expected tags: 'threshold'"),
        (with_rule(name="r", kind="threshold", item="gpu", field="prise", op="<", value=1),
         "field: 'prise' is not a numeric field of gpu"),
        (with_rule(name="r", kind="change", item="gpu", pct=5, select={"gpu_mdl": "A100-80G"}),
         "select: unknown field 'gpu_mdl' for gpu"),
        (with_rule(name="r", kind="change", item="gpu", pct=5, **{"for": "soon"}),
         "'soon' is not a duration; write it like '30s', '15m', '1h30m' or '2d'"),
        (with_rule(name="r", kind="change", item="gpu", pct=5, abs=1), "give exactly one of pct (percent) or abs"),
        (with_rule(name="r", kind="change", item="gpu"), "give exactly one of pct (percent) or abs"),
        (with_rule(name="r", kind="change", item="gpu", pct=5, baseline="prev_close"),
         'baseline "prev_close" exists for quotes only'),
        (with_rule(name="r", kind="change", item="gpu", pct=5, baseline="n_days_ago"), "needs days = N"),
        (with_rule(name="r", kind="change", item="gpu", pct=5, baseline="rolling_median"), 'needs window = "30d"'),
        (with_rule(name="r", kind="spike", item="traffic"), "rules.0.spike.window: Field required"),
        (with_rule(name="r", kind="new", item="funding", send_resolved=True),
         "send_resolved: a new rule fires once per event and never resolves"),
        (with_rule(name="r", kind="availability", item="gpu", **{"for": "1h"}), "for: a availability rule fires once"),
        (with_rule(name="r", kind="availability", item="quotes"), "availability rules watch gpu offers"),
        (with_rule(name="r", kind="health", check="stale"), 'check "stale" needs stale_after'),
        (with_rule(name="r", kind="health", check="failing", select={"domain": "kimi.com"}),
         "select: unknown field 'domain' for runs (known: source, trigger)"),
        (with_rule(name="r", kind="new", item="gpu", amount_usd_min=5), "amount_usd_min: applies to funding rules"),
        (with_rule(name="r", kind="threshold", item="gpu", field="price", op="<", value=1, colour="red"),
         "rules.0.threshold.colour: Extra inputs are not permitted"),
        (with_rule(name="has space", kind="health", check="failing"), "rules.0.health.name: String should match"),
    ],
)  # fmt: skip
def test_a_bad_rule_fails_with_its_key_and_reason(text: str, expected: str) -> None:
    assert expected in problem(text)


def test_a_rule_notifying_an_unknown_target_is_refused() -> None:
    text = with_rule(name="r", kind="health", check="failing").replace('notify = ["ops"]', 'notify = ["pager"]')

    assert "rules.0 (r): notify names unknown target 'pager' (targets: ops)" in problem(text)


def test_a_rule_with_no_notify_and_no_default_is_refused() -> None:
    text = with_rule(name="r", kind="health", check="failing").replace('notify = ["ops"]\n', "")

    assert "rules.0 (r): notifies nobody" in problem(text)


def test_two_rules_with_one_name_are_refused() -> None:
    rule = '[[alerts.rules]]\nname = "r"\nkind = "health"\ncheck = "failing"\nnotify = []\n'

    assert "a second rule named 'r'" in problem(rule + rule)


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ("ops = []", "ops: a target needs at least one Apprise URL"),
        ('ops = ["mailtos://bot:hunter2@smtp.example.com"]', "the password is a secret: write it as ${NAME}"),
        ('ops = ["json://example.com/hook?token=abc123"]', "`token=` is a secret"),
        ('ops = ["${lower case}"]', "write environment references as ${NAME} (letters, digits and _ only)"),
        ('"bad name" = ["json://127.0.0.1/x"]', "'bad name': target names are letters, digits"),
    ],
)
def test_a_bad_target_fails_with_its_name_and_reason(targets: str, expected: str) -> None:
    assert expected in problem(f"[alerts.targets]\n{targets}\n")


def test_a_target_url_apprise_cannot_use_fails_at_start_with_its_name() -> None:
    config = load('[alerts.targets]\nops = ["nonsense://x"]\nhooks = ["${HOOK_URL}"]\n')

    with pytest.raises(ConfigError) as caught:
        check_target_urls(config, "aipulse.toml")

    assert str(caught.value) == (
        "aipulse.toml: invalid configuration\n"
        "  alerts.targets: ops: not a valid Apprise URL (scheme 'nonsense'; see https://github.com/caronc/apprise/wiki)"
    )


def test_usable_and_referenced_target_urls_pass_the_apprise_check() -> None:
    config = load(EXAMPLE)

    check_target_urls(config, "aipulse.toml")


def test_a_password_given_by_reference_is_accepted() -> None:
    config = load('[alerts.targets]\nops = ["mailtos://bot:${SMTP_PASSWORD}@smtp.example.com?to=a@example.com"]\n')

    assert config.environment_names() == {"ops": ["SMTP_PASSWORD"]}


def test_other_section_mistakes_are_located() -> None:
    assert "alerts.timezone: Value error, unknown time zone 'Mars/Base'" in problem(
        '[alerts]\ntimezone = "Mars/Base"\n'
    )
    assert "alerts.language: Input should be 'zh' or 'en'" in problem('[alerts]\nlanguage = "fr"\n')
    assert "alerts.delivery.retry_base" in problem('[alerts.delivery]\nretry_base = "never"\n')
    assert "default_notify: unknown target 'ops'" in problem('[alerts]\ndefault_notify = ["ops"]\n')


def test_rules_are_frozen() -> None:
    config = load(EXAMPLE)

    with pytest.raises(ValidationError):
        config.rules[0].name = "renamed"  # type: ignore[misc]
