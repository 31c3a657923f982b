"""The one place a crawl reads aipulse.toml: a Scrapy add-on filling the AIPULSE_* settings nobody gave."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapy.settings import BaseSettings

from spiders import crawl_settings as names

if TYPE_CHECKING:
    from core.config import AppConfig

logger = logging.getLogger(__name__)

#: the [alerts] section (an AlertsConfig object) for the end-of-run evaluation of a plain `scrapy crawl`
ALERTS = "AIPULSE_ALERTS"


def scrapy_settings(config: AppConfig | None, sources: Iterable[str] | None = None) -> dict[str, Any]:
    """The AIPULSE_* settings of a configuration, JSON-serialisable; `sources` limits the sections passed.

    None (no config file) gives the defaults and no database unless AIPULSE_DATABASE_URL is set.
    """
    from core.config import AppConfig, crawl_database_url  # the config models: only when a setting is missing

    app = config or AppConfig()
    wanted = app.sources if sources is None else {k: app.sources[k] for k in sources if k in app.sources}
    return {
        names.SOURCES: {
            source_id: {
                "endpoint": section.endpoint,
                "args": {k: v for k, v in section.spider_args().items() if k != "endpoint"},
                "secrets": {name: ref.env for name, ref in section.secrets.items()},
                "settings": dict(section.settings),
            }
            for source_id, section in wanted.items()
        },
        names.BROWSER: {
            "executable_path": app.chromium_path(),
            "args": list(app.browser.args),
            "page_timeout_ms": int(app.browser.page_timeout.total_seconds() * 1000),
        },
        names.DATABASE_URL: crawl_database_url(config),
        names.TRAFFIC_DOMAINS: [entry.domain for entry in app.traffic.apps],
        names.QUOTES: {"symbols": app.quotes.symbols(), "boards": list(app.quotes.boards)},
        names.FX_TO_USD: {code: str(rate) for code, rate in app.fx.usd_rates().items()},
    }


def default_settings() -> dict[str, Any]:
    """`scrapy_settings(None)` without building the whole config model (a bare `scrapy crawl`, no aipulse.toml)."""
    import os

    from core.browser_args import BROWSER_ARGS, chromium_path
    from core.config.fx import FxConfig
    from core.config.traffic import DEFAULT_APPS

    return {
        names.SOURCES: {},
        names.BROWSER: {"executable_path": chromium_path(), "args": list(BROWSER_ARGS), "page_timeout_ms": 60_000},
        names.DATABASE_URL: os.environ.get("AIPULSE_DATABASE_URL") or None,
        names.TRAFFIC_DOMAINS: [entry.domain for entry in DEFAULT_APPS],
        names.QUOTES: {"symbols": [], "boards": []},
        names.FX_TO_USD: {code: str(rate) for code, rate in FxConfig().usd_rates().items()},
    }


class ConfigFileAddon:
    """Enabled in spiders/settings.py ADDONS: settings given explicitly (`-s`, the daemon) win over the file.

    It runs before the crawler exists (`update_pre_crawler_settings`), so spiders see the settings in their
    own `update_settings`. The file is AIPULSE_CONFIG (setting or environment variable), else ./aipulse.toml.
    """

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        missing = [name for name in names.CRAWL_SETTINGS if settings.getpriority(name) is None]
        if not missing:
            return  # the daemon passed everything: the file is not read again
        from core.config import crawl_config

        config = crawl_config(settings.get("AIPULSE_CONFIG"))
        values = scrapy_settings(config) if config is not None else default_settings()
        for name in missing:
            settings.set(name, values[name], priority="addon")
        if config is not None:
            settings.set(ALERTS, config.alerts, priority="addon")
            logger.debug("aipulse settings %s read from %s", ", ".join(missing), config.path)

    def update_settings(self, settings: BaseSettings) -> None:
        """Nothing to do once the crawler exists (see `update_pre_crawler_settings`)."""
