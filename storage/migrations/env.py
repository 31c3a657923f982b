"""Alembic environment: migrates the URL handed over by storage.migrate (or alembic.ini on the command line)."""

from __future__ import annotations

from alembic import context

import storage.alert_models  # noqa: F401 - the alert tables are part of the schema
from storage.db import create_db_engine
from storage.models import Base

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL: pass one through storage.migrate or sqlalchemy.url in alembic.ini")

engine = config.attributes.get("engine") or create_db_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
