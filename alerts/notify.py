"""Messages and delivery: Jinja2 templates, the notification outbox, and the only calls to Apprise."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.secrets import ConfigError, SecretRef, redact
from storage.alert_models import AlertEvent, NotificationAttempt, OutboxNotification

if TYPE_CHECKING:
    from core.config.alerts import AlertsConfig, AnyRule

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Apprise notify types by transition: they colour Slack/Discord messages and tag e-mail subjects.
LEVELS = {"firing": "warning", "repeat": "warning", "resolved": "success", "event": "info", "test": "info"}
#: The outbox `rule` of report rows; unlike an alert row (even one of a rule named "report") they have no event.
REPORT_RULE = "report"
#: Apprise schemes that are e-mail: they get the report's HTML with its files attached; others get the summary.
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})


# --- Apprise (nothing else in aipulse imports it) --------------------------------------------------


@contextmanager
def _quiet_apprise() -> Iterator[None]:
    # Apprise logs an ERROR for every URL it cannot parse; while validating config we report it ourselves.
    apprise_logger = logging.getLogger("apprise")
    level = apprise_logger.level
    apprise_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        apprise_logger.setLevel(level)


def apprise_url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url` (None when it can); the URL itself is not echoed, it may hold a token."""
    import apprise

    with _quiet_apprise():
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        return f"not a valid Apprise URL (scheme {scheme!r}; see https://github.com/caronc/apprise/wiki)"
    return None


def _send(
    url: str,
    title: str,
    body: str,
    level: str,
    timeout_s: float,
    body_format: str = "text",
    attachments: Sequence[str] = (),
) -> str | None:
    """Deliver one message through Apprise; None on success, else why it failed (Apprise never raises).

    `body_format` is "text" or "html"; `attachments` are file paths, each checked first so that a missing file
    is a failed attempt naming it rather than Apprise's anonymous "could not access attachment".
    """
    import apprise

    for path in attachments:
        problem = _attachment_problem(path)
        if problem is not None:
            return problem
    app = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory", secure_logging=True))
    with _quiet_apprise():
        added = app.add(url)
    if not added:
        return "not a valid Apprise URL"
    attach = None
    if attachments:
        attach = apprise.AppriseAttachment()
        for path in attachments:
            if not attach.add(path):
                return f"attachment {path}: Apprise cannot attach it"
    notify_format = apprise.NotifyFormat.HTML if body_format == "html" else apprise.NotifyFormat.TEXT
    result = app.notify(
        body=body, title=title, notify_type=level, body_format=notify_format, attach=attach, timeout=timeout_s
    )
    if result:
        return None
    # notify() returns a falsy result on failure or partial delivery; the reasons are in its captured logs.
    reasons = [
        entry.message
        for service in getattr(result, "results", ())
        for entry in service.logs()
        if entry.level in ("WARNING", "ERROR", "CRITICAL")
    ]
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    return redact("; ".join(dict.fromkeys(reasons)) or f"Apprise reported {status}")[:2000]


def _attachment_problem(path: str) -> str | None:
    """Why the file at `path` cannot be attached (None when it can be read)."""
    try:
        with Path(path).open("rb"):
            return None
    except FileNotFoundError:
        return f"attachment {path} does not exist"
    except OSError as exc:
        return f"attachment {path} cannot be read: {exc.strerror or exc}"


def resolve_destination(destination: str) -> str:
    """The usable URL: a `${NAME}` reference (whole or inline) replaced by the environment variable's value."""
    return _ENV_REF.sub(lambda m: SecretRef(env=m.group(1)).resolve(), destination)


def destination_text(url: SecretRef | str) -> str:
    """How a configured URL is stored in the outbox: references stay references, never values."""
    return f"${{{url.env}}}" if isinstance(url, SecretRef) else url


def shown_destination(destination: str) -> str:
    """A destination for humans: the scheme and host, never a path or query that may carry a token."""
    if destination.startswith("${"):
        return destination
    scheme, _, rest = destination.partition("://")
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    return f"{scheme}://{host}/…" if rest else destination


# --- templates -------------------------------------------------------------------------------------


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


# --- outbox ----------------------------------------------------------------------------------------


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


