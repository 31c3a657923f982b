"""The week's crawl runs: why a section is empty, each source's health, the alerts that fired (section 6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import AppConfig
from monitor.health import schedule_interval
from monitor.report.model import AlertLine, HealthSection, NoData, ReportWeek, SourceWeek
from storage.alert_models import AlertEvent, QuarantinedObservation
from storage.health import SourceHealth, source_health
from storage.models import CrawlRun
from storage.runs import recent_runs

__all__ = ["FAILED_RUNS", "FIRED", "WeekRuns", "fired_alerts"]

#: alert transitions that count as "fired"
FIRED = ("firing", "event")
FAILED_RUNS = ("failed", "blocked", "aborted")


class WeekRuns:
    """The week's crawl runs per source, to say why a section is empty and how healthy each source was."""

    def __init__(self, session: Session, config: AppConfig, kinds: Mapping[str, str], week: ReportWeek) -> None:
        self.config, self.kinds, self.week, self.session = config, kinds, week, session
        query = (
            select(CrawlRun)
            .where(CrawlRun.started_at >= week.start, CrawlRun.started_at < week.end, CrawlRun.status != "running")
            .order_by(CrawlRun.started_at, CrawlRun.id)
        )
        self.by_source: dict[str, list[CrawlRun]] = {}
        for run in session.scalars(query):
            self.by_source.setdefault(run.source, []).append(run)

    def enabled(self, source: str) -> bool:
        section = self.config.sources.get(source)
        return bool(section and section.enabled)

    def why_empty(self, sources: Sequence[str]) -> NoData:
        """Why `sources` produced nothing this week: disabled, never ran, failing, or nothing happened."""
        enabled = [s for s in sources if self.enabled(s)]
        ran = [s for s in sources if self.by_source.get(s)]
        if not enabled and not ran:
            return NoData("disabled", ", ".join(sources))
        if not ran:
            return NoData("never_ran", ", ".join(enabled))
        # A source whose last runs failed is failing (storage.health), whatever succeeded earlier in the week.
        succeeded = [s for s in ran if self.verdict(s).state != "failing"]
        if not succeeded:
            errors = [f"{s}: {self._last_error(s)}" for s in ran]
            return NoData("failing", "; ".join(errors))
        return NoData("nothing", ", ".join(succeeded))

    def of_kind(self, kind: str) -> list[str]:
        return sorted(s for s, k in self.kinds.items() if k == kind)

    def _last_error(self, source: str) -> str:
        failed = [r for r in self.by_source.get(source, []) if r.status != "succeeded"]
        error = failed[-1].error if failed else None
        return ((error or failed[-1].status) if failed else "no error recorded")[:300]

    def verdict(self, source: str) -> SourceHealth:
        """The source's health at the week's end, exactly as `aipulse status` said it then."""
        section = self.config.sources.get(source)
        interval = schedule_interval(section, self.week.end) if section else None
        before_end = recent_runs(self.session, source, limit=50, before=self.week.end)
        return source_health(before_end, interval, self.week.end, enabled=self.enabled(source))

    def health(self, session: Session) -> HealthSection:
        """Each enabled source (and each that ran) over the week."""
        out: list[SourceWeek] = []
        for source in sorted(set(self.kinds) | set(self.config.sources)):
            runs = self.by_source.get(source, [])
            enabled = self.enabled(source)
            if not enabled and not runs:
                continue
            succeeded = sum(1 for r in runs if r.status == "succeeded")
            failed = sum(1 for r in runs if r.status in FAILED_RUNS)
            verdict = self.verdict(source)
            out.append(
                SourceWeek(
                    source=source,
                    kind=self.kinds.get(source, "?"),
                    enabled=enabled,
                    succeeded=succeeded,
                    failed=failed,
                    last_success=verdict.last_success_at,
                    last_error=self._last_error(source) if failed else None,
                    state=verdict.state,
                )
            )
        quarantined = session.scalar(
            select(func.count()).where(
                QuarantinedObservation.at >= self.week.start, QuarantinedObservation.at < self.week.end
            )
        )
        return HealthSection(out, int(quarantined or 0))


def fired_alerts(session: Session, week: ReportWeek) -> list[AlertLine]:
    """The alerts that fired during the week (new firings and one-shot events), oldest first."""
    query = (
        select(AlertEvent)
        .where(AlertEvent.at >= week.start, AlertEvent.at < week.end, AlertEvent.transition.in_(FIRED))
        .order_by(AlertEvent.at, AlertEvent.id)
    )
    return [
        AlertLine(e.at, e.rule, e.rule_kind, e.transition, str((e.context or {}).get("label") or e.series_key))
        for e in session.scalars(query)
    ]
