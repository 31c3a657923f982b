"""Scrapy settings shared by every aipulse spider (`scrapy crawl NAME` and the daemon's crawls)."""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy_defaults

from spiders.limits import MEMORY_LIMIT_MIB

BOT_NAME = "aipulse"
SPIDER_MODULES = ["spiders.sources"]
NEWSPIDER_MODULE = "spiders.sources"
# lists spiders/catalog.py and imports only the spider a crawl runs (SPIDER_MODULES stays for tools that walk it)
SPIDER_LOADER_CLASS = "spiders.loader.CatalogSpiderLoader"

# Scrapy 2.19 starts a remote-control server for every crawl unless told not to.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Polite by default; each source may lower these further in its custom_settings.
USER_AGENT = "aipulse/0.1 (price and market monitor; +https://github.com/aipulse/aipulse)"
ROBOTSTXT_OBEY = False  # the sources are documented APIs and feeds, paced below rather than by robots.txt
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay drawn from 0.5-1.5 × DOWNLOAD_DELAY (RANDOMIZE_DOWNLOAD_DELAY: deprecated)
DOWNLOAD_TIMEOUT = 60
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = True

# Retries with exponential backoff (and Retry-After) on throttling, server errors and network failures.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
}

ITEM_PIPELINES = {
    "spiders.pipelines.ValidationPipeline": 100,
    "spiders.pipelines.StoragePipeline": 900,
}

# `aipulse record`: keeps every response as a fixture case when AIPULSE_RECORD_DIR is set (off otherwise).
AIPULSE_RECORD_DIR = None
AIPULSE_RECORD_SECRET_ENVS: list[str] = []

FEED_EXPORT_ENCODING = "utf-8"
# Bodies are capped per source kind (spiders/limits.py, applied by SourceSpider); a crawl whose memory passes
# the ceiling is closed by Scrapy and recorded as failed ("closed early: memusage_exceeded").
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = MEMORY_LIMIT_MIB
MEMUSAGE_WARNING_MB = 1024
LOG_LEVEL = "INFO"

# aipulse's own settings (AIPULSE_SOURCES, AIPULSE_DATABASE_URL, …: spiders/crawl_settings.py) come from the
# daemon as `-s NAME=json`; for a plain `scrapy crawl` this add-on fills those not given from aipulse.toml
# (AIPULSE_CONFIG, else ./aipulse.toml). No database configured: items are not stored.
ADDONS = {"spiders.config_addon.ConfigFileAddon": 0}

# A plain `scrapy crawl` evaluates the alert rules at the end of its run (the daemon does so itself); a dotted
# path, so the spiders never import the layer above them.
EXTENSIONS = {
    "monitor.crawl_alerts.RunAlerts": 500,
    "spiders.recorder.ResponseRecorder": 500,
    "spiders.parent_death.ParentDeath": 500,
}
# The remote control and the telnet console are switched off above, but Scrapy imports every extension of
# EXTENSIONS_BASE (even one set to None in EXTENSIONS) before it can say NotConfigured: the remote control's
# module is aiohttp's server, ~0.1 s of every crawl child's start (seen 2026-12 with Scrapy 2.19).
EXTENSIONS_BASE = {
    name: order
    for name, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if name not in ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")
}
