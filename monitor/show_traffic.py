"""`aipulse show traffic`: the weekly (or monthly) AI-app traffic table for the latest complete period."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.traffic import TrafficApp, watched_apps
from core.json_output import json_text
from core.tables import render_table
from core.traffic_domains import split_domains
from storage.models import TrafficSnapshot

__all__ = [
    "GRANULARITY_SOURCES",
    "TrafficLine",
    "TrafficTable",
    "add_parser",
    "build_traffic_table",
    "change_pct",
    "cmd_show_traffic",
    "format_duration_ms",
    "previous_period",
    "render_traffic_table",
]

#: granularity -> the sources that publish visits at it, preferred first (the paid API matches the report)
GRANULARITY_SOURCES: dict[str, tuple[str, ...]] = {
    "week": ("similarweb_api_traffic",),
    "month": ("similarweb_api_traffic", "similarweb_traffic"),
}
SOURCE_NAMES = {
    "similarweb_api_traffic": "SimilarWeb API",
    "similarweb_traffic": "SimilarWeb free extension endpoint",
}
RANK_FALLBACK_SOURCE = "tranco_traffic"
NO_DATA = "no data"
DASH = "—"


@dataclass(frozen=True)
class TrafficLine:
    """One app in the table; None = not known (shown as a dash), never zero."""

    app: str
    domain: str
    has_data: bool
    visits: int | None = None
    visits_change_pct: Decimal | None = None
    avg_visit_duration_s: Decimal | None = None
    duration_change_pct: Decimal | None = None
    global_rank: int | None = None
    rank_from_tranco: bool = False


@dataclass(frozen=True)
class TrafficTable:
    """The table of one period: where its numbers come from and one line per app."""

    granularity: str
    source: str | None
    period_start: date | None
    lines: list[TrafficLine]


def next_period(start: date, granularity: str) -> date:
    """The first day after the period that starts on `start`."""
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    month = start.year * 12 + start.month  # the month after, counted from year 0
    return date(month // 12, month % 12 + 1, 1)


def previous_period(start: date, granularity: str) -> date:
    """The start of the period just before, of the same granularity."""
    if granularity == "day":
        return start - timedelta(days=1)
    if granularity == "week":
        return start - timedelta(days=7)
    month = start.year * 12 + start.month - 2
    return date(month // 12, month % 12 + 1, 1)


def _complete_periods(
    session: Session, source: str, granularity: str, domains: Sequence[str], today: date
) -> list[date]:
    """Period starts with visits for any of `domains` whose period has ended by `today`, newest first."""
    query = (
        select(TrafficSnapshot.period_start)
        .where(
            TrafficSnapshot.source == source,
            TrafficSnapshot.granularity == granularity,
            TrafficSnapshot.domain.in_(list(domains)),
            TrafficSnapshot.visits.is_not(None),
        )
        .distinct()
    )
    starts = {start for start in session.scalars(query) if next_period(start, granularity) <= today}
    return sorted(starts, reverse=True)


def _merged(rows: Iterable[TrafficSnapshot]) -> dict[tuple[str, date], dict[str, Any]]:
    """Per (domain, period): each value from the newest revision that has it (a later visits-only re-release
    of a month must not hide the duration its first release carried)."""
    merged: dict[tuple[str, date], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r.revision):
        values = merged.setdefault((row.domain, row.period_start), {})
        for name in ("visits", "avg_visit_duration_s", "global_rank"):
            value = getattr(row, name)
            if value is not None:
                values[name] = value
    return merged


def change_pct(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | None:
    """% change from `before` to `now`; None when either is unknown or `before` is not positive."""
    if now is None or before is None or before <= 0:
        return None
    return (Decimal(now) / Decimal(before) - 1) * 100


def _tranco_rank(session: Session, domain: str, start: date, end: date) -> int | None:
    """Tranco's rank on the last listed day of the period, if Tranco listed the domain within it."""
    query = (
        select(TrafficSnapshot.global_rank)
        .where(
            TrafficSnapshot.source == RANK_FALLBACK_SOURCE,
            TrafficSnapshot.granularity == "day",
            TrafficSnapshot.domain == domain,
            TrafficSnapshot.period_start >= start,
            TrafficSnapshot.period_start < end,
            TrafficSnapshot.global_rank.is_not(None),
        )
        .order_by(TrafficSnapshot.period_start.desc(), TrafficSnapshot.revision.desc())
        .limit(1)
    )
    rank = session.scalar(query)
    return int(rank) if rank is not None else None


def build_traffic_table(
    session: Session, apps: Sequence[TrafficApp], granularity: str | None, today: date
) -> TrafficTable:
    """The table for the latest complete period of `granularity` (None: weekly if stored, else monthly).

    The source is the first of GRANULARITY_SOURCES with a complete period for any app; every change compares
    that period with the period just before it, same source and granularity, and is left out when that
    period is missing (never against an older or partial one).
    """
    domains = [app.domain for app in apps]
    choices = [granularity] if granularity else ["week", "month"]
    for wanted in choices:
        for source in GRANULARITY_SOURCES[wanted]:
            periods = _complete_periods(session, source, wanted, domains, today)
            if periods:
                return _table(session, apps, wanted, source, periods[0])
    return TrafficTable(choices[0], None, None, [TrafficLine(app.name, app.domain, False) for app in apps])


