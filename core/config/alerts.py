"""The `[alerts]` section: named targets, message templates, delivery, the quality gate and rules."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from core.config.alert_rules import AnyRule, Rule
from core.config.alert_targets import (
    DeliveryConfig,
    QualityConfig,
    TargetUrl,
    url_environment_names,
)
from core.config.fx import ROUGH_USD_RATES
from core.secrets import SecretRef
from core.strict import Strict


class AlertsConfig(Strict):
    """The `[alerts]` section: named targets (groups of Apprise URLs), message templates, delivery and rules."""

    enabled: bool = True
    language: Literal["zh", "en"] = "zh"
    template_dir: str | None = None
    timezone: str = "Asia/Shanghai"
    default_notify: list[str] = Field(default_factory=list)
    #: not a setting: 1 unit of each currency in USD, derived from `[fx]` by AppConfig (for `amount_usd_min`)
    fx_to_usd: dict[str, Decimal] = Field(default_factory=lambda: dict(ROUGH_USD_RATES), exclude=True)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    targets: dict[str, list[TargetUrl]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as 'Asia/Shanghai')") from None
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, list[SecretRef | str]]) -> dict[str, list[SecretRef | str]]:
        for name, urls in value.items():
            if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", name):
                raise ValueError(f"{name!r}: target names are letters, digits, '_' or '-'")
            if not urls:
                raise ValueError(f"{name}: a target needs at least one Apprise URL")
        # Whether Apprise can use each literal URL is checked by alerts.apprise_adapter.check_target_urls
        # after loading: core does not import the alerts layer.
        return value

    @model_validator(mode="after")
    def _rules_refer_to_targets(self) -> AlertsConfig:
        for name in self.default_notify:
            if name not in self.targets:
                raise ValueError(f"default_notify: unknown target {name!r} (targets: {_names(self.targets)})")
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.name in seen:
                raise ValueError(f"rules.{index}: a second rule named {rule.name!r} (rule names are unique)")
            seen.add(rule.name)
            for name in rule.notify or []:
                if name not in self.targets:
                    raise ValueError(
                        f"rules.{index} ({rule.name}): notify names unknown target {name!r} "
                        f"(targets: {_names(self.targets)})"
                    )
            if rule.notify is None and not self.default_notify:
                raise ValueError(
                    f'rules.{index} ({rule.name}): notifies nobody: set notify = ["target"] '
                    "(or notify = [] to record only), or alerts.default_notify"
                )
        return self

    def rule(self, name: str) -> AnyRule | None:
        """The rule called `name`, or None."""
        return next((r for r in self.rules if r.name == name), None)

    def targets_of(self, rule: AnyRule) -> list[str]:
        """The target names a rule notifies."""
        return list(self.default_notify if rule.notify is None else rule.notify)

    def environment_names(self) -> dict[str, list[str]]:
        """Every environment variable a target refers to, by target name (to check at start)."""
        return {
            name: [env for url in urls for env in url_environment_names(url)] for name, urls in self.targets.items()
        }


def _names(targets: dict[str, Any]) -> str:
    return ", ".join(sorted(targets)) or "none defined"
