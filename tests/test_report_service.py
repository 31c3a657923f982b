"""The weekly report as the daemon and the CLI make it: due on its cron, written, sent once, retried when down."""

from __future__ import annotations

import email.message
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import periodic
from core.config import AppConfig, load_config
from monitor.cli import main
from monitor.report.service import report_due, scheduled_report
from storage.alert_models import OutboxNotification
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from tests.report_store import store_two_weeks
from tests.test_alerts_support import HttpReceiver, SmtpReceiver

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 08:30 Shanghai, just after the report's cron
KINDS = {"azure_gpu": "gpu", "tencent_gpu": "gpu", "similarweb_api_traffic": "traffic",
         "kr36_funding": "funding", "techcrunch_funding": "funding", "tencent_quotes": "quotes",
         "eastmoney_klines": "quotes", "eastmoney_boards": "quotes"}  # fmt: skip


def _write_config(folder: Path, url: str, targets: dict[str, list[str]], formats: str = '["html", "pdf"]') -> Path:
    lines = [
        "[database]", f"url = {json.dumps(url)}", "",
        "[browser]", 'executable_path = "/usr/bin/chromium"', "",
        "[report]", f"formats = {formats}", 'out_dir = "reports"', f"targets = {json.dumps(list(targets))}", "",
        "[alerts.targets]", *(f"{name} = {json.dumps(urls)}" for name, urls in targets.items()), "",
        "[alerts.delivery]", 'retry_base = "1m"', "",
        "[quotes]", 'indices = ["000300.SH"]', 'boards = ["BK0800"]',
        "[[quotes.watch]]", 'symbol = "600519.SH"', 'eps = { "2025" = "68.64" }', "",
    ]  # fmt: skip
    path = folder / "aipulse.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(sqlite_url)
    upgrade(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        store_two_weeks(session)
    yield factory
    engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()


def _pdf_parts(message: email.message.EmailMessage) -> list[Any]:
    return [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]


@pytest.mark.browser
def test_the_scheduled_report_arrives_by_email_with_the_pdf_attached(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session], smtp: SmtpReceiver
) -> None:
    config = load_config(_write_config(tmp_path, sqlite_url, {"team": [smtp.url()]}))
    made = scheduled_report(sessions, config, KINDS, now=NOW)
    assert made is not None and made.report.week.monday.isoformat() == "2026-11-16"
    (message,) = smtp.handler.messages
    assert "aipulse 周报 2026-11-16 – 2026-11-22" in str(message["Subject"])
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "算力租赁价格" in html.get_content()
    # Gmail and others block data: images: the charts are in the attached PDF, the body says so
    assert "data:image" not in html.get_content() and "见附件 PDF" in html.get_content()
    # Outlook and webmail drop <style> blocks and CSS variables: the body carries its CSS inline
    assert "<style" not in html.get_content() and "var(--" not in html.get_content()
    assert 'style="' in html.get_content()
    (pdf,) = _pdf_parts(message)
    assert pdf.get_filename() == "aipulse-weekly-2026-11-16-zh.pdf"
    assert pdf.get_content() == (tmp_path / "reports" / "aipulse-weekly-2026-11-16-zh.pdf").read_bytes()


@pytest.mark.browser
def test_each_weeks_report_is_sent_once(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session], smtp: SmtpReceiver
) -> None:
    config = load_config(_write_config(tmp_path, sqlite_url, {"team": [smtp.url()]}))
    assert scheduled_report(sessions, config, KINDS, now=NOW) is not None
    assert scheduled_report(sessions, config, KINDS, now=NOW + timedelta(hours=1)) is None  # a daemon restart
    assert len(smtp.handler.messages) == 1


def test_chat_targets_get_the_summary_without_the_html(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session]
) -> None:
    hook = HttpReceiver().start()
    try:
        config = load_config(_write_config(tmp_path, sqlite_url, {"chat": [hook.url()]}, formats='["html"]'))
        assert scheduled_report(sessions, config, KINDS, now=NOW) is not None
    finally:
        hook.stop()
    (message,) = hook.messages
    assert message.title.startswith("aipulse 周报 2026-11-16")
    assert "<html" not in message.body and "<table" not in message.body
    assert "沪深300" in message.body  # a headline number: the index's week


