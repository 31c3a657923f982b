"""`aipulse alerts …`: list, history, silences, check (dry run), test a target, flush the outbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.destinations import shown_destination
from alerts.engine import preview
from alerts.outbox import deliver_pending, enqueue_test, pending_count
from alerts.silences import active_silences, silence, unsilence
from core.config.alerts import AlertsConfig
from core.durations import format_duration, parse_duration
from core.json_output import json_text
from core.tables import render_table
from storage.alert_models import AlertEvent, AlertState, OutboxNotification

Handler = Callable[[argparse.Namespace, "HasAlerts", Session], int]


class HasAlerts(Protocol):
    """What the handlers need of the application config: its `[alerts]` section."""

    @property
    def alerts(self) -> AlertsConfig: ...


class AlertsCliError(ValueError):
    """A mistake on the command line (unknown rule, bad --series); printed without a traceback."""


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _json(data: Any) -> None:
    _out(json_text(data))


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _label(state_or_event: AlertState | AlertEvent) -> str:
    context = state_or_event.context or {}
    return str(context.get("label") or ",".join(f"{k}={v}" for k, v in state_or_event.series.items()))


def _series_matchers(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    matchers: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise AlertsCliError(f"--series expects NAME=VALUE[,NAME=VALUE…], got {part!r}")
        matchers[key.strip()] = value.strip()
    return matchers


def cmd_list(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Alert states: firing and pending first; `--firing` shows only firing ones."""
    wanted = ("firing",) if args.firing else ("firing", "pending")
    query = select(AlertState).where(AlertState.state.in_(wanted))
    states = sorted(session.scalars(query), key=lambda s: (s.state != "firing", s.rule, s.series_key))
    if args.json:
        _json([{"rule": s.rule, "series": s.series, "label": _label(s), "state": s.state, "since": s.fired_at
                or s.active_since, "notified_at": s.notified_at} for s in states])  # fmt: skip
        return 0
    rows = [
        (s.rule, _label(s)[:70], s.state, _when(s.fired_at or s.active_since), _when(s.notified_at)) for s in states
    ]
    _out(render_table(("rule", "series", "state", "since", "last notified"), rows) if rows else "no open alerts")
    return 0


