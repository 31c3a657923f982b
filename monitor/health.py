"""Per-source health from crawl_runs: last run, failures in a row, freshness, next run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.config import AppConfig, SourceConfig
from core.cron import crontab_trigger
from core.durations import format_duration
from storage.health import source_health as health_at
from storage.runs import recent_runs, recent_runs_with_details


@dataclass(frozen=True)
class SourceHealth:
    """What `aipulse sources` and `aipulse status` show for one source."""

    source: str
    kind: str
    enabled: bool
    schedule: str
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    failures_in_row: int
    last_success_at: datetime | None
    next_run_at: datetime | None
    state: str  # ok, failing, stale, never, disabled: see storage.health

    def as_json(self) -> dict[str, Any]:
        """The fields for `--json` (core.json_output writes the times)."""
        return asdict(self)


def schedule_text(section: SourceConfig | None) -> str:
    """'every 6h', 'cron 0 8 * * 1 (Asia/Shanghai)' or 'not scheduled'."""
    if section is None or (section.every is None and section.cron is None):
        return "not scheduled"
    text = f"every {format_duration(section.every)}" if section.every else f"cron {section.cron}"
    return text + (f" ({section.timezone})" if section.timezone != "UTC" else "")


def schedule_interval(section: SourceConfig, now: datetime) -> timedelta | None:
    """The time between two scheduled runs (a cron's next two fire times after `now`); None: not scheduled."""
    if section.every is not None:
        return section.every
    if section.cron is not None:
        trigger = crontab_trigger(section.cron, timezone=section.timezone)
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
        return (second - first) if first and second else None
    return None


def _next_run(section: SourceConfig, last: datetime | None, now: datetime) -> datetime | None:
    if section.cron is not None:
        fire = crontab_trigger(section.cron, timezone=section.timezone).get_next_fire_time(None, now)
        return fire.astimezone(UTC) if fire else None
    if section.every is not None:
        return max(now, last + section.every) if last else now
    return None


def source_health(session: Session, config: AppConfig, kinds: dict[str, str], now: datetime) -> list[SourceHealth]:
    """Health of every known source (configured or not), sorted by id."""
    out: list[SourceHealth] = []
    for source in sorted(set(kinds) | set(config.sources)):
        section = config.sources.get(source)
        enabled = bool(section and section.enabled)
        health = health_at(recent_runs(session, source, limit=50), schedule_interval(section, now) if section else None,
                           now, enabled=enabled)  # fmt: skip
        last = health.last_run
        out.append(
            SourceHealth(
                source=source,
                kind=kinds.get(source, "?"),
                enabled=enabled,
                schedule=schedule_text(section),
                last_run_at=last.started_at if last else None,
                last_status=last.status if last else None,
                last_error=last.error if last else None,
                failures_in_row=health.failures_in_row,
                last_success_at=health.last_success_at,
                next_run_at=_next_run(section, last.started_at if last else None, now) if enabled and section else None,
                state=health.state,
            )
        )
    return out


PRICE_FILE_STALE_AFTER = timedelta(days=90)


def stale_price_files(session: Session, now: datetime, limit: int = 2000) -> list[str]:
    """Warnings for sources whose served price-file version has not changed for 90 days or more.

    Old versioned price files stay online (Alibaba's CDN), so an unchanged version can mean the
    discovery page moved on without us: the prices would be silently years old.
    """
    warnings: list[str] = []
    runs = [r for r in recent_runs_with_details(session, limit) if (r.details or {}).get("price_file_version")]
    for source in sorted({r.source for r in runs}):
        mine = [r for r in runs if r.source == source]  # newest first
        current = mine[0].details["price_file_version"]  # type: ignore[index]
        first_seen = mine[0].started_at
        for run in mine:
            if (run.details or {}).get("price_file_version") != current:
                break
            first_seen = run.started_at
        if now - first_seen >= PRICE_FILE_STALE_AFTER:
            days = (now - first_seen).days
            warnings.append(
                f"{source}: price file version {current} unchanged for {days} days (since {first_seen:%Y-%m-%d})"
            )
    return warnings
