"""Sections 2 and 3 of the weekly report: AI website traffic and the week's funding rounds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.traffic import watched_apps
from monitor.report.build_runs import WeekRuns
from monitor.report.model import FundingSection, ReportWeek, TrafficSection
from monitor.show_funding import FX_AS_OF, build_funding_table
from monitor.show_traffic import GRANULARITY_SOURCES, build_traffic_table, next_period

__all__ = ["funding_section", "traffic_section"]


def traffic_section(session: Session, config: AppConfig, week: ReportWeek, runs: WeekRuns) -> TrafficSection:
    """The newest traffic period complete by the week's end, each change against the period before it."""
    table = build_traffic_table(session, watched_apps(config), None, week.sunday + timedelta(days=1))
    if table.source is None or table.period_start is None:
        sources = sorted({s for names in GRANULARITY_SOURCES.values() for s in names})
        return TrafficSection(table.granularity, None, None, None, table.lines, False, runs.why_empty(sources))
    period_end = next_period(table.period_start, table.granularity)
    # Stale: a newer period had also ended by the week's end, but the source has not delivered it.
    stale = next_period(period_end, table.granularity) <= week.sunday + timedelta(days=1)
    return TrafficSection(
        table.granularity, table.source, table.period_start, period_end - timedelta(days=1), table.lines, stale
    )


def funding_section(session: Session, week: ReportWeek, ai_only: bool, runs: WeekRuns) -> FundingSection:
    """The rounds published during the week, largest first (sources' non-AI rounds left out when `ai_only`)."""
    lines = build_funding_table(session, since=week.start, until=week.end)
    if ai_only:
        lines = [line for line in lines if line.ai_related is not False]
    empty = None if lines else runs.why_empty(runs.of_kind("funding"))
    return FundingSection(lines, FX_AS_OF, empty)
