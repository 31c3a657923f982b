"""`aipulse export`: stored GPU offers, traffic, funding rounds or quotes as a CSV or Excel file for spreadsheets."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from core.config import AppConfig
from core.durations import parse_duration
from core.tables import display_width
from monitor.show_funding import OUTLETS
from storage.models import FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.types import canonical_decimal

__all__ = [
    "FORMATS",
    "KINDS",
    "XLSX_MAX_ROWS",
    "add_parser",
    "cmd_export",
    "default_out",
    "export_rows",
    "write_csv",
    "write_xlsx",
]

KINDS = ("gpu", "traffic", "funding", "quotes")
FORMATS = ("csv", "xlsx")
#: an Excel sheet holds 1,048,576 rows, one of them the header
XLSX_MAX_ROWS = 1_048_575
STDOUT = "-"
UTC_SUFFIX = " (UTC)"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
#: text a spreadsheet would run as a formula; scraped headlines are third-party text (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 8, 60, 2000

Rows = list[list[Any]]


# --- rows ------------------------------------------------------------------------------------------

GPU_COLUMNS = (
    "source", "provider", "gpu_model", "gpu_variant", "gpu_count", "instance_type", "region", "billing", "vcpus",
    "memory_gb", "disk", "price", "currency", "price_per_gpu_hour", "price_min", "offer_count", "available",
    "observed_at", "last_seen_at", "url",
)  # fmt: skip
TRAFFIC_COLUMNS = (
    "source", "domain", "granularity", "period_start", "revision", "visits", "avg_visit_duration_s",
    "pages_per_visit", "bounce_rate", "global_rank", "observed_at", "last_seen_at", "url",
)  # fmt: skip
FUNDING_COLUMNS = (
    "company", "round", "status", "amount_min", "amount_max", "currency", "amount_text", "valuation_min",
    "valuation_max", "lead_investors", "investors", "sector", "ai_related", "headline", "published_at",
)  # fmt: skip
QUOTE_COLUMNS = (
    "source", "symbol", "name", "kind", "currency", "price", "prev_close", "open", "high", "low", "change",
    "change_pct", "volume", "turnover", "market_cap", "pe_ttm", "quote_time", "status",
)  # fmt: skip
DATETIME_COLUMNS = frozenset({"observed_at", "last_seen_at", "published_at", "quote_time"})


def _headers(columns: Sequence[str]) -> list[str]:
    return [name + UTC_SUFFIX if name in DATETIME_COLUMNS else name for name in columns]


def _values(row: Any, columns: Sequence[str]) -> list[Any]:
    return [getattr(row, name) for name in columns]


def _gpu_rows(session: Session, since: datetime) -> tuple[list[str], Rows]:
    # A row is a state from observed_at to last_seen_at: one first seen long ago but still seen in the window
    # is part of the window, so the filter is on last_seen_at.
    query = (
        select(GpuOffer)
        .where(GpuOffer.last_seen_at >= since)
        .order_by(
            GpuOffer.observed_at, GpuOffer.source, GpuOffer.provider, GpuOffer.instance_type, GpuOffer.region,
            GpuOffer.billing,
        )
    )  # fmt: skip
    return _headers(GPU_COLUMNS), [_values(row, GPU_COLUMNS) for row in session.scalars(query)]


def _traffic_rows(session: Session, since: datetime) -> tuple[list[str], Rows]:
    key = (TrafficSnapshot.source, TrafficSnapshot.domain, TrafficSnapshot.granularity, TrafficSnapshot.period_start)
    newest = (
        select(*key, func.max(TrafficSnapshot.revision).label("newest"))
        .where(TrafficSnapshot.period_start >= since.astimezone(UTC).date())
        .group_by(*key)
        .subquery()
    )
    join = and_(*(column == newest.c[column.key] for column in key), TrafficSnapshot.revision == newest.c.newest)
    query = select(TrafficSnapshot).join(newest, join).order_by(key[3], key[0], key[1], key[2])
    return _headers(TRAFFIC_COLUMNS), [_values(row, TRAFFIC_COLUMNS) for row in session.scalars(query)]


def _funding_rows(session: Session, since: datetime) -> tuple[list[str], Rows]:
    query = (
        select(FundingRound)
        .where(FundingRound.published_at >= since)
        .options(selectinload(FundingRound.mentions))
        .order_by(FundingRound.published_at, FundingRound.company_key, FundingRound.round, FundingRound.id)
    )
    rows: Rows = []
    for row in session.scalars(query):
        values = _values(row, FUNDING_COLUMNS)
        for i, name in enumerate(FUNDING_COLUMNS):
            if name in ("lead_investors", "investors"):
                values[i] = "; ".join(values[i] or []) or None  # an empty list is an empty cell, not ""
        mentions = sorted(row.mentions, key=lambda m: (m.published_at, m.id))
        outlets = sorted({OUTLETS.get(m.source, m.source) for m in mentions})
        rows.append([*values, "; ".join(outlets), "; ".join(m.url for m in mentions)])
    return [*_headers(FUNDING_COLUMNS), "outlets", "urls"], rows


def _quote_rows(session: Session, since: datetime) -> tuple[list[str], Rows]:
    query = select(Quote).where(Quote.quote_time >= since).order_by(Quote.quote_time, Quote.symbol, Quote.source)
    return _headers(QUOTE_COLUMNS), [_values(row, QUOTE_COLUMNS) for row in session.scalars(query)]


_BUILDERS = {"gpu": _gpu_rows, "traffic": _traffic_rows, "funding": _funding_rows, "quotes": _quote_rows}


def export_rows(session: Session, kind: str, since: datetime) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of one kind since `since` (an aware datetime), oldest first, then by series.

    Cells keep their Python types (str, int, Decimal, bool, aware UTC datetime, date, None); the writers format
    them. GPU states count when still seen at or after `since`; traffic periods when they start on or after its
    UTC date, newest revision only; funding rounds by publication time; quotes by exchange time.
    """
    if since.tzinfo is None:
        raise ValueError(f"naive datetime {since!r}: pass an aware datetime")
    try:
        builder = _BUILDERS[kind]
    except KeyError:
        raise ValueError(f"unknown export kind {kind!r} (known: {', '.join(KINDS)})") from None
    return builder(session, since)