def cmd_history(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Stored transitions, newest first."""
    query = select(AlertEvent).order_by(AlertEvent.at.desc(), AlertEvent.id.desc()).limit(args.limit)
    if args.rule:
        query = query.where(AlertEvent.rule == args.rule)
    events = list(session.scalars(query))
    if args.json:
        _json([{"id": e.id, "at": e.at, "rule": e.rule, "series": e.series, "transition": e.transition,
                "from": e.from_state, "to": e.to_state, "notified": e.notified, "suppressed": e.suppressed,
                "run_id": e.run_id, "context": e.context} for e in events])  # fmt: skip
        return 0
    rows = [
        (_when(e.at), e.rule, _label(e)[:60], e.transition, "sent" if e.notified else (e.suppressed or "—"), e.run_id)
        for e in events
    ]
    _out(render_table(("at", "rule", "series", "transition", "notification", "run"), rows) if rows else "no history")
    return 0


def cmd_silence(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Mute a rule (for series matching --series) for a while."""
    if config.alerts.rule(args.rule) is None:
        known = ", ".join(r.name for r in config.alerts.rules) or "none configured"
        raise AlertsCliError(f"unknown rule {args.rule!r} (rules: {known})")
    try:
        duration = parse_duration(args.duration)
    except ValueError as exc:
        raise AlertsCliError(f"--for: {exc}") from None
    now = datetime.now(UTC)
    row = silence(session, args.rule, _series_matchers(args.series), now + duration, now=now, comment=args.comment)
    scope = ", ".join(f"{k}={v}" for k, v in row.matchers.items()) or "every series"
    _out(f"silence {row.id}: {args.rule} ({scope}) muted for {format_duration(duration)}, until {_when(row.ends_at)}")
    return 0


def cmd_unsilence(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """End silences now: all of a rule's, or one by id."""
    ended = unsilence(session, args.rule_or_id)
    _out(f"{ended} silence(s) ended" if ended else f"no active silence for {args.rule_or_id!r}")
    return 0 if ended else 1


def cmd_silences(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Silences in force now."""
    rows = active_silences(session, datetime.now(UTC))
    if args.json:
        _json([{"id": s.id, "rule": s.rule, "matchers": s.matchers, "ends_at": s.ends_at, "comment": s.comment}
               for s in rows])  # fmt: skip
        return 0
    table = [(s.id, s.rule, ", ".join(f"{k}={v}" for k, v in s.matchers.items()) or "all", _when(s.ends_at),
              s.comment or "") for s in rows]  # fmt: skip
    _out(render_table(("id", "rule", "series", "until", "comment"), table, right=(0,)) if table else "no silences")
    return 0


def cmd_check(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Evaluate every rule on the newest data and print what holds; stores nothing, sends nothing."""
    if not config.alerts.rules and not args.json:
        _out("no rules configured: add [[alerts.rules]] tables to the config (see 'Alerts' in the README)")
        return 0
    found = preview(session, config.alerts, datetime.now(UTC))
    session.rollback()
    if args.json:
        _json([f.__dict__ for f in found])
        return 0
    rows = [(f.rule, f.rule_kind, f.label[:70], f.state) for f in found]
    _out(render_table(("rule", "kind", "series", "state now"), rows) if rows else "no rule holds on the newest data")
    return 0


def _sessions(session: Session) -> sessionmaker[Session]:
    # Delivery claims rows in transactions of its own, so it needs a factory, not the command's session.
    return sessionmaker(session.get_bind(), expire_on_commit=False)


def cmd_test(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Send a test message to every URL of a target now; exit 1 when one fails (it stays queued for retry)."""
    now = datetime.now(UTC)
    rows = enqueue_test(session, config.alerts, args.target, now)
    session.commit()
    ids = [row.id for row in rows]
    deliver_pending(_sessions(session), config.alerts, now, ids=ids)
    session.expire_all()
    results = session.scalars(select(OutboxNotification).where(OutboxNotification.id.in_(ids))).all()
    for row in results:
        verdict = "sent" if row.status == "sent" else f"FAILED ({row.last_error})"
        _out(f"{args.target}: {shown_destination(row.destination)}: {verdict}")
    return 0 if all(row.status == "sent" for row in results) else 1


def cmd_flush(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Deliver due outbox rows now (what the daemon does every minute)."""
    report = deliver_pending(_sessions(session), config.alerts)
    session.expire_all()
    left = pending_count(session)
    unknown = f", {report.unknown} unknown (no answer in time, will retry with the same key)" if report.unknown else ""
    _out(f"{report.sent} sent, {report.failed} failed (will retry){unknown}, {report.expired} expired; "
         f"{left} still queued")  # fmt: skip
    return 0 if not report.failed and not report.expired and not report.unknown else 1


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `alerts` and its subcommands to the `aipulse` parser; each sets `alerts_handler`."""
    parser: argparse.ArgumentParser = subparsers.add_parser("alerts", help="alert states, history, silences, tests")
    sub = parser.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")

    def action(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        command.set_defaults(alerts_handler=handler)
        return command

    listing = action("list", cmd_list, "open alerts (firing and pending)")
    listing.add_argument("--firing", action="store_true", help="only firing alerts")
    listing.add_argument("--json", action="store_true")
    hist = action("history", cmd_history, "stored transitions, newest first")
    hist.add_argument("--rule", help="only this rule")
    hist.add_argument("--limit", type=int, default=50)
    hist.add_argument("--json", action="store_true")
    mute = action("silence", cmd_silence, "mute a rule for a while")
    mute.add_argument("rule", metavar="RULE")
    mute.add_argument("--series", help="only series whose labels match NAME=VALUE[,NAME=VALUE…]")
    mute.add_argument("--for", dest="duration", required=True, metavar="DURATION", help='how long, e.g. "24h"')
    mute.add_argument("--comment")
    unmute = action("unsilence", cmd_unsilence, "end a rule's silences (or one by id) now")
    unmute.add_argument("rule_or_id", metavar="RULE|ID")
    silences = action("silences", cmd_silences, "silences in force")
    silences.add_argument("--json", action="store_true")
    check = action("check", cmd_check, "evaluate the rules on the newest data and print what holds (sends nothing)")
    check.add_argument("--json", action="store_true")
    test = action("test", cmd_test, "send a test message to a target")
    test.add_argument("target", metavar="TARGET")
    action("flush", cmd_flush, "deliver queued notifications now")
    return parser


def run(args: argparse.Namespace, config: HasAlerts, session: Session) -> int:
    """Dispatch a parsed `aipulse alerts …` command; the caller commits the session afterwards."""
    handler: Handler = args.alerts_handler
    return handler(args, config, session)
