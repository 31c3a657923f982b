"""A Scrapy extension: a plain `scrapy crawl NAME` evaluates and sends the alert rules once its run is stored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from spiders.config_addon import ALERTS
from spiders.crawl_settings import CrawlSettings

if TYPE_CHECKING:
    from core.config.alerts import AlertsConfig

logger = logging.getLogger(__name__)


class RunAlerts:
    """Enabled by dotted path in spiders/settings.py EXTENSIONS; off for a crawl the daemon started.

    The daemon (and `aipulse crawl`) evaluate their runs in monitor/crawling.py, so each run is evaluated once.
    """

    def __init__(self, crawler: Crawler, alerts: AlertsConfig, url: str) -> None:
        self.crawler = crawler
        self.alerts = alerts
        self.url = url
        # engine_stopped comes after every spider_closed handler, so the storage pipeline has closed the run
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunAlerts:
        settings = CrawlSettings.from_settings(crawler.settings)
        if settings.run_id is not None:
            raise NotConfigured  # started by the daemon, which evaluates the run itself
        alerts = crawler.settings.get(ALERTS)
        if alerts is None:
            raise NotConfigured  # no config file: no rules
        from core.config.alerts import AlertsConfig

        if not isinstance(alerts, AlertsConfig) or not alerts.enabled or not alerts.rules:
            raise NotConfigured
        url = settings.database_url()
        if not url:
            raise NotConfigured
        return cls(crawler, alerts, url)

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        run_id = self.crawler.stats.get_value("aipulse/run_id")
        if run_id is None:
            return  # nothing was stored (no database, or storing failed)
        from alerts.service import after_run  # Apprise and Jinja2 load only when there are rules to evaluate
        from storage.db import create_db_engine, session_factory

        engine = create_db_engine(self.url)
        try:
            after_run(session_factory(engine), self.alerts, int(run_id))
        finally:
            engine.dispose()