# --- writers ---------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(canonical_decimal(value), "f")  # plain digits: never 1E+2, no trailing zeros
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def write_csv(target: str | os.PathLike[str] | IO[str], headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write CSV: a path gets UTF-8 with a BOM (Excel then reads Chinese correctly), a text stream gets no BOM.

    Decimals are written exactly, times as UTC `YYYY-MM-DD HH:MM:SS`, None as an empty cell, booleans as
    TRUE/FALSE; text that a spreadsheet would run as a formula is prefixed with an apostrophe.
    """
    if isinstance(target, (str, os.PathLike)):
        with Path(target).open("w", encoding="utf-8-sig", newline="") as stream:
            write_csv(stream, headers, rows)
        return
    writer = csv.writer(target)
    writer.writerow(headers)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: openpyxl refuses aware datetimes, so cells hold naive UTC (the header says so).
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters make the file unreadable to Excel
    return value


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 19
    return display_width(_csv_cell(value))


def write_xlsx(
    path: str | os.PathLike[str], headers: Sequence[str], rows: Sequence[Sequence[Any]], sheet_title: str
) -> None:
    """Write one sheet: bold header row frozen with a filter, numbers as numbers, UTC times as Excel dates."""
    if len(rows) > XLSX_MAX_ROWS:
        raise ValueError(f"{len(rows)} rows do not fit in an Excel sheet (at most {XLSX_MAX_ROWS})")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    # A write-only sheet takes widths, panes and filters before its first row.
    for i, header in enumerate(headers, start=1):
        sample = (_width(row[i - 1]) for row in rows[:_WIDTH_SAMPLE])
        width = max(display_width(header), *sample, 0) + 2
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(headers), 1))}{len(rows) + 1}"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells: list[Any] = []
        for value in row:
            value = _xlsx_value(value)
            if isinstance(value, datetime | date) or (isinstance(value, str) and value.startswith("=")):
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl stores text starting with "=" as a formula otherwise
                else:
                    cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(os.fspath(path))


# --- command ---------------------------------------------------------------------------------------


def default_out(kind: str, file_format: str, now: datetime) -> Path:
    """`aipulse-<kind>-<YYYYMMDD>.<ext>` in the current directory, dated in UTC."""
    return Path(f"aipulse-{kind}-{now.astimezone(UTC):%Y%m%d}.{file_format}")


def _format_of(args: argparse.Namespace) -> str:
    """--format, else the extension of --out, else csv; an --out whose extension contradicts --format is an error."""
    out = getattr(args, "out", None)
    suffix = Path(out).suffix.lower().lstrip(".") if out and out != STDOUT else ""
    chosen: str | None = getattr(args, "format", None)
    if chosen is None:
        return suffix if suffix in FORMATS else "csv"
    if suffix in FORMATS and suffix != chosen:
        raise ValueError(f"--out {out} does not match --format {chosen}")
    return chosen


def _fail(message: str) -> int:
    sys.stderr.write(f"aipulse: {message}\n")
    return 2


def cmd_export(args: argparse.Namespace, config: AppConfig, session: Session, *, now: datetime | None = None) -> int:
    """Write the export; 0 with rows, 1 when there is nothing since --since (no file), 2 for bad arguments."""
    now = now or datetime.now(UTC)
    kind: str = args.kind
    try:
        since = now - parse_duration(args.since)
    except ValueError as exc:
        return _fail(f"--since: {exc}")
    except OverflowError:
        return _fail(f"--since: {args.since!r} reaches before year 1")
    try:
        file_format = _format_of(args)
    except ValueError as exc:
        return _fail(str(exc))
    out: str | None = args.out
    if out == STDOUT and file_format == "xlsx":
        return _fail("an xlsx file cannot go to standard output; give --out FILE.xlsx or use --format csv")
    headers, rows = export_rows(session, kind, since)
    if not rows:
        sys.stderr.write(f"no {kind} data since {since:%Y-%m-%d %H:%M} UTC (--since {args.since}); nothing written\n")
        return 1
    if file_format == "xlsx" and len(rows) > XLSX_MAX_ROWS:
        return _fail(f"{len(rows)} {kind} rows do not fit in an Excel sheet; use --format csv or a shorter --since")
    if out == STDOUT:
        write_csv(sys.stdout, headers, rows)
        sys.stdout.flush()
        sys.stderr.write(f"wrote {len(rows)} {kind} rows to standard output\n")
        return 0
    path = Path(out) if out else default_out(kind, file_format, now)
    # Written beside the target and renamed, so a failed export never leaves half a file under the real name.
    partial = path.with_name(f".{path.name}.part")
    try:
        if file_format == "xlsx":
            write_xlsx(partial, headers, rows, sheet_title=kind)
        else:
            write_csv(partial, headers, rows)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        return _fail(f"cannot write {path}: {exc.strerror or exc}")
    sys.stderr.write(f"wrote {len(rows)} {kind} rows to {path}\n")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `export KIND [--since 30d] [--format csv|xlsx] [--out FILE]`; the handler is `args.export`."""
    parser = sub.add_parser(
        "export",
        help="write stored rows to a CSV or Excel file",
        description="Write stored GPU offers, traffic snapshots, funding rounds or quotes to CSV (UTF-8 with BOM, "
        "for Excel) or xlsx. Times are UTC.",
    )
    parser.add_argument("kind", choices=KINDS, help="what to export")
    parser.add_argument("--since", default="30d", help="how far back, e.g. 7d, 12h, 4w (default 30d)")
    parser.add_argument("--format", choices=FORMATS, help="file format (default: the extension of --out, else csv)")
    parser.add_argument(
        "--out", metavar="FILE", help="where to write (default ./aipulse-KIND-YYYYMMDD.EXT; '-' = CSV to stdout)"
    )
    parser.set_defaults(export=cmd_export)
    return parser
