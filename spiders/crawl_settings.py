"""The aipulse settings a crawl runs under, read once from Scrapy settings into frozen, typed objects.

The daemon passes them as `-s NAME=json`; for a plain `scrapy crawl` the add-on in spiders/config_addon.py fills
the ones not given from aipulse.toml. Secrets never travel as values: a source's secrets (and the database URL
the daemon hands over) are `{"env": "NAME"}` references the crawl resolves from its own environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from scrapy.settings import BaseSettings

from core.browser_args import BROWSER_ARGS
from core.secrets import SecretRef

__all__ = [
    "BROWSER",
    "CRAWL_SETTINGS",
    "DATABASE_URL",
    "FX_TO_USD",
    "QUOTES",
    "RUN_ID",
    "SOURCES",
    "TRAFFIC_DOMAINS",
    "TRIGGER",
    "BrowserSettings",
    "CrawlSettings",
    "SourceSettings",
]

#: {source_id: {"endpoint": str | null, "args": {name: str}, "secrets": {name: ENV_NAME}, "settings": {NAME: v}}}
SOURCES = "AIPULSE_SOURCES"
#: {"executable_path": str | null, "args": [str], "page_timeout_ms": int}
BROWSER = "AIPULSE_BROWSER"
#: a URL, or {"env": "NAME"} naming the variable that holds it; unset or null: items are not stored
DATABASE_URL = "AIPULSE_DATABASE_URL"
#: [str]: the bare domains the traffic sources are asked about when a run names none
TRAFFIC_DOMAINS = "AIPULSE_TRAFFIC_DOMAINS"
#: {"symbols": [str], "boards": [str]}: the quote sources' watch list and Eastmoney boards
QUOTES = "AIPULSE_QUOTES"
#: {currency: "rate"}: 1 unit of each currency in USD, used by storage to tell funding amounts apart
FX_TO_USD = "AIPULSE_FX_TO_USD"
#: the crawl_runs row to adopt (set by the daemon, which also evaluates the run's alerts itself)
RUN_ID = "AIPULSE_RUN_ID"
TRIGGER = "AIPULSE_TRIGGER"
#: the settings aipulse.toml provides; the add-on reads the file only when one of them is not given
CRAWL_SETTINGS = (SOURCES, BROWSER, DATABASE_URL, TRAFFIC_DOMAINS, QUOTES, FX_TO_USD)


@dataclass(frozen=True)
class SourceSettings:
    """One source's section: its endpoint, spider arguments, secret references and Scrapy setting overrides."""

    endpoint: str | None = None
    args: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: secret name -> the environment variable holding it
    secrets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    settings: Mapping[str, str | int | float | bool] = field(default_factory=lambda: MappingProxyType({}))

    def spider_args(self) -> dict[str, str]:
        """The `-a` arguments this section gives its spider (an explicit `-a` wins)."""
        args = dict(self.args)
        if self.endpoint:
            args["endpoint"] = self.endpoint
        return args

    def secret(self, name: str) -> str | None:
        """The secret `name` from this process's environment; None when the section has none of that name.

        Raises core.secrets.ConfigError naming the variable when it is referred to but not set.
        """
        env = self.secrets.get(name)
        return SecretRef(env=env).resolve() if env is not None else None


@dataclass(frozen=True)
class BrowserSettings:
    """The Chromium a browser spider drives: executable (None: Playwright's own), flags, per-page timeout."""

    executable_path: str | None = None
    args: tuple[str, ...] = tuple(BROWSER_ARGS)
    page_timeout_ms: int = 60_000


@dataclass(frozen=True)
class CrawlSettings:
    """Everything of aipulse's a crawl needs, parsed once from the crawler's settings."""

    sources: Mapping[str, SourceSettings] = field(default_factory=lambda: MappingProxyType({}))
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    database: str | SecretRef | None = None
    traffic_domains: tuple[str, ...] = ()
    quote_symbols: tuple[str, ...] = ()
    quote_boards: tuple[str, ...] = ()
    fx_to_usd: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    run_id: int | None = None
    trigger: str = "scrapy"

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> CrawlSettings:
        """Parse the AIPULSE_* settings (JSON text from `-s`, or what the add-on set); ValueError if malformed."""
        sources = _mapping(settings, SOURCES)
        browser = _mapping(settings, BROWSER)
        quotes = _mapping(settings, QUOTES)
        run_id = settings.get(RUN_ID)
        try:
            return cls(
                sources=MappingProxyType({str(k): _source(v) for k, v in sources.items()}),
                browser=BrowserSettings(
                    executable_path=browser.get("executable_path") or None,
                    args=tuple(str(a) for a in browser.get("args", BROWSER_ARGS)),
                    page_timeout_ms=int(browser.get("page_timeout_ms", 60_000)),
                ),
                database=_database(settings.get(DATABASE_URL)),
                traffic_domains=tuple(str(d) for d in _json(settings, TRAFFIC_DOMAINS, [])),
                quote_symbols=tuple(str(s) for s in quotes.get("symbols", [])),
                quote_boards=tuple(str(b) for b in quotes.get("boards", [])),
                fx_to_usd=MappingProxyType({str(k): Decimal(str(v)) for k, v in _mapping(settings, FX_TO_USD).items()}),
                run_id=int(run_id) if run_id not in (None, "") else None,
                trigger=str(settings.get(TRIGGER) or "scrapy"),
            )
        except (TypeError, AttributeError, InvalidOperation) as exc:
            raise ValueError(f"malformed aipulse crawl settings: {exc}") from None

    def source(self, source_id: str) -> SourceSettings:
        """The section of `source_id` (an empty one when the configuration has none)."""
        return self.sources.get(source_id) or SourceSettings()

    def database_url(self) -> str | None:
        """The database this crawl stores to (a reference resolved from the environment); None: no storage."""
        return self.database.resolve() if isinstance(self.database, SecretRef) else self.database


def _json(settings: BaseSettings, name: str, default: Any) -> Any:
    value = settings.get(name)
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"setting {name} is not valid JSON: {exc}") from None
    return value


def _mapping(settings: BaseSettings, name: str) -> Mapping[str, Any]:
    value = _json(settings, name, {})
    if isinstance(value, BaseSettings):
        value = value.copy_to_dict()
    if not isinstance(value, Mapping):
        raise ValueError(f"setting {name} must be a JSON object, got {type(value).__name__}")
    return value


def _source(raw: Any) -> SourceSettings:
    if not isinstance(raw, Mapping):
        raise ValueError(f"a source section in {SOURCES} must be a JSON object, got {type(raw).__name__}")
    secrets = {str(k): str(v["env"] if isinstance(v, Mapping) else v) for k, v in (raw.get("secrets") or {}).items()}
    return SourceSettings(
        endpoint=raw.get("endpoint") or None,
        args=MappingProxyType({str(k): str(v) for k, v in (raw.get("args") or {}).items()}),
        secrets=MappingProxyType(secrets),
        settings=MappingProxyType(dict(raw.get("settings") or {})),
    )


def _database(value: Any) -> str | SecretRef | None:
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = json.loads(value)
    if isinstance(value, Mapping):
        return SecretRef(env=str(value["env"]))
    return str(value) if value else None
