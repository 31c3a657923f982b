"""Alert messages: Jinja2 templates, their filters, and the text of one transition or of a group."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from core.config.alert_rules import AnyRule
from core.config.alerts import AlertsConfig
from core.zh_text import zh_amount, zh_round
from storage.alert_models import AlertEvent, OutboxNotification

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
#: Apprise notify types by transition: they colour Slack/Discord messages and tag e-mail subjects.
LEVELS = {"firing": "warning", "repeat": "warning", "resolved": "success", "event": "info", "test": "info"}


def _number(value: Any, places: int | None = None) -> str:
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    elif abs(number) >= 1000:
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    if number == number.to_integral_value() and places is None:
        number = number.quantize(Decimal(1))
    return f"{number:,f}"


def _signed_pct(value: Any) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{'+' if number > 0 else ''}{number}%"


@dataclass(frozen=True)
class _Clock:
    zone: ZoneInfo

    def local(self, value: Any) -> str:
        if not value:
            return "—"
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return str(value)
        if isinstance(value, datetime):
            return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


@cache
def _environment(language: str, template_dir: str | None, timezone: str) -> jinja2.Environment:
    paths = ([template_dir] if template_dir else []) + [str(TEMPLATES / language)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        autoescape=False,  # plain-text messages (Apprise sends TEXT); nothing here is rendered as HTML
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["num"] = _number
    env.filters["pct"] = _signed_pct
    env.filters["zh_amount"] = zh_amount
    env.filters["zh_round"] = zh_round
    env.filters["local"] = _Clock(ZoneInfo(timezone)).local
    return env


def render(config: AlertsConfig, name: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Title and body of template `name` (`alert`, `group`, `test`); a broken template gives a plain message."""
    try:
        env = _environment(config.language, config.template_dir, config.timezone)
        title = env.get_template(f"{name}.title.j2").render(context).strip()
        body = env.get_template(f"{name}.body.j2").render(context).strip()
    except (jinja2.TemplateError, OSError, ValueError, TypeError, ArithmeticError) as exc:
        logger.warning("template %r failed (%s: %s): sending a plain message instead", name, type(exc).__name__, exc)
        return plain_message(context)
    return " ".join(title.split())[:250] or plain_message(context)[0], body


def plain_message(context: Mapping[str, Any]) -> tuple[str, str]:
    """A message without templates: what happened, to which series, with the raw facts."""
    title = f"[{context.get('transition', 'alert')}] {context.get('rule', 'aipulse')}: {context.get('label', '')}"
    lines = [f"{key}: {value}" for key, value in context.items() if not isinstance(value, (dict, list))]
    return title.strip()[:250], "\n".join(lines)


def message_context(event: AlertEvent, rule: AnyRule | None, config: AlertsConfig) -> dict[str, Any]:
    """What a template sees for one stored transition."""
    return {
        **event.context,
        "rule": event.rule,
        "rule_kind": event.rule_kind,
        "description": rule.description if rule else None,
        "transition": event.transition,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "series": event.series,
        "at": event.at.isoformat(),
        "run_id": event.run_id,
        "language": config.language,
    }


@dataclass(frozen=True)
class Message:
    """One message as it goes to Apprise."""

    title: str
    body: str
    level: str
    body_format: str = "text"
    attachments: tuple[str, ...] = ()


def batch_message(config: AlertsConfig, batch: Sequence[OutboxNotification]) -> Message:
    """The message of one outbox row, or the `group` template over several rows sent together."""
    if len(batch) == 1:
        row = batch[0]
        return Message(row.title, row.body, row.level, row.body_format or "text", tuple(row.attachments or ()))
    levels = {row.level for row in batch}
    level = next((lv for lv in ("failure", "warning", "info", "success") if lv in levels), "info")
    context = {
        "transition": "group",
        "rule": "aipulse",
        "label": batch[0].target,
        "count": len(batch),
        "run_id": batch[0].run_id,
        "target": batch[0].target,
        "items": [{"title": row.title, "body": row.body, "rule": row.rule} for row in batch],
    }
    title, body = render(config, "group", context)
    return Message(title, body, level)
