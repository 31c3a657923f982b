"""What a crawl process reads from aipulse.toml: its database, its source section and the browser to use."""

from __future__ import annotations

from functools import cache

from scrapy.settings import BaseSettings

from core.config import AppConfig, crawl_config, crawl_database_url


@cache
def _config(path: str | None) -> AppConfig | None:
    return crawl_config(path)


def config_for(settings: BaseSettings) -> AppConfig | None:
    """The configuration named by the AIPULSE_CONFIG setting (or found the usual way); None without a file."""
    return _config(settings.get("AIPULSE_CONFIG"))


def database_url_for(settings: BaseSettings) -> str | None:
    """The database this crawl writes to; None switches storage off (e.g. `scrapy crawl X -O out.jsonl`)."""
    return settings.get("AIPULSE_DATABASE_URL") or crawl_database_url(config_for(settings))
