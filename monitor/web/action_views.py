"""What the pages show of the actions: the panel's settings and the buttons in table rows (sent by static/actions.js).

The token is never part of any of this: the page only says whether actions are on; the browser keeps the token the
user pastes and sends it itself."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from monitor.web.context import Table, WebState
from monitor.web.i18n import translate


@dataclass(frozen=True)
class ActionButton:
    """A button in a table row: `action` is silence or run, `data` its request's fields (data-* attributes)."""

    action: str
    label: str
    data: dict[str, str]


@dataclass
class ActionPanel:
    """The actions a page offers; `on` only when `[web] token` is configured (otherwise the page says so)."""

    on: bool
    silence_rules: list[str] = field(default_factory=list)
    targets: list[str] | None = None
    run_source: str | None = None


def action_panel(state: WebState, *, silence: bool = False, test: bool = False, run: str | None = None) -> ActionPanel:
    """The panel of a page offering to silence (the configured rules), send a test (the targets) or run `run`."""
    alerts = state.config.alerts
    return ActionPanel(
        on=state.token is not None,
        silence_rules=sorted(r.name for r in alerts.rules) if silence else [],
        targets=sorted(alerts.targets) if test else None,
        run_source=run if run in state.kinds else None,
    )


def silence_button(rule: str, series: dict[str, Any] | None, language: str) -> ActionButton:
    return ActionButton(
        "silence", translate("silence", language), {"rule": rule, "series": json.dumps(series or {}, sort_keys=True)}
    )


def run_button(source: str, language: str) -> ActionButton:
    return ActionButton("run", translate("run_now", language), {"source": source})


def with_buttons(table: Table, buttons: list[ActionButton | None]) -> Table:
    """`table` (already paged) with a last column of buttons, one per shown row; the column has no header text,
    so it is neither a sort link nor part of a download (downloads are answered before this)."""
    table.headers = [*table.headers, ""]
    table.rows = [[*row, button or ""] for row, button in zip(table.rows, buttons, strict=True)]
    return table
