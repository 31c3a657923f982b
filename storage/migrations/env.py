"""Alembic environment: migrates the database aipulse itself would use, and says which one.

The URL, first found wins: `alembic -x url=…`, the engine handed over by storage.migrate, then exactly what
`aipulse` resolves (AIPULSE_DATABASE_URL, else `[database] url` of AIPULSE_CONFIG or ./aipulse.toml, else the
bundled default). alembic.ini names no URL, so a bare `alembic upgrade head` can never migrate a stray file.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text

import storage.alert_models  # noqa: F401 - the alert tables are part of the schema
from core.config import load_config
from storage.db import create_db_engine, masked
from storage.models import Base

#: the PostgreSQL advisory lock held while migrating ("aipm")
MIGRATION_LOCK = 0x6169706D
config = context.config
if config.config_file_name is not None and config.attributes.get("engine") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def _database_url() -> tuple[str, str]:
    """The URL to migrate and where it came from."""
    given = context.get_x_argument(as_dictionary=True).get("url")
    if given:
        return given, "-x url="
    handed = config.attributes.get("url")
    if handed:
        return str(handed), "aipulse"
    app = load_config()
    where = str(app.path) if app.path is not None else "the bundled configuration"
    return app.database_url(), f"AIPULSE_DATABASE_URL or {where}"


def _ours(name: str | None, type_: str, _parents: object) -> bool:
    """The job queue's tables (procrastinate_*, its own schema) live beside ours and are not compared."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


url, origin = _database_url()
engine = config.attributes.get("engine") or create_db_engine(url)
if config.attributes.get("engine") is None:
    logger.info("migrating %s (from %s)", masked(url), origin)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_ours,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # schedulers and workers starting at once migrate one by one
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
    connection.commit()