def enqueue(
    session: Session, config: AlertsConfig, event: AlertEvent, rule: AnyRule, now: datetime
) -> list[OutboxNotification]:
    """Queue the message of `event` for every URL of every target of `rule` (nothing is sent here)."""
    title, body = render(config, "alert", message_context(event, rule, config))
    rows = []
    for target in config.targets_of(rule):
        for url in config.targets.get(target, []):
            rows.append(
                OutboxNotification(
                    event_id=event.id,
                    target=target,
                    destination=destination_text(url),
                    rule=rule.name,
                    run_id=event.run_id,
                    group_key=f"run:{event.run_id}" if rule.group and event.run_id is not None else None,
                    level=LEVELS.get(event.transition, "info"),
                    title=title,
                    body=body,
                    status="pending",
                    created_at=now,
                    next_attempt_at=now,
                    attempts=0,
                )
            )
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_test(session: Session, config: AlertsConfig, target: str, now: datetime) -> list[OutboxNotification]:
    """Queue a test message for every URL of `target` (ConfigError when the target is unknown)."""
    if target not in config.targets:
        raise ConfigError(f"alerts.targets: unknown target {target!r} (targets: {', '.join(sorted(config.targets))})")
    context = {"transition": "test", "rule": "test", "target": target, "at": now.isoformat(), "label": target}
    title, body = render(config, "test", context)
    rows = [
        OutboxNotification(
            target=target, destination=destination_text(url), rule=None, level="info", title=title, body=body,
            status="pending", created_at=now, next_attempt_at=now, attempts=0,
        )
        for url in config.targets[target]
    ]  # fmt: skip
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_report(
    session: Session,
    config: AlertsConfig,
    targets: Sequence[str],
    *,
    title: str,
    html: str,
    summary: str,
    attachments: Sequence[str],
    now: datetime,
    key: str | None = None,
) -> list[OutboxNotification]:
    """Queue a report for every URL of every target in `targets` (nothing is sent here); the new rows.

    An e-mail destination (mailto://, mailtos://) gets `html` as an HTML body with `attachments` (file paths,
    stored absolute, read at delivery); any other destination gets `summary` as plain text, without files.
    With `key` (say "weekly:2026-W10") a destination that already has a report row with that key is skipped,
    so a daemon that restarts or catches up a missed run never sends one report twice. A destination named by
    two targets is queued once. ConfigError when a target is unknown.
    """
    unknown = [name for name in targets if name not in config.targets]
    if unknown:
        known = ", ".join(sorted(config.targets)) or "none configured"
        raise ConfigError(f"report targets: unknown target {', '.join(map(repr, unknown))} (targets: {known})")
    if key is not None and len(key) > 128:
        raise ValueError(f"report key {key[:40]!r}…: at most 128 characters (outbox group_key)")
    queued: set[str] = set()
    if key is not None:
        queued.update(
            session.scalars(
                select(OutboxNotification.destination).where(
                    OutboxNotification.rule == REPORT_RULE,
                    OutboxNotification.event_id.is_(None),
                    OutboxNotification.group_key == key,
                )
            )
        )
    files = [str(Path(path).absolute()) for path in attachments]
    rows = []
    for target in dict.fromkeys(targets):
        for url in config.targets[target]:
            destination = destination_text(url)
            if destination in queued:
                continue
            queued.add(destination)
            email = is_email_destination(destination, target)
            rows.append(
                OutboxNotification(
                    target=target, destination=destination, rule=REPORT_RULE, group_key=key, level="info",
                    title=title, body=html if email else summary, body_format="html" if email else "text",
                    attachments=(files or None) if email else None, status="pending", created_at=now,
                    next_attempt_at=now, attempts=0,
                )
            )  # fmt: skip
    session.add_all(rows)
    session.flush()
    return rows


def is_email_destination(destination: str, target: str = "") -> bool:
    """True when `destination` (as configured) is an e-mail URL; a `${NAME}` hiding the scheme is resolved only
    to read it (unset: not e-mail, with a warning naming `target`)."""
    scheme = destination.split("://", 1)[0] if "://" in destination else destination
    if _ENV_REF.search(scheme):
        try:
            resolved = resolve_destination(scheme)
        except ConfigError as exc:
            logger.warning("report for target %s: %s; sending it the plain-text summary", target, exc)
            return False
        scheme = resolved.split("://", 1)[0] if "://" in resolved else ""
    return scheme.strip().lower() in EMAIL_SCHEMES


@dataclass
class DeliveryReport:
    """What one delivery pass did (counts of outbox rows)."""

    sent: int = 0
    failed: int = 0
    expired: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.expired


def backoff(config: AlertsConfig, attempts: int) -> timedelta:
    """Wait before retry number `attempts` + 1: doubling from retry_base, capped at retry_max."""
    delivery = config.delivery
    wait: timedelta = delivery.retry_base * (2 ** max(0, attempts - 1))
    return min(wait, delivery.retry_max)


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxNotification.status == "pending", OutboxNotification.next_attempt_at <= now),
        # A deliverer that died mid-send leaves `sending` rows: they are taken again once the lease ran out.
        and_(OutboxNotification.status == "sending", OutboxNotification.lease_until < now),
    )


def _claim(
    sessions: sessionmaker[Session], config: AlertsConfig, now: datetime, ids: Sequence[int] | None
) -> list[OutboxNotification]:
    """Take due rows for this deliverer only: a conditional UPDATE per row, so two deliverers never share one."""
    claimed: list[int] = []
    with sessions.begin() as session:
        query = select(OutboxNotification.id).where(_due(now))
        if ids is not None:
            query = query.where(OutboxNotification.id.in_(list(ids)))
        query = query.order_by(OutboxNotification.created_at, OutboxNotification.id).limit(config.delivery.batch)
        for row_id in session.scalars(query).all():
            taken = session.execute(
                update(OutboxNotification)
                .where(OutboxNotification.id == row_id, _due(now))
                .values(status="sending", lease_until=now + config.delivery.lease)
            )
            if getattr(taken, "rowcount", 0) == 1:
                claimed.append(row_id)
    if not claimed:
        return []
    with sessions() as session:
        rows = session.scalars(
            select(OutboxNotification)
            .where(OutboxNotification.id.in_(claimed))
            .order_by(OutboxNotification.created_at, OutboxNotification.id)
        ).all()
        session.expunge_all()
    return list(rows)


