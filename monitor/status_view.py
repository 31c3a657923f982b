"""What `aipulse status` says, as text: computed the same way in the command and in the running daemon."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.config import AppConfig

__all__ = ["NO_DATA_YET", "StatusAnswer", "status_answer", "utc_minute"]

#: what `aipulse status` says before any enabled source has run (nothing is known to be healthy yet)
NO_DATA_YET = "no data yet: no source has run (start the daemon with `aipulse run`, or `aipulse crawl SOURCE`)"


class StatusAnswer(NamedTuple):
    """The exit code (1 when a source fails or is stale) and the text for stdout and stderr."""

    code: int
    stdout: str
    stderr: str = ""


def status_answer(config: AppConfig, engine: Engine, *, as_json: bool, now: datetime | None = None) -> StatusAnswer:
    """Health at a glance: row counts, crawls running, every source's health, warnings and a verdict."""
    from sqlalchemy import func, select

    from core.json_output import json_text
    from monitor.cli_common import DEMO_NOTE
    from monitor.health import source_health, stale_price_files
    from spiders.catalog import SOURCE_KINDS
    from storage.db import masked, session_factory
    from storage.models import CrawlRun, FundingRound, GpuOffer, Quote, TrafficSnapshot
    from storage.runs import has_demo_runs

    now = now or datetime.now(UTC)
    with session_factory(engine)() as session:
        stderr = DEMO_NOTE + "\n" if has_demo_runs(session) else ""
        health = source_health(session, config, dict(SOURCE_KINDS), now)
        counts = {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (GpuOffer, TrafficSnapshot, FundingRound, Quote, CrawlRun)
        }
        running = session.scalar(select(func.count()).where(CrawlRun.status == "running")) or 0
        warnings = stale_price_files(session, now)
    problems = [h for h in health if h.state in ("failing", "stale")]
    not_run = [h.source for h in health if h.state == "never"]
    verdict = _verdict(len(problems), not_run, ran=any(h.last_run_at for h in health))
    code = 0 if not problems else 1
    cluster = None
    if engine.dialect.name == "postgresql":
        from monitor.cluster_summary import status_lines

        cluster = status_lines(config, engine)
    if as_json:
        data = {"database": masked(config.database_url()), "rows": counts, "running": running,
                "sources": [h.as_json() for h in health], "warnings": warnings,
                "healthy": not problems and verdict != NO_DATA_YET, "verdict": verdict,
                **({"cluster": cluster[0]} if cluster else {})}  # fmt: skip
        return StatusAnswer(code, json_text(data) + "\n", stderr)
    from core.tables import render_table

    lines = [
        f"config    {config.path}",
        f"database  {masked(config.database_url())}",
        "rows      " + ", ".join(f"{name} {count}" for name, count in counts.items()),
        f"running   {running} crawl(s)",
        *(cluster[1] if cluster else []),
        "",
    ]
    rows = [
        (h.source, h.state, h.last_status or "—", utc_minute(h.last_success_at), h.failures_in_row,
         (h.last_error or "")[:80] if h.state == "failing" else "")
        for h in health
    ]  # fmt: skip
    lines.append(render_table(("source", "health", "last status", "last success", "failures", "last error"), rows,
                              right=(4,)))  # fmt: skip
    lines += [f"warning: {warning}" for warning in warnings]
    lines += ["", verdict]
    return StatusAnswer(code, "\n".join(lines) + "\n", stderr)


def utc_minute(value: datetime | None) -> str:
    """A time as the status and sources tables show it (`2026-12-04 21:38 UTC`, `—` for none)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _verdict(problems: int, not_run: Sequence[str], *, ran: bool) -> str:
    """The last line of `aipulse status`: problems first; "no data yet" before any run; healthy otherwise."""
    if problems:
        return f"{problems} source(s) need attention"
    if not ran:
        return NO_DATA_YET
    if not_run:
        return f"healthy so far; not run yet: {', '.join(not_run)}"
    return "healthy"
