"""`aipulse report weekly`: write the weekly report (HTML, Markdown, PDF) for a week, and optionally send it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from alerts.destinations import destination_text, is_email_destination
from core.config import AppConfig
from core.config.report import FORMATS, LANGUAGES
from monitor.report.week import ReportError, parse_week

__all__ = ["add_parser", "cmd_report"]


def _week(text: str) -> date:
    try:
        return parse_week(text)
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _formats(text: str) -> list[str]:
    found = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [f for f in found if f not in FORMATS]
    if unknown or not found:
        raise argparse.ArgumentTypeError(f"unknown format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return found


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `report weekly`; the handler is `args.report(args, config, sessions, kinds)`."""
    report = sub.add_parser("report", help="write the weekly report from the store (and send it with --send)")
    what = report.add_subparsers(dest="report_kind", required=True, metavar="KIND")
    weekly = what.add_parser("weekly", help="GPU prices, traffic, funding, market, watch list, alerts and health")
    weekly.add_argument("--week", type=_week, metavar="YYYY-MM-DD", help="any day of the week (default: last week)")
    weekly.add_argument("--lang", choices=LANGUAGES, help="report language (default: [report] language)")
    weekly.add_argument(
        "--format",
        dest="formats",
        type=_formats,
        metavar="FORMATS",
        help="html, md, pdf, comma-separated (default: [report] formats)",
    )
    weekly.add_argument("--out", type=Path, metavar="DIR", help="directory for the files (default: [report] out_dir)")
    weekly.add_argument(
        "--send",
        action="store_true",
        help="also send it to the [report] targets now (e-mail: HTML + PDF; chat: summary)",
    )
    weekly.set_defaults(report=cmd_report)
    return report


def cmd_report(
    args: argparse.Namespace, config: AppConfig, sessions: sessionmaker[Session], kinds: Mapping[str, str]
) -> int:
    """Write the files and print their paths; 2 for a week or language the report cannot be made for."""
    from monitor.report.service import make_report, send_report  # loads matplotlib: only when a report is made

    formats = list(args.formats or config.report.formats)
    if (
        args.send
        and "pdf" not in formats
        and any(
            is_email_destination(destination_text(url), name)
            for name in config.report.targets
            for url in config.alerts.targets.get(name, [])
        )
    ):
        formats.append("pdf")  # e-mail targets get the PDF attached
    try:
        made = make_report(
            sessions, config, kinds=kinds, day=args.week, language=args.lang, formats=formats, out_dir=args.out
        )
    except ReportError as exc:
        sys.stderr.write(f"aipulse: {exc}\n")
        return 2
    for fmt, path in made.files.items():
        sys.stdout.write(f"{fmt}\t{path}\n")
    week = made.report.week
    if week.partial:
        sys.stderr.write(f"note: the week of {week.monday} is not over yet: the report is partial\n")
    if not args.send:
        return 0
    if not config.report.targets:
        sys.stderr.write("aipulse: --send: no [report] targets configured (names from [alerts.targets])\n")
        return 2
    delivery = send_report(sessions, config, made, once=False)
    sys.stdout.write(f"sent to {delivery.sent} destination(s), {delivery.failed} failed (queued for retry)\n")
    return 0 if not delivery.failed and not delivery.expired else 1