def _batches(rows: Sequence[OutboxNotification]) -> list[list[OutboxNotification]]:
    """Rows sent as one message: a group (same run, same destination, `group = true`) or a single row.

    HTML bodies and rows with attachments always go alone: a group message is plain text.
    """
    batches: dict[tuple[str, str], list[OutboxNotification]] = {}
    for row in rows:
        groupable = row.group_key and row.body_format == "text" and not row.attachments
        key = (row.destination, row.group_key) if groupable and row.group_key else (row.destination, f"row:{row.id}")
        batches.setdefault(key, []).append(row)
    return list(batches.values())


@dataclass(frozen=True)
class _Message:
    title: str
    body: str
    level: str
    body_format: str = "text"
    attachments: tuple[str, ...] = ()


def _message(config: AlertsConfig, batch: Sequence[OutboxNotification]) -> _Message:
    if len(batch) == 1:
        row = batch[0]
        return _Message(row.title, row.body, row.level, row.body_format or "text", tuple(row.attachments or ()))
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
    return _Message(title, body, level)


def deliver_pending(
    sessions: sessionmaker[Session],
    config: AlertsConfig,
    now: datetime | None = None,
    *,
    ids: Sequence[int] | None = None,
) -> DeliveryReport:
    """Send every due outbox row once; a failure is recorded and retried later with backoff, never lost.

    When one URL fails, its other due rows wait for the same retry time instead of being tried again in this
    pass, so a dead target costs one attempt per pass, not one per queued message.
    """
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    rows = _claim(sessions, config, now, ids)
    failed_until: dict[str, datetime] = {}
    for batch in _batches(rows):
        destination = batch[0].destination
        if destination in failed_until:
            _release(sessions, batch, failed_until[destination])
            report.deferred += len(batch)
            continue
        message = _message(config, batch)
        started = time.monotonic()
        # A missing file is the message's fault, not the destination's: other messages to it still go out.
        error = next(filter(None, map(_attachment_problem, message.attachments)), None)
        destination_failed = error is None
        if error is None:
            try:
                error = _send(
                    resolve_destination(destination), message.title, message.body, message.level,
                    config.delivery.timeout.total_seconds(), message.body_format, message.attachments,
                )  # fmt: skip
            except ConfigError as exc:  # a ${NAME} whose variable is not set: a failed attempt, retried later
                error = str(exc)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        retry_at = _record(sessions, config, batch, now, error, elapsed_ms, report)
        if error is not None:
            if destination_failed:
                failed_until[destination] = retry_at
            logger.warning(
                "notification to %s (%s) failed, retry at %s: %s",
                batch[0].target, shown_destination(destination), retry_at.isoformat(), error,
            )  # fmt: skip
    return report


def _release(sessions: sessionmaker[Session], batch: Sequence[OutboxNotification], retry_at: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(OutboxNotification)
            .where(OutboxNotification.id.in_([row.id for row in batch]))
            .values(status="pending", lease_until=None, next_attempt_at=retry_at)
        )


def _record(
    sessions: sessionmaker[Session],
    config: AlertsConfig,
    batch: Sequence[OutboxNotification],
    now: datetime,
    error: str | None,
    elapsed_ms: int,
    report: DeliveryReport,
) -> datetime:
    retry_at = now
    with sessions.begin() as session:
        for claimed in batch:
            row = session.get(OutboxNotification, claimed.id)
            assert row is not None
            row.attempts += 1
            row.lease_until = None
            session.add(
                NotificationAttempt(
                    notification_id=row.id, at=now, ok=error is None, elapsed_ms=elapsed_ms,
                    group_size=len(batch), error=error,
                )
            )  # fmt: skip
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", now, None
                report.sent += 1
                continue
            row.last_error = error
            if now - row.created_at >= config.delivery.give_up_after:
                row.status = "expired"
                report.expired += 1
                logger.error("notification %s to %s expired after %d attempts", row.id, row.target, row.attempts)
                continue
            retry_at = now + backoff(config, row.attempts)
            row.status, row.next_attempt_at = "pending", retry_at
            report.failed += 1
    if error is not None:
        report.errors.append(error)
    return retry_at


def pending_count(session: Session) -> int:
    """Outbox rows not yet delivered (pending or being sent)."""
    from sqlalchemy import func

    query = select(func.count()).where(OutboxNotification.status.in_(("pending", "sending")))
    return int(session.scalar(query) or 0)
