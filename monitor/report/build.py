"""The weekly report's numbers, read from the store for one week (nothing here fetches or renders)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.report import ReportConfig
from monitor.report.build_gpu import gpu_section
from monitor.report.build_market import market_section, watch_section
from monitor.report.build_runs import WeekRuns, fired_alerts
from monitor.report.build_web import funding_section, traffic_section
from monitor.report.labels import labels_for
from monitor.report.model import ReportWeek, WeeklyReport
from monitor.report.week import ReportError
from storage.models import CrawlRun
from storage.runs import has_demo_runs

__all__ = ["build_weekly_report", "first_data_at"]


def first_data_at(session: Session) -> datetime | None:
    """When aipulse first ran a crawl against this store (None: never)."""
    first: datetime | None = session.scalar(select(func.min(CrawlRun.started_at)))
    return first


def build_weekly_report(
    session: Session,
    config: AppConfig,
    week: ReportWeek,
    *,
    language: str,
    kinds: Mapping[str, str],
    now: datetime | None = None,
) -> WeeklyReport:
    """Every section of the report for `week`; `kinds` maps each known source id to its item kind.

    An empty store, or a week that ended before its first crawl, is a ReportError (there is nothing to say).
    """
    now = now or datetime.now(UTC)
    first = first_data_at(session)
    if first is None:
        raise ReportError("nothing is stored yet: run `aipulse crawl SOURCE` or the daemon first")
    if week.end <= first:
        raise ReportError(
            f"the week of {week.monday} ended before aipulse's first crawl "
            f"({first.astimezone(week.zone):%Y-%m-%d}): there is no data for it"
        )
    section: ReportConfig = getattr(config, "report", None) or ReportConfig()
    runs = WeekRuns(session, config, kinds, week)
    return WeeklyReport(
        week=week,
        language=language,
        generated_at=now,
        gpu=gpu_section(session, config.fx, week, section.gpu_models, runs, now),
        traffic=traffic_section(session, config, week, runs),
        funding=funding_section(session, week, section.funding_ai_only, runs),
        market=market_section(session, config, week, runs),
        watch=watch_section(session, config, week, runs),
        alerts=fired_alerts(session, week),
        health=runs.health(session),
        notes=[labels_for(language)["demo_data"]] if has_demo_runs(session, before=week.end) else [],
    )