def _table(session: Session, apps: Sequence[TrafficApp], granularity: str, source: str, start: date) -> TrafficTable:
    before = previous_period(start, granularity)
    query = select(TrafficSnapshot).where(
        TrafficSnapshot.source == source,
        TrafficSnapshot.granularity == granularity,
        TrafficSnapshot.domain.in_([app.domain for app in apps]),
        TrafficSnapshot.period_start.in_([start, before]),
    )
    merged = _merged(session.scalars(query))
    lines = []
    for app in apps:
        now, then = merged.get((app.domain, start)), merged.get((app.domain, before))
        if now is None:
            lines.append(TrafficLine(app.name, app.domain, False))
            continue
        then = then or {}
        rank, from_tranco = now.get("global_rank"), False
        if rank is None:
            rank = _tranco_rank(session, app.domain, start, next_period(start, granularity))
            from_tranco = rank is not None
        lines.append(
            TrafficLine(
                app.name,
                app.domain,
                True,
                visits=now.get("visits"),
                visits_change_pct=change_pct(now.get("visits"), then.get("visits")),
                avg_visit_duration_s=now.get("avg_visit_duration_s"),
                duration_change_pct=change_pct(now.get("avg_visit_duration_s"), then.get("avg_visit_duration_s")),
                global_rank=rank,
                rank_from_tranco=from_tranco,
            )
        )
    return TrafficTable(granularity, source, start, lines)


def format_duration_ms(seconds: Decimal | None) -> str:
    """Seconds as m:ss rounded to the nearest second, half up (388.4 -> 6:28, 388.5 -> 6:29)."""
    if seconds is None:
        return DASH
    total = int(Decimal(seconds).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{total // 60}:{total % 60:02d}"


def _pct(value: Decimal | None) -> str:
    return DASH if value is None else f"{value:+.1f}%"


def _period_label(start: date, granularity: str) -> str:
    if granularity == "month":
        return f"{start:%Y-%m}"
    if granularity == "week":
        return f"week {start.isoformat()} – {next_period(start, granularity) - timedelta(days=1)}"
    return start.isoformat()


def render_traffic_table(table: TrafficTable) -> str:
    """The table as text: a heading naming source, granularity and period, the rows, and what marks mean."""
    if table.source is None or table.period_start is None:
        wanted = "weekly" if table.granularity == "week" else "monthly"
        hint = "similarweb_api_traffic (needs a key)" if table.granularity == "week" else "similarweb_traffic"
        return f"no complete {wanted} traffic period stored yet for these apps (crawl {hint} first)"
    start, granularity = table.period_start, table.granularity
    previous = previous_period(start, granularity)
    heading = (
        f"AI website traffic, {_period_label(start, granularity)} ({granularity}ly; source: "
        f"{SOURCE_NAMES.get(table.source, table.source)} `{table.source}`); "
        f"change vs {_period_label(previous, granularity)}"
    )
    rows = []
    for line in table.lines:
        if not line.has_data:
            rows.append((line.app, NO_DATA, DASH, DASH, DASH, DASH))
            continue
        visits_m = DASH if line.visits is None else f"{Decimal(line.visits) / 1_000_000:,.2f}"
        rank = (
            DASH
            if line.global_rank is None
            else f"{line.global_rank:,}" + (" (Tranco)" if line.rank_from_tranco else "")
        )
        rows.append((line.app, visits_m, _pct(line.visits_change_pct), format_duration_ms(line.avg_visit_duration_s),
                     _pct(line.duration_change_pct), rank))  # fmt: skip
    headers = ("app", f"visits (M/{granularity})", "change", "avg duration", "change", "global rank")
    notes = [
        f"visits: the {granularity}'s total in millions; avg duration as m:ss; "
        f"{DASH} = not known (missing or no {_period_label(previous, granularity)} to compare with).",
        f"{NO_DATA}: the source has nothing for the app in this period (never shown as 0).",
    ]
    if any(line.rank_from_tranco for line in table.lines):
        notes.append("(Tranco): the source has no rank; Tranco's list rank on the period's last listed day.")
    return "\n".join([heading, "", render_table(headers, rows, right=(1, 2, 3, 4, 5)), "", *notes])


def _apps(config: AppConfig, domains: str | None) -> list[TrafficApp]:
    configured = list(watched_apps(config))
    if not domains:
        return configured
    by_domain = {app.domain: app for app in configured}
    return [by_domain.get(domain) or TrafficApp(name=domain, domain=domain) for domain in split_domains(domains)]


def cmd_show_traffic(args: argparse.Namespace, config: AppConfig, session: Session) -> int:
    """Print the traffic table; 1 when nothing is stored for the granularity, 2 for a bad --domains."""
    try:
        apps = _apps(config, getattr(args, "domains", None))
    except ValueError as exc:
        sys.stderr.write(f"aipulse: --domains: {exc}\n")
        return 2
    table = build_traffic_table(session, apps, getattr(args, "granularity", None), datetime.now(UTC).date())
    if getattr(args, "json", False):
        sys.stdout.write(json_text(table) + "\n")
        return 0 if table.source is not None else 1
    sys.stdout.write(render_traffic_table(table) + "\n")
    return 0 if table.source is not None else 1


def add_parser(show_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `show traffic` (handler in the `show` default)."""
    parser = show_subparsers.add_parser(
        "traffic", help="AI-app traffic table for the latest complete week or month, with the change vs the one before"
    )
    parser.add_argument(
        "--granularity", choices=("week", "month"), default=None,
        help="week (SimilarWeb API) or month (API, else the free endpoint); default: week if stored, else month",
    )  # fmt: skip
    parser.add_argument("--domains", help="comma-separated domains (default: the apps of [traffic] in the config)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (times in UTC, ISO 8601)")
    parser.set_defaults(show=cmd_show_traffic)
