"""`aipulse db copy`: every table of one store into an empty other one (SQLite to PostgreSQL), verified."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text

import storage.alert_models  # noqa: F401 - the alert tables are part of the schema
from storage.models import Base

__all__ = ["CopyError", "TableCopy", "copy_database", "table_checksum"]

BATCH = 1000


class CopyError(Exception):
    """The copy cannot be made or did not come out equal."""


@dataclass(frozen=True)
class TableCopy:
    """One table's copy: rows read and written, and whether the contents' checksums match."""

    table: str
    source_rows: int
    copied_rows: int
    source_checksum: str
    copied_checksum: str

    @property
    def equal(self) -> bool:
        return self.source_rows == self.copied_rows and self.source_checksum == self.copied_checksum


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _ordered(table: Table) -> Any:
    return select(table).order_by(*table.primary_key.columns)


def table_checksum(engine: Engine, table: Table) -> tuple[int, str]:
    """Rows and a SHA-256 over the table's rows in primary-key order, values in a dialect-free form."""
    digest = hashlib.sha256()
    count = 0
    with engine.connect() as connection:
        for row in connection.execute(_ordered(table)).mappings():
            line = json.dumps({k: _canonical(v) for k, v in row.items()}, sort_keys=True, default=str)
            digest.update(line.encode())
            count += 1
    return count, digest.hexdigest()[:16]


def copy_database(source: Engine, target: Engine) -> list[TableCopy]:
    """Copy every table of `source` into `target` (migrated, empty) in one transaction; then verify each."""
    tables = list(Base.metadata.sorted_tables)
    with target.connect() as connection:
        full = [t.name for t in tables if connection.scalar(select(func.count()).select_from(t))]
    if full:
        raise CopyError(f"the target already holds rows in {', '.join(full)}: copy into an empty database")
    with source.connect() as reading, target.begin() as writing:
        for table in tables:
            batch: list[dict[str, Any]] = []
            for row in reading.execute(_ordered(table)).mappings():
                batch.append(dict(row))
                if len(batch) >= BATCH:
                    writing.execute(insert(table), batch)
                    batch = []
            if batch:
                writing.execute(insert(table), batch)
        if target.dialect.name == "postgresql":  # ids were copied as they are: the sequences go past them
            for table in tables:
                id_column = table.columns.get("id")
                if id_column is not None and id_column.autoincrement in (True, "auto") and id_column.primary_key:
                    writing.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    results = []
    for table in tables:
        rows, checksum = table_checksum(source, table)
        copied, copied_checksum = table_checksum(target, table)
        results.append(TableCopy(table.name, rows, copied, checksum, copied_checksum))
    return results
