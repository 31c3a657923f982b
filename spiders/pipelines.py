"""Item pipelines: validate every item, then store the run's items and its crawl_runs row in one transaction."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from spiders.crawl_settings import CrawlSettings
from spiders.fingerprint import FingerprintBuilder
from spiders.items import ITEM_KINDS, Item
from spiders.validation import problems

# storage (SQLAlchemy, the models) is imported by StoragePipeline only: a crawl without a database never loads it

logger = logging.getLogger(__name__)


class ValidationPipeline:
    """Drops an item that breaks its contract, with the reason logged and counted; never stores half a row."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if type(item) not in ITEM_KINDS:
            raise DropItem(f"not an aipulse item: {type(item).__name__}")
        found = problems(item)
        if found:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("aipulse/dropped")
            reason = f"invalid {type(item).__name__}: {'; '.join(found)}"
            details = getattr(self.crawler.spider, "details", None)
            if isinstance(details, dict):  # the first reasons are kept in the run's record (crawl_runs.details)
                kept = details.setdefault("dropped", [])
                if len(kept) < 20 and reason not in kept:
                    kept.append(reason)
            raise DropItem(reason)
        return item


class StoragePipeline:
    """Writes validated items and closes the crawl_runs row; switched off when no database is configured.

    It never migrates: a database that is not at the newest schema fails the crawl before anything is fetched
    (`aipulse init`, `aipulse run` and `aipulse crawl` migrate).
    """

    def __init__(self, crawler: Crawler, settings: CrawlSettings, url: str) -> None:
        from storage.db import DatabaseError, check_connection, create_db_engine, masked, session_factory
        from storage.migrate import is_current

        self.crawler = crawler
        self.settings = settings
        self.parent_pid = os.getppid()  # who started the crawl: when it dies mid-crawl the run is aborted
        engine = create_db_engine(url)
        check_connection(engine)
        if not is_current(engine):
            engine.dispose()
            raise DatabaseError(
                f"database {masked(url)} is not initialised or not at the current schema: run `aipulse init`"
            )
        self.sessions = session_factory(engine)
        self.engine = engine
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        settings = CrawlSettings.from_settings(crawler.settings)
        url = settings.database_url()
        if not url:
            raise NotConfigured("no database configured (aipulse.toml or AIPULSE_DATABASE_URL): items are not stored")
        return cls(crawler, settings, url)

    def spider_opened(self, spider: Spider) -> None:
        from storage.runs import start_run

        if self.settings.run_id is not None:  # the daemon recorded the run already
            self.run_id = self.settings.run_id
            return
        with self.sessions.begin() as session:
            self.run_id = start_run(session, spider.name, self.settings.trigger, datetime.now(UTC), os.getpid()).id
        logger.info("run %s of %s started", self.run_id, spider.name)

    def process_item(self, item: Item) -> Item:
        self.rows.setdefault(ITEM_KINDS[type(item)], []).append(asdict(item))
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        from spiders.drift import run_drift
        from storage.runs import finish_run
        from storage.writes import WriteStats, write_items

        assert self.run_id is not None and self.crawler.stats is not None
        stats = self.crawler.stats
        status, error = run_outcome(spider, reason, orphaned=os.getppid() != self.parent_pid)
        failures_keep_items = not getattr(spider, "atomic", True)
        keep = status == "succeeded" or failures_keep_items
        fetched = sum(len(rows) for rows in self.rows.values())
        written = WriteStats()
        details: dict[str, Any] = {"close_reason": reason, "items_fetched": fetched}
        details.update(getattr(spider, "details", {}))
        notes: list[str] = getattr(spider, "notes", [])
        if notes:
            details["notes"] = notes[:50]
        if not keep and fetched:
            details["items_discarded"] = fetched
        shapes = getattr(spider, "shapes", None)
        fingerprint = shapes.fingerprint() if isinstance(shapes, FingerprintBuilder) else {}
        if fingerprint:
            details["fingerprint"] = fingerprint
        try:
            with self.sessions.begin() as session:
                drift = run_drift(session, spider.name, self.run_id, status, fingerprint, datetime.now(UTC))
                if drift is not None:
                    details["drift"] = drift
                    lines = [*drift["added"], *drift["removed"], *drift["changed"]]
                    logger.warning("run %s of %s: the answers changed shape against run %s: %s", self.run_id,
                                   spider.name, drift["against_run"], "; ".join(lines[:10]))  # fmt: skip
                if keep:
                    for kind, rows in self.rows.items():
                        written += write_items(session, kind, rows, self.run_id, dict(self.settings.fx_to_usd))
                if written.clamped:  # the clock stepped back: those offers were placed after their series' last time
                    details["clock_behind_series"] = written.clamped
                finish_run(
                    session,
                    self.run_id,
                    status=status,
                    finished_at=datetime.now(UTC),
                    stored=written.stored,
                    unchanged=written.unchanged,
                    dropped=int(stats.get_value("item_dropped_count", 0)),
                    requests=int(stats.get_value("downloader/request_count", 0)),
                    error=error,
                    details=details,
                )
        except SQLAlchemyError as exc:
            logger.error("run %s of %s: cannot store its %d items: %s", self.run_id, spider.name, fetched, exc)
            stats.set_value("aipulse/storage_error", str(exc).splitlines()[0])
            return
        finally:
            self.engine.dispose()
        stats.set_value("aipulse/run_id", self.run_id)
        stats.set_value("aipulse/status", status)
        logger.info(
            "run %s of %s %s: %d new, %d unchanged, %d dropped%s",
            self.run_id, spider.name, status, written.stored, written.unchanged,
            int(stats.get_value("item_dropped_count", 0)), f" ({error})" if error else "",
        )  # fmt: skip


def run_outcome(spider: Spider, reason: str, *, orphaned: bool = False) -> tuple[str, str | None]:
    """A run's final status and error text from the spider's recorded failures and Scrapy's close reason.

    A shutdown is `cancelled` when asked for (the daemon or worker stopping, Ctrl-C), but `aborted` when the
    process that started the crawl died (`orphaned`: the child got SIGTERM through PR_SET_PDEATHSIG), the status
    a dead daemon's or worker's runs get from the reaper too.
    """
    failures: list[str] = list(getattr(spider, "failures", []))
    if reason in ("shutdown", "cancelled"):
        if orphaned:
            return "aborted", "the daemon or worker that started it died mid-crawl"
        return "cancelled", "stopped before it finished (shutdown)"
    if reason == "closespider_timeout":
        failures.append("timed out (CLOSESPIDER_TIMEOUT)")
    elif reason != "finished":
        failures.append(f"closed early: {reason}")
    if not failures:
        return "succeeded", None
    error = "; ".join(failures[:5]) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
    return ("blocked" if getattr(spider, "blocked", False) else "failed"), error
