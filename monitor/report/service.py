"""Make the weekly report (store → files) and send it through the alerts outbox; the daemon's report job."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import DeliveryReport, deliver_pending, enqueue_report
from core.config import AppConfig
from core.cron import crontab_trigger
from monitor.report.build import build_weekly_report
from monitor.report.model import ReportWeek, WeeklyReport
from monitor.report.rendering import email_html, stem_for, write_report
from monitor.report.summary import summary_text
from monitor.report.week import ReportError, report_week
from storage.alert_models import OutboxNotification

__all__ = ["MadeReport", "make_report", "report_due", "report_title", "scheduled_report", "send_report"]

logger = logging.getLogger(__name__)

TITLES = {"zh": "aipulse 周报 {first} – {last}", "en": "aipulse weekly report {first} – {last}"}


@dataclass(frozen=True)
class MadeReport:
    """A report built and written: its data, its files by format, and its outbox key."""

    report: WeeklyReport
    files: dict[str, Path]

    @property
    def key(self) -> str:
        return report_key(self.report.week, self.report.language)


def report_key(week: ReportWeek, language: str) -> str:
    """The outbox key of one week's report in one language: the daemon sends each key once."""
    return f"weekly:{week.monday}:{language}"


def report_title(report: WeeklyReport) -> str:
    """The e-mail subject / chat title."""
    title = TITLES[report.language].format(first=report.week.monday, last=report.week.sunday)
    return title + (" (partial)" if report.week.partial else "")


def make_report(
    sessions: sessionmaker[Session],
    config: AppConfig,
    *,
    kinds: Mapping[str, str],
    day: date | None = None,
    language: str | None = None,
    formats: Sequence[str] | None = None,
    out_dir: Path | None = None,
    now: datetime | None = None,
) -> MadeReport:
    """Build the report of the week containing `day` (None: the last complete week) and write its files."""
    section = config.report
    now = now or datetime.now(UTC)
    language = language or section.language
    week = report_week(day, section.zone, now)
    with sessions() as session:
        report = build_weekly_report(session, config, week, language=language, kinds=kinds, now=now)
    target = out_dir or config.report_dir()
    files = write_report(
        report,
        target,
        list(formats or section.formats),
        chromium_path=config.chromium_path(),
        browser_args=list(config.browser.args),
        timeout_s=config.browser.page_timeout.total_seconds(),
    )
    return MadeReport(report, files)


def send_report(
    sessions: sessionmaker[Session],
    config: AppConfig,
    made: MadeReport,
    *,
    targets: Sequence[str] | None = None,
    once: bool = True,
    now: datetime | None = None,
) -> DeliveryReport:
    """Queue the report for its targets (e-mail: HTML body + PDF; chat: the summary) and deliver now.

    With `once`, a destination that already has this week's report queued or sent is skipped. A failed send
    stays in the outbox and is retried by the daemon's alert job like any alert.
    """
    now = now or datetime.now(UTC)
    names = list(config.report.targets if targets is None else targets)
    if not names:
        return DeliveryReport()
    # Mail clients block data: images, so the e-mail body points to the attached PDF for the charts.
    html = email_html(made.report, charts_attached="pdf" in made.files)
    attachments = [str(made.files["pdf"].resolve())] if "pdf" in made.files else []
    with sessions.begin() as session:
        rows = enqueue_report(
            session,
            config.alerts,
            names,
            title=report_title(made.report),
            html=html,
            summary=summary_text(made.report),
            attachments=attachments,
            now=now,
            key=made.key if once else None,
        )
        ids = [row.id for row in rows]
    if not ids:
        return DeliveryReport()
    return deliver_pending(sessions, config.alerts, now, ids=ids)


def report_due(session: Session, config: AppConfig, now: datetime) -> ReportWeek | None:
    """The week whose report the schedule says is due and not yet made; None when there is none."""
    section = config.report
    week = report_week(None, section.zone, now)
    trigger = crontab_trigger(section.cron, timezone=section.timezone)
    first_fire = trigger.get_next_fire_time(None, week.end)
    if first_fire is None or now < first_fire:
        return None
    key = report_key(week, section.language)
    if section.targets:
        sent = session.scalar(
            select(OutboxNotification.id)
            .where(OutboxNotification.rule == "report", OutboxNotification.group_key == key)
            .limit(1)
        )
        return None if sent else week
    stem = stem_for(week.monday, section.language)
    done = all((config.report_dir() / f"{stem}.{fmt}").exists() for fmt in section.formats)
    return None if done else week


def scheduled_report(
    sessions: sessionmaker[Session], config: AppConfig, kinds: Mapping[str, str], *, now: datetime | None = None
) -> MadeReport | None:
    """The daemon's report job: make last week's report if it is due and not yet made, then send it.

    Also run at daemon start, so a report whose time passed while the daemon was down is made late, not never.
    Nothing raises: a failure is logged and the next run tries again.
    """
    now = now or datetime.now(UTC)
    try:
        with sessions() as session:
            week = report_due(session, config, now)
        if week is None:
            return None
        made = make_report(sessions, config, kinds=kinds, day=week.monday, now=now)
        logger.info("weekly report of %s written: %s", week.monday, ", ".join(str(p) for p in made.files.values()))
        delivery = send_report(sessions, config, made, now=now)
        if delivery.attempted:
            logger.info("weekly report sent: %d delivered, %d failed (retried later)", delivery.sent, delivery.failed)
        return made
    except ReportError as exc:
        logger.info("weekly report not made: %s", exc)
    except (SQLAlchemyError, OSError, RuntimeError, ValueError) as exc:
        logger.error("weekly report failed: %s: %s", type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
    return None