def test_a_failed_send_is_retried_through_the_outbox(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session]
) -> None:
    hook = HttpReceiver()  # not started: the target is down
    config = load_config(_write_config(tmp_path, sqlite_url, {"chat": [hook.url()]}, formats='["html"]'))
    assert scheduled_report(sessions, config, KINDS, now=NOW) is not None
    with sessions() as session:
        (row,) = session.scalars(select(OutboxNotification).where(OutboxNotification.rule == "report")).all()
        assert (row.status, row.attempts) == ("pending", 1) and row.last_error
    hook.start()
    try:
        periodic(sessions, config.alerts, now=NOW + timedelta(minutes=2))  # the daemon's alert job
    finally:
        hook.stop()
    assert [m.title[:20] for m in hook.messages] == ["aipulse 周报 2026-11-16"[:20]]
    with sessions() as session:
        assert session.scalars(select(OutboxNotification.status)).all() == ["sent"]


@pytest.mark.browser
def test_a_report_that_could_not_be_made_is_made_by_a_later_check(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    path = _write_config(tmp_path, sqlite_url, {})
    broken = path.read_text(encoding="utf-8").replace('"/usr/bin/chromium"', '"/bin/false"')
    path.write_text(broken, encoding="utf-8")
    assert scheduled_report(sessions, load_config(path), KINDS, now=NOW) is None
    assert "weekly report failed: PdfError" in caplog.text
    path.write_text(broken.replace('"/bin/false"', '"/usr/bin/chromium"'), encoding="utf-8")
    made = scheduled_report(sessions, load_config(path), KINDS, now=NOW + timedelta(hours=1))
    assert made is not None and made.files["pdf"].is_file()


def test_the_report_is_not_due_before_its_cron(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session]
) -> None:
    config = load_config(_write_config(tmp_path, sqlite_url, {}, formats='["html"]'))
    with sessions() as session:
        assert report_due(session, config, NOW - timedelta(hours=1)) is None  # Monday 07:30 Shanghai
        due = report_due(session, config, NOW)
        assert due is not None and due.monday.isoformat() == "2026-11-16"


def test_without_targets_the_report_is_written_once(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session]
) -> None:
    config = load_config(_write_config(tmp_path, sqlite_url, {}, formats='["html", "md"]'))
    made = scheduled_report(sessions, config, KINDS, now=NOW)
    assert made is not None and set(made.files) == {"html", "md"}
    assert all(path.is_file() for path in made.files.values())
    assert scheduled_report(sessions, config, KINDS, now=NOW + timedelta(days=1)) is None


# --- the CLI ---------------------------------------------------------------------------------------


def _cli_config(tmp_path: Path, sqlite_url: str) -> AppConfig:
    return load_config(_write_config(tmp_path, sqlite_url, {}, formats='["html"]'))


def test_cli_writes_the_requested_formats(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _cli_config(tmp_path, sqlite_url)
    out = tmp_path / "out"
    code = main(["--config", str(config.path), "report", "weekly", "--week", "2026-11-18", "--lang", "en",
                 "--format", "html,md", "--out", str(out)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert f"html\t{out / 'aipulse-weekly-2026-11-16-en.html'}" in printed
    assert (out / "aipulse-weekly-2026-11-16-en.md").is_file()
    assert "GPU rental prices" in (out / "aipulse-weekly-2026-11-16-en.html").read_text(encoding="utf-8")


def test_cli_refuses_a_week_that_has_not_begun(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _cli_config(tmp_path, sqlite_url)
    assert main(["--config", str(config.path), "report", "weekly", "--week", "2099-01-05"]) == 2
    assert "has not begun yet" in capsys.readouterr().err


def test_cli_refuses_a_week_before_the_first_crawl(
    tmp_path: Path, sqlite_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _cli_config(tmp_path, sqlite_url)
    assert main(["--config", str(config.path), "report", "weekly", "--week", "2026-01-05"]) == 2
    assert "ended before aipulse's first crawl" in capsys.readouterr().err


def test_cli_refuses_to_report_on_an_empty_store(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(create_db_engine(sqlite_url))
    config = _cli_config(tmp_path, sqlite_url)
    assert main(["--config", str(config.path), "report", "weekly"]) == 2
    assert "nothing is stored yet" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "value"), [("--lang", "fr"), ("--format", "docx"), ("--week", "2026-02-30")])
def test_cli_rejects_an_unknown_language_format_or_date(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    config = _cli_config(tmp_path, sqlite_url)
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config.path), "report", "weekly", option, value])
    assert exit_info.value.code == 2
    assert value in capsys.readouterr().err
