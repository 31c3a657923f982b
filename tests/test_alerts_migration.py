"""The alerts migration on SQLite and PostgreSQL: matches the models, and downgrades cleanly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import storage.alert_models  # noqa: F401 - registers the alert tables on Base.metadata
from storage.db import create_db_engine
from storage.migrate import alembic_config, check, upgrade

ALERT_TABLES = {
    "alert_states",
    "alert_events",
    "alert_silences",
    "quarantined_observations",
    "notification_outbox",
    "notification_attempts",
}


def alerts_revision(engine: Engine) -> tuple[str, str]:
    """The alerts migration's id and the revision it builds on (the lead numbers migrations as they land)."""
    for script in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions():
        if (script.doc or "").startswith("alerts"):
            assert isinstance(script.down_revision, str)
            return script.revision, script.down_revision
    raise AssertionError("no alerts migration")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


def test_upgrade_creates_the_alert_tables_and_alembic_check_is_clean(engine: Engine) -> None:
    upgrade(engine)

    assert set(inspect(engine).get_table_names()) >= ALERT_TABLES
    check(engine)


def test_downgrading_the_alerts_migration_drops_only_the_alert_tables(engine: Engine) -> None:
    revision, previous = alerts_revision(engine)
    upgrade(engine, revision)
    before = set(inspect(engine).get_table_names())

    command.downgrade(alembic_config(engine), previous)
    after = set(inspect(engine).get_table_names())
    upgrade(engine)

    assert before - after == ALERT_TABLES
    check(engine)
