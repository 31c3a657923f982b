"""`aipulse crawl --live-check SOURCE…`: each source crawled once for real, recorded, and judged in one line.

The first run on a server with internet is where a parser meets a format it was never shown. A live check runs the
source's real crawl (same spider, settings and politeness) under a strict time limit, keeps every response under
`recordings/` (the recorder of `aipulse record`), and says what happened: ok, blocked, layout changed, no data,
out of bounds (a stored value outside the plausibility bounds of core.plausibility), or failed (unreachable,
timed out). CI never runs it against the internet: its tests point the sources at the local replay server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.config import BUNDLED_CONFIG, AppConfig
from core.plausibility import BoundsConfig, implausible
from monitor.crawling import CrawlResult, CrawlRunner
from spiders.catalog import SOURCE_KINDS
from storage.db import session_factory
from storage.models import Base, FundingMention, GpuOffer, Quote, TrafficSnapshot

__all__ = [
    "LIVE_CHECK_TIMEOUT",
    "LIVE_CHECK_TRIGGER",
    "VERDICTS",
    "Verdict",
    "judge",
    "live_check",
    "out_of_bounds",
    "record_settings",
    "recordings_dir",
]

LIVE_CHECK_TRIGGER = "live-check"
#: the strict limit of one live-check crawl (a scheduled crawl may take `daemon.crawl_timeout`)
LIVE_CHECK_TIMEOUT = timedelta(minutes=2)
VERDICTS = ("ok", "blocked", "layout changed", "no data", "out of bounds", "failed")
_MODELS: dict[str, type[Base]] = {"gpu": GpuOffer, "traffic": TrafficSnapshot, "quotes": Quote}


@dataclass(frozen=True)
class Verdict:
    """What a live check of one source found: one of VERDICTS and the sentence behind it."""

    source: str
    verdict: str
    detail: str
    run_id: int | None = None

    def line(self, width: int = 24) -> str:
        """`azure_gpu   ok — 4 items in 2.1 s`."""
        return f"{self.source:<{width}} {self.verdict:<14} {self.detail}"


def recordings_dir(config: AppConfig, out: str | Path | None = None) -> Path:
    """Where recorded cases go: `out`, else `recordings/` beside the config (the working directory for none)."""
    if out:
        return Path(out)
    base = config.path.parent if config.path is not None and config.path != BUNDLED_CONFIG else Path.cwd()
    return base / "recordings"


def record_settings(config: AppConfig, sources: Sequence[str], out: Path) -> dict[str, object]:
    """The Scrapy settings that make a crawl keep its responses under `out`, refusing the sources' secrets."""
    secret_envs = sorted(
        {ref.env for s in sources if s in config.sources for ref in config.sources[s].secrets.values()}
    )
    return {"AIPULSE_RECORD_DIR": str(out.resolve()), "AIPULSE_RECORD_SECRET_ENVS": ",".join(secret_envs)}


def out_of_bounds(session: Session, kind: str, run_id: int, config: AppConfig) -> list[str]:
    """Each value run `run_id` stored that breaks a plausibility bound, as a sentence."""
    rates = config.fx.usd_rates()
    bounds = BoundsConfig()
    rows: list[Any]
    if kind == "funding":
        mentions = session.scalars(select(FundingMention).where(FundingMention.run_id == run_id))
        rows = [m.funding_round for m in mentions]
    elif kind in _MODELS:
        model = _MODELS[kind]
        rows = list(session.scalars(select(model).where(model.run_id == run_id)))  # type: ignore[attr-defined]
    else:
        return []
    found = []
    for row in rows:
        values = {column.key: getattr(row, column.key) for column in row.__table__.columns}
        broken = implausible(kind, values, bounds, rates)
        if broken:
            found.append(broken)
    return found


def judge(result: CrawlResult, bounds_broken: Sequence[str]) -> Verdict:
    """The verdict on one crawl from its recorded outcome and the bounds its stored values break."""
    error = result.error or result.status
    details = result.details or {}

    def verdict(name: str, detail: str) -> Verdict:
        return Verdict(result.source, name, detail, result.run_id)

    if result.status == "blocked":
        return verdict("blocked", error)
    if result.status != "succeeded":
        if details.get("no_data"):
            return verdict("no data", error)
        return verdict("layout changed" if "cannot parse" in error else "failed", error)
    fetched = int(details.get("items_fetched", result.items_stored + result.items_unchanged))
    if fetched == 0:
        return verdict("no data", "the crawl succeeded but the source gave no item")
    if bounds_broken:
        more = f" (and {len(bounds_broken) - 1} more)" if len(bounds_broken) > 1 else ""
        return verdict("out of bounds", bounds_broken[0] + more)
    return verdict("ok", f"{fetched} items in {result.duration_s:.1f} s")


def live_check(
    config: AppConfig,
    engine: Engine,
    sources: Sequence[str],
    out: TextIO,
    *,
    recordings: Path,
    timeout: timedelta = LIVE_CHECK_TIMEOUT,
) -> list[Verdict]:
    """Crawl each source once (recorded, at most `timeout` each) and print its verdict as soon as it is known."""
    runner = CrawlRunner(config, engine, record_settings(config, sources, recordings), timeout=timeout)
    kinds = dict(SOURCE_KINDS)
    width = max(len(s) for s in sources) if sources else 0
    verdicts: list[Verdict] = []
    for source in sources:
        result = runner.run(source, LIVE_CHECK_TRIGGER)
        broken: list[str] = []
        if result.status == "succeeded" and result.run_id is not None:
            with session_factory(engine)() as session:
                broken = out_of_bounds(session, kinds[source], result.run_id, config)
        verdict = judge(result, broken)
        verdicts.append(verdict)
        print(verdict.line(width), file=out, flush=True)
    print(
        f"responses recorded in {recordings}: check them with `aipulse verify --fixtures {recordings}`; "
        "attach that folder to a bug report",
        file=out,
        flush=True,
    )
    return verdicts
