"""`aipulse db copy`: a SQLite store moved into PostgreSQL, every table, verified by rows and checksums."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.cli import main
from storage.db import session_factory
from storage.models import CrawlRun, GpuOffer
from storage.runs import finish_run, start_run
from tests.conftest import PostgresCluster
from tests.crawl_support import migrated, runs

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def filled(url: str) -> None:
    sessions = session_factory(migrated(url))
    with sessions.begin() as session:
        run = start_run(session, "azure_gpu", "schedule", T0, 123, scheduled_for=T0, worker=("vm", 7, "cn"))
        finish_run(session, run.id, status="succeeded", finished_at=T0, stored=1, details={"fingerprint": "ab"})
        session.add(
            GpuOffer(
                source="azure_gpu", provider="azure", instance_type="NC24ads A100 v4", region="eastus",
                billing="on_demand", gpu_model="A100-80G", gpu_count=Decimal("1"), price=Decimal("3.6730000000"),
                currency="USD", available=True, url="https://prices.azure.com/api/retail/prices", observed_at=T0,
                last_seen_at=T0, run_id=run.id,
            )
        )  # fmt: skip


@pytest.mark.postgres
def test_a_sqlite_store_copied_into_postgresql_is_verified_table_by_table(
    sqlite_url: str, postgres: PostgresCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(sqlite_url)
    target = postgres.new_database()

    code = main(["db", "copy", sqlite_url, target])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "every table verified" in out and "DIFFERS" not in out
    assert [(r.source, r.worker_tags, r.details) for r in runs(migrated(target))] == [
        ("azure_gpu", "cn", {"fingerprint": "ab"})
    ]
    with session_factory(migrated(target)).begin() as session:  # the ids go on after the copied ones
        assert start_run(session, "azure_gpu", "manual", T0, None).id == 2
        assert session.scalar(select(GpuOffer.price)) == Decimal("3.673")


def test_copying_into_a_store_that_holds_rows_is_refused_and_changes_nothing(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(sqlite_url)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    filled(other)

    code = main(["db", "copy", sqlite_url, other])

    assert code == 2
    assert "already holds rows in crawl_runs" in capsys.readouterr().err
    with session_factory(migrated(other))() as session:
        assert len(list(session.scalars(select(CrawlRun)))) == 1
