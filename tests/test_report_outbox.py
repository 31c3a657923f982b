"""The weekly report through the outbox: HTML + PDF to e-mail, a summary to chat, retries, dedup, migration 0004."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, func, insert, inspect, select

from alerts.outbox import enqueue_report, enqueue_test
from core.config.alerts import AlertsConfig
from core.secrets import ConfigError
from storage.alert_models import OutboxNotification
from storage.db import create_db_engine
from storage.migrate import alembic_config, check, upgrade
from tests.test_alerts_support import HOUR, T0, HttpReceiver, SmtpReceiver, Store, alerts_config, wait_for

SECOND = timedelta(seconds=1)
TITLE = "aipulse weekly report 2026-W10"
HTML = "<html><body><h1>算力租赁价格</h1><table><tr><td>A100-80G</td><td>34.74</td></tr></table></body></html>"
SUMMARY = "Weekly report 2026-W10: A100-80G 34.74 CNY/GPU·h (−3.1%), kimi.com 1.2亿 visits (+8%)."
# Not a full PDF, but bytes that must arrive unchanged (binary, with a NUL and high bytes).
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\xff\ntrailer\n%%EOF\n"


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    store = Store(sqlite_url)
    yield store
    store.close()


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "aipulse-weekly-2026-W10.pdf"
    path.write_bytes(PDF_BYTES)
    return path


def queue_report(
    store: Store, cfg: AlertsConfig, targets: list[str], attachments: list[str], key: str | None = None
) -> list[OutboxNotification]:
    with store.sessions.begin() as session:
        return enqueue_report(
            session, cfg, targets, title=TITLE, html=HTML, summary=SUMMARY, attachments=attachments, now=T0, key=key
        )


def raw_emails(smtp: SmtpReceiver) -> list[EmailMessage]:
    return list(smtp.handler.messages)


# --- delivery --------------------------------------------------------------------------------------


def test_email_target_gets_one_message_with_the_html_body_and_the_pdf_attached(store: Store, pdf: Path) -> None:
    smtp = SmtpReceiver().start()
    try:
        cfg = alerts_config({"mail": [smtp.url()]}, [])
        queue_report(store, cfg, ["mail"], [str(pdf)], key="weekly:2026-W10")
        first = store.deliver(cfg, T0)
        again = store.deliver(cfg, T0 + HOUR)
        assert wait_for(lambda: len(raw_emails(smtp)) == 1)
        assert not wait_for(lambda: len(raw_emails(smtp)) > 1, timeout_s=0.3)
    finally:
        smtp.stop()

    assert (first.sent, first.failed, again.attempted) == (1, 0, 0)
    message = raw_emails(smtp)[0]
    assert str(message["Subject"]) == TITLE
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None and HTML in str(html_part.get_content())
    attachments = list(message.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [(pdf.name, "application/pdf")]
    assert attachments[0].get_payload(decode=True) == PDF_BYTES
    row = store.outbox()[0]
    assert (row.status, row.rule, row.level, row.body_format, row.attachments) == (
        "sent", "report", "info", "html", [str(pdf)],
    )  # fmt: skip


def test_chat_target_gets_the_plain_text_summary_without_html_or_files(store: Store, pdf: Path) -> None:
    hook, smtp = HttpReceiver().start(), SmtpReceiver().start()
    try:
        cfg = alerts_config({"mail": [smtp.url()], "chat": [hook.url()]}, [])
        rows = queue_report(store, cfg, ["chat", "mail"], [str(pdf)])
        report = store.deliver(cfg, T0)
        assert wait_for(lambda: len(raw_emails(smtp)) == 1)
    finally:
        hook.stop()
        smtp.stop()

    assert report.sent == 2
    assert [(r.target, r.body_format, r.attachments) for r in rows] == [
        ("chat", "text", None), ("mail", "html", [str(pdf)]),
    ]  # fmt: skip
    assert [(m.title, m.body) for m in hook.messages] == [(TITLE, SUMMARY)]
    assert "<" not in hook.messages[0].body


def test_smtp_server_down_is_a_failed_attempt_and_the_report_is_sent_once_when_it_is_back(
    store: Store, pdf: Path
) -> None:
    smtp = SmtpReceiver()  # not started: the port refuses connections
    cfg = alerts_config({"mail": [smtp.url()]}, [], delivery={"retry_base": "30s"})
    queue_report(store, cfg, ["mail"], [str(pdf)], key="weekly:2026-W10")

    down = store.deliver(cfg, T0)
    row = store.outbox()[0]
    assert (down.failed, row.status, row.attempts) == (1, "pending", 1)
    assert row.next_attempt_at == T0 + 30 * SECOND
    attempt = store.attempts()[0]
    assert not attempt.ok and attempt.error

    smtp.start()
    try:
        early = store.deliver(cfg, T0 + 10 * SECOND)
        back = store.deliver(cfg, T0 + 31 * SECOND)
        later = store.deliver(cfg, T0 + HOUR)
        assert wait_for(lambda: len(raw_emails(smtp)) == 1)
        assert not wait_for(lambda: len(raw_emails(smtp)) > 1, timeout_s=0.3)
    finally:
        smtp.stop()

    assert (early.attempted, back.sent, later.attempted) == (0, 1, 0)
    assert [(r.status, r.attempts) for r in store.outbox()] == [("sent", 2)]
    assert [a.ok for a in store.attempts()] == [False, True]
    assert next(raw_emails(smtp)[0].iter_attachments()).get_payload(decode=True) == PDF_BYTES


def test_missing_attachment_is_a_failed_attempt_naming_the_file_retried_until_it_exists(
    store: Store, tmp_path: Path
) -> None:
    missing = tmp_path / "not-rendered-yet.pdf"
    smtp = SmtpReceiver().start()
    try:
        cfg = alerts_config({"mail": [smtp.url()]}, [], delivery={"retry_base": "30s"})
        queue_report(store, cfg, ["mail"], [str(missing)])
        failed = store.deliver(cfg, T0)
        assert not wait_for(lambda: len(raw_emails(smtp)) > 0, timeout_s=0.3)
        missing.write_bytes(PDF_BYTES)
        retried = store.deliver(cfg, T0 + 31 * SECOND)
        assert wait_for(lambda: len(raw_emails(smtp)) == 1)
    finally:
        smtp.stop()

    assert (failed.failed, retried.sent) == (1, 1)
    assert store.attempts()[0].error == f"attachment {missing} does not exist"
    assert [(r.status, r.attempts) for r in store.outbox()] == [("sent", 2)]


def test_missing_attachment_expires_after_give_up_after_like_any_failure(store: Store, tmp_path: Path) -> None:
    cfg = alerts_config({"mail": [SmtpReceiver().url()]}, [], delivery={"give_up_after": "1h"})
    queue_report(store, cfg, ["mail"], [str(tmp_path / "gone.pdf")])

    first = store.deliver(cfg, T0)
    last = store.deliver(cfg, T0 + 2 * HOUR)

    assert (first.failed, last.expired) == (1, 1)
    assert store.outbox()[0].status == "expired"
    assert all("gone.pdf does not exist" in (a.error or "") for a in store.attempts())


def test_a_missing_attachment_does_not_hold_back_other_messages_to_the_same_address(
    store: Store, tmp_path: Path
) -> None:
    smtp = SmtpReceiver().start()
    try:
        cfg = alerts_config({"mail": [smtp.url()]}, [])
        queue_report(store, cfg, ["mail"], [str(tmp_path / "gone.pdf")])
        with store.sessions.begin() as session:
            enqueue_test(session, cfg, "mail", T0)
        report = store.deliver(cfg, T0)
        assert wait_for(lambda: len(raw_emails(smtp)) == 1)
    finally:
        smtp.stop()

    assert (report.sent, report.failed, report.deferred) == (1, 1, 0)
    assert [(r.rule, r.status) for r in store.outbox()] == [("report", "pending"), (None, "sent")]
    assert smtp.messages[0].title == "aipulse test message for target mail"


# --- queueing --------------------------------------------------------------------------------------


def test_the_same_key_twice_queues_each_destination_once(store: Store, pdf: Path) -> None:
    mail, chat, ops = SmtpReceiver().url(), HttpReceiver().url("/chat"), HttpReceiver().url("/ops")
    cfg = alerts_config({"mail": [mail], "chat": [chat], "ops": [ops]}, [])

    first = queue_report(store, cfg, ["mail", "chat"], [str(pdf)], key="weekly:2026-W10")
    repeated = queue_report(store, cfg, ["mail", "chat"], [str(pdf)], key="weekly:2026-W10")
    widened = queue_report(store, cfg, ["mail", "chat", "ops"], [str(pdf)], key="weekly:2026-W10")
    next_week = queue_report(store, cfg, ["chat"], [str(pdf)], key="weekly:2026-W11")

    assert [len(first), len(repeated), len(widened), len(next_week)] == [2, 0, 1, 1]
    assert [(r.target, r.group_key) for r in store.outbox()] == [
        ("mail", "weekly:2026-W10"), ("chat", "weekly:2026-W10"), ("ops", "weekly:2026-W10"),
        ("chat", "weekly:2026-W11"),
    ]  # fmt: skip


def test_a_key_only_deduplicates_reports_not_alerts_or_unkeyed_reports(store: Store, pdf: Path) -> None:
    cfg = alerts_config({"chat": [HttpReceiver().url()]}, [])
    with store.sessions.begin() as session:
        enqueue_test(session, cfg, "chat", T0)

    unkeyed = [queue_report(store, cfg, ["chat"], [str(pdf)]) for _ in range(2)]
    keyed = queue_report(store, cfg, ["chat"], [str(pdf)], key="weekly:2026-W10")

    assert [len(rows) for rows in unkeyed] == [1, 1] and len(keyed) == 1
    test_row = store.outbox()[0]
    assert (test_row.rule, test_row.body_format, test_row.attachments) == (None, "text", None)


def test_a_destination_named_by_two_targets_gets_the_report_once(store: Store, pdf: Path) -> None:
    hook = HttpReceiver().url()
    cfg = alerts_config({"chat": [hook], "team": [hook]}, [])

    rows = queue_report(store, cfg, ["chat", "team"], [str(pdf)])

    assert [(r.target, r.destination) for r in rows] == [("chat", hook)]


def test_unknown_target_is_a_config_error_listing_the_known_targets_and_queues_nothing(store: Store) -> None:
    cfg = alerts_config({"mail": [SmtpReceiver().url()], "chat": [HttpReceiver().url()]}, [])

    with pytest.raises(ConfigError, match=r"unknown target 'board' \(targets: chat, mail\)"):
        queue_report(store, cfg, ["chat", "board"], [])

    assert store.outbox() == []


def test_an_email_url_in_an_environment_variable_gets_html_and_the_value_is_never_stored(
    store: Store, pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp = SmtpReceiver().start()
    monkeypatch.setenv("AIPULSE_TEST_MAIL", smtp.url())
    try:
        cfg = alerts_config({"mail": ["${AIPULSE_TEST_MAIL}"]}, [])
        rows = queue_report(store, cfg, ["mail"], [str(pdf)])
        report = store.deliver(cfg, T0)
        assert wait_for(lambda: len(raw_emails(smtp)) == 1)
    finally:
        smtp.stop()

    assert report.sent == 1
    assert (rows[0].destination, rows[0].body_format) == ("${AIPULSE_TEST_MAIL}", "html")
    assert str(smtp.port) not in store.outbox()[0].destination
    assert [a.get_filename() for a in raw_emails(smtp)[0].iter_attachments()] == [pdf.name]


def test_an_unset_environment_variable_is_treated_as_chat_with_a_warning(
    store: Store, pdf: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("AIPULSE_TEST_MAIL", raising=False)
    cfg = alerts_config({"mail": ["${AIPULSE_TEST_MAIL}"]}, [])

    with caplog.at_level(logging.WARNING, logger="alerts.destinations"):
        rows = queue_report(store, cfg, ["mail"], [str(pdf)])

    assert [(r.body, r.body_format, r.attachments) for r in rows] == [(SUMMARY, "text", None)]
    assert "AIPULSE_TEST_MAIL is not set" in caplog.text


def test_relative_attachment_paths_are_stored_absolute(
    store: Store, pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(pdf.parent)
    cfg = alerts_config({"mail": [SmtpReceiver().url()]}, [])

    rows = queue_report(store, cfg, ["mail"], [pdf.name])

    assert rows[0].attachments == [str(pdf)]


# --- migration 0004 --------------------------------------------------------------------------------


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


def columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def indexes(engine: Engine, table: str) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes(table)}


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Table(table, MetaData()))) or 0)


def test_migration_0004_builds_on_the_alerts_migration(engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(engine)).get_revision("0004")

    assert script is not None and script.down_revision == "0003"


def test_migration_0004_round_trip_keeps_queued_alerts_and_their_attempts(engine: Engine) -> None:
    upgrade(engine, "0003")
    with engine.begin() as connection:  # an alert queued, and tried once, before 0004
        outbox = Table("notification_outbox", MetaData(), autoload_with=connection)
        attempts = Table("notification_attempts", MetaData(), autoload_with=connection)
        row_id = connection.execute(
            insert(outbox).values(target="ops", destination="json://127.0.0.1:9/hook", level="warning", title="t",
                                  body="b", status="pending", created_at=T0, next_attempt_at=T0, attempts=1)
            .returning(outbox.c.id)
        ).scalar_one()  # fmt: skip
        connection.execute(
            insert(attempts).values(notification_id=row_id, at=T0, ok=False, elapsed_ms=3, group_size=1, error="x")
        )

    upgrade(engine)
    assert {"body_format", "attachments"} <= columns(engine, "notification_outbox")
    assert "ix_gpu_offers_last_seen_at" in indexes(engine, "gpu_offers")
    with engine.connect() as connection:
        old = connection.execute(select(OutboxNotification.body_format, OutboxNotification.attachments)).one()
    assert tuple(old) == ("text", None)
    check(engine)

    command.downgrade(alembic_config(engine), "0003")
    assert not {"body_format", "attachments"} & columns(engine, "notification_outbox")
    assert "ix_gpu_offers_last_seen_at" not in indexes(engine, "gpu_offers")
    # SQLite's copy-and-move would have dropped the outbox table and cascaded into the attempts.
    assert (count(engine, "notification_outbox"), count(engine, "notification_attempts")) == (1, 1)

    upgrade(engine)
    check(engine)
