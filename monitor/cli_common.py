"""What every `aipulse` command shares: the user-fixable error, logging, the checked config, the database."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from core.config import AppConfig

__all__ = [
    "DEMO_NOTE", "CliError", "load_checked_config", "note_demo_data", "open_database", "print_json", "setup_logging",
]  # fmt: skip

DEMO_NOTE = "note: this store holds demo data from `aipulse demo` (crawl_runs.trigger = demo), not real observations"


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 2."""


def setup_logging(level: str) -> None:
    """One line per event, secrets redacted."""
    from core.secrets import RedactSecrets

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def load_checked_config(args: argparse.Namespace, path: Path | None = None) -> AppConfig:
    """The config of `--config` (or `path`), with its sources, alert targets and Scrapy settings checked."""
    from alerts.apprise_adapter import check_target_urls
    from core.config import ConfigError, check_sources, load_config
    from spiders.catalog import SOURCE_KINDS

    config = load_config(path or args.config)
    check_sources(config, SOURCE_KINDS)
    check_target_urls(config.alerts, str(config.path or "configuration"))
    for source_id, section in config.sources.items():
        if section.settings:
            from spiders.settings_check import settings_problems  # Scrapy's defaults: only when a source sets some

            for problem in settings_problems(section.settings):
                raise ConfigError(f"{config.path or 'configuration'}: sources.{source_id}.settings: {problem}")
        if section.args:
            # the spider's keywords, read from its file (importing Scrapy and the spider only where that fails)
            from spiders.argument_kinds_static import static_argument_kinds
            from spiders.arguments import argument_kinds, problems_with

            kinds = static_argument_kinds(source_id)
            if kinds is None:
                from spiders.loader import load_spider

                kinds = argument_kinds(load_spider(source_id))
            for problem in problems_with(source_id, kinds, section.spider_args()):
                raise ConfigError(f"{config.path or 'configuration'}: sources.{source_id}.args: {problem}")
    return config


def open_database(config: AppConfig, *, migrate: bool) -> Engine:
    """An engine on the config's database, checked to answer and to be at the newest schema (or migrated to it)."""
    from storage.db import check_connection, create_db_engine, masked
    from storage.migrate import is_current, upgrade

    engine = create_db_engine(config.database_url())
    check_connection(engine)
    if migrate:
        upgrade(engine)
    elif not is_current(engine):
        where = masked(config.database_url())
        raise CliError(f"database {where} is not initialised or not migrated: run `aipulse init` first")
    return engine


def print_json(data: Any) -> None:
    """`data` as JSON on stdout (UTC ISO times, decimals as strings)."""
    from core.json_output import json_text

    print(json_text(data))


def note_demo_data(session: Session) -> None:
    """Every view of a store `aipulse demo` filled says so (on stderr: --json and CSV on stdout stay clean)."""
    from storage.runs import has_demo_runs

    if has_demo_runs(session):
        print(DEMO_NOTE, file=sys.stderr)
