"""Loads aipulse.toml into strict models; with core.secrets, the only code that reads the environment."""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from core.browser_args import BROWSER_ARGS, chromium_path
from core.config.alerts import AlertsConfig
from core.config.base import Duration, Strict, check_cron, check_timezone
from core.config.fx import FxConfig, migrate_old_keys
from core.config.quotes import QuotesConfig
from core.config.report import ReportConfig
from core.config.traffic import TrafficConfig
from core.config.web import WebConfig
from core.config_file import CONFIG_ENV, DATABASE_ENV, DEFAULT_CONFIG_NAME, find_config_path
from core.secrets import ConfigError, RedactSecrets, Secret, SecretRef, redact, secret_reference

# re-exported: callers import them from here
__all__ = [
    "CONFIG_ENV", "DATABASE_ENV", "DEFAULT_CONFIG_NAME", "ConfigError", "RedactSecrets", "SecretRef",
    "find_config_path", "redact",
]  # fmt: skip

logger = logging.getLogger(__name__)

BUNDLED_CONFIG = Path(__file__).parent / "default_config.toml"
DEFAULT_DATABASE_URL = "sqlite:///data/aipulse.db"


ArgValue = str | int | float | bool | list[str]


class DatabaseConfig(Strict):
    url: SecretRef | str = DEFAULT_DATABASE_URL

    @field_validator("url", mode="before")
    @classmethod
    def _no_literal_password(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().startswith("${"):
            return secret_reference(value)
        if isinstance(value, str) and _has_password(value):
            raise ValueError('a URL with a password is a secret: put it in an environment variable, url = "${NAME}"')
        return value


class DaemonConfig(Strict):
    max_concurrent_crawls: int = Field(default=2, ge=1, le=32)
    max_browser_crawls: int = Field(default=1, ge=1, le=8)
    crawl_timeout: Duration = timedelta(minutes=30)
    misfire_grace: Duration = timedelta(minutes=15)
    shutdown_grace: Duration = timedelta(seconds=20)
    run_at_start: bool = True
    warm_spare: bool = True
    status_socket: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class BrowserConfig(Strict):
    executable_path: str | None = None
    args: list[str] = Field(default_factory=lambda: list(BROWSER_ARGS))
    page_timeout: Duration = timedelta(seconds=60)


#: the shortest `every` a source may have (a runaway `every = "1ms"` would flood the log and the site)
MIN_CADENCE = timedelta(seconds=1)


class SourceConfig(Strict):
    """One source's schedule and options; its spider gets `endpoint`, `args` and `secrets` as arguments."""

    enabled: bool = True
    every: Duration | None = None
    cron: str | None = None
    jitter: Duration | None = None
    timezone: str = "UTC"
    endpoint: str | None = None
    timeout: Duration | None = None
    args: dict[str, ArgValue] = Field(default_factory=dict)
    secrets: dict[str, Secret] = Field(default_factory=dict)
    settings: dict[str, str | int | float | bool] = Field(default_factory=dict)
    #: another source asked for what this one could not deliver (quotes: per symbol), right after its run
    fallback: str | None = None
    #: quotes: a scheduled run happens only while a market of its symbols trades (or just after its close)
    market_hours: bool = False
    #: where it may run in a cluster: only a worker started with every one of these tags takes its jobs
    tags: list[str] = Field(default_factory=list)

    @field_validator("tags")
    @classmethod
    def _tags_are_names(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", tag):
                raise ValueError(f"tag {tag!r}: lower-case letters, digits, '-' and '_', at most 32 characters")
        return sorted(set(value))

    @field_validator("settings")
    @classmethod
    def _settings_are_scrapy_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                raise ValueError(f"{name!r} is not a Scrapy setting name (upper case, like DOWNLOAD_DELAY)")
        return value

    _tz = field_validator("timezone")(check_timezone)
    _cron = field_validator("cron")(check_cron)

    @field_validator("endpoint")
    @classmethod
    def _endpoint_is_http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"endpoint {value!r} must be an http:// or https:// URL")
        return value

    @field_validator("every")
    @classmethod
    def _not_too_often(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < MIN_CADENCE:
            raise ValueError(f"every = {value.total_seconds():g}s is too often: the shortest cadence is 1s")
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> SourceConfig:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either 'every' or 'cron', not both")
        if self.enabled and self.every is None and self.cron is None:
            raise ValueError('an enabled source needs a schedule: every = "1h" or cron = "0 * * * *"')
        return self

    def spider_args(self) -> dict[str, str]:
        """The `-a` arguments this section gives its spider (secrets excluded: they are read in the crawl)."""
        args = {k: ",".join(v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in self.args.items()}  # fmt: skip
        if self.endpoint:
            args["endpoint"] = self.endpoint
        return args


class AppConfig(Strict):
    """The whole aipulse.toml."""

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    browser: BrowserConfig = Field(default_factory=BrowserConfig)
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    fx: FxConfig = Field(default_factory=FxConfig)
    quotes: QuotesConfig = Field(default_factory=QuotesConfig)
    traffic: TrafficConfig = Field(default_factory=TrafficConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _alerts_compare_at_the_fx_table(self) -> AppConfig:
        # One FX table: the alerts' USD comparisons read it instead of keeping their own.
        # The models are frozen for their users; this is their construction, so set the derived field directly.
        object.__setattr__(self, "alerts", self.alerts.model_copy(update={"fx_to_usd": self.fx.usd_rates()}))
        return self

    @model_validator(mode="after")
    def _report_targets_exist(self) -> AppConfig:
        for name in self.report.targets:
            if name not in self.alerts.targets:
                known = ", ".join(sorted(self.alerts.targets)) or "none defined"
                raise ValueError(f"report.targets: unknown target {name!r} (targets in [alerts.targets]: {known})")
        return self

    def report_dir(self) -> Path:
        """Where report files go: [report] out_dir, a relative path anchored beside the config file."""
        out = Path(self.report.out_dir)
        if out.is_absolute() or self.path is None or self.path == BUNDLED_CONFIG:
            return out
        return self.path.parent / out

    def database_url(self) -> str:
        """AIPULSE_DATABASE_URL, else [database] url; a relative SQLite path sits beside the config file."""
        url = os.environ.get(DATABASE_ENV) or self.database.url
        if isinstance(url, SecretRef):
            url = url.resolve()
        return _anchor_sqlite(url, self.path)

    def chromium_path(self) -> str | None:
        """[browser] executable_path, else AIPULSE_CHROMIUM, else /usr/bin/chromium; None: Playwright's own."""
        return chromium_path(self.browser.executable_path)

    def secrets_for(self, source_id: str) -> dict[str, str]:
        """A source's secrets resolved from the environment (raises ConfigError naming a missing variable)."""
        section = self.sources.get(source_id)
        return {name: ref.resolve() for name, ref in section.secrets.items()} if section else {}


def _has_password(url: str) -> bool:
    # SQLAlchemy only when a URL is checked: a crawl without a database never imports it
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    return bool(parsed.password) or "password" in parsed.query


def _anchor_sqlite(url: str, config_path: Path | None) -> str:
    if config_path is None or config_path == BUNDLED_CONFIG:
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database.startswith(":memory:"):
        return url
    if Path(database).is_absolute() or database.startswith("file:"):
        return url
    return parsed.set(database=str((config_path.parent / database).resolve())).render_as_string(hide_password=False)


def load_config(path: str | os.PathLike[str] | None = None, *, fallback_to_bundled: bool = True) -> AppConfig:
    """Find, read and validate the configuration; ConfigError says file, key and reason."""
    found = find_config_path(path)
    if found is None:
        if not fallback_to_bundled:
            return AppConfig()
        found = BUNDLED_CONFIG
    return parse_config(found.read_bytes(), found)


def parse_config(data: bytes | str, path: Path) -> AppConfig:
    """Validate TOML text as an aipulse configuration."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1 if isinstance(data, bytes) else 0
        raise ConfigError(
            f"{path}: line {line}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for message in migrate_old_keys(raw):
        logger.warning("%s: %s (read as [fx] this time)", path, message)
    try:
        config = AppConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    return config.model_copy(update={"path": path})


def _describe(exc: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid configuration"]
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"] if not str(part).startswith(("function-", "tagged-union")))
        loc = re.sub(r"\.(str|SecretRef|timedelta|int|float|bool|list\[str\])(?=\.|$)", "", loc)
        message = "unknown key (not a setting aipulse knows)" if error["type"] == "extra_forbidden" else error["msg"]
        message = message.removeprefix("Value error, ")
        lines.append(f"  {loc or '(top level)'}: {message}")
    return "\n".join(dict.fromkeys(lines))


def check_sources(config: AppConfig, known: Iterable[str]) -> None:
    """Fail when the config names a source no spider implements."""
    known_ids = sorted(known)
    unknown = [name for name in config.sources if name not in known_ids]
    where = config.path or "configuration"
    if unknown:
        raise ConfigError(f"{where}: sources.{unknown[0]}: unknown source (known: {', '.join(known_ids)})")
    for name, section in config.sources.items():
        if section.fallback is not None and (section.fallback not in known_ids or section.fallback == name):
            raise ConfigError(f"{where}: sources.{name}.fallback: {section.fallback!r} is not another known source")


def check_secrets(config: AppConfig) -> None:
    """Fail at start when an enabled source refers to an environment variable that is not set."""
    for source_id, section in config.sources.items():
        if not section.enabled:
            continue
        for name, ref in section.secrets.items():
            if not os.environ.get(ref.env):
                raise ConfigError(
                    f"{config.path}: sources.{source_id}.secrets.{name}: environment variable {ref.env} is not set"
                )
    if config.web.token is not None and not os.environ.get(config.web.token.env):
        raise ConfigError(f"{config.path}: web.token: environment variable {config.web.token.env} is not set")
    for target, names in config.alerts.environment_names().items():
        for name in names:
            if not os.environ.get(name):
                raise ConfigError(f"{config.path}: alerts.targets.{target}: environment variable {name} is not set")


def environment(names: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the process environment (for child processes), with `names` added."""
    env = dict(os.environ)
    env.update(names or {})
    return env


def crawl_config(explicit: str | os.PathLike[str] | None = None) -> AppConfig | None:
    """The configuration a Scrapy process runs under, or None when there is no config file at all."""
    found = find_config_path(explicit)
    return parse_config(found.read_bytes(), found) if found is not None else None


def crawl_database_url(config: AppConfig | None) -> str | None:
    """Where a crawl stores: the config's database, else AIPULSE_DATABASE_URL, else nowhere (None)."""
    if config is not None:
        return config.database_url()
    return os.environ.get(DATABASE_ENV) or None
