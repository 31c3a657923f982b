"""The cluster's queue on a real PostgreSQL: one job a slot whatever the schedulers, placement, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from core.config import AppConfig, load_config
from monitor.cli import main
from monitor.cluster_queue import (
    conninfo,
    ensure_queue_schema,
    fingerprint,
    queue_for,
    queues_covered,
    slot_offset,
)
from monitor.cluster_scheduler import ClusterScheduler, SlotPlan
from monitor.cluster_worker import ClusterWorkerProcess
from storage.cluster import WorkerIdentity, beat
from storage.db import session_factory
from tests.conftest import PostgresCluster
from tests.crawl_support import migrated, runs, write_config

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HEARTBEAT = timedelta(seconds=2)


def config_for(tmp_path: Path, url: str, **azure: object) -> AppConfig:
    section = {"every": "5s", "endpoint": "http://127.0.0.1:9/api", **azure}
    return load_config(write_config(tmp_path, url, {"azure_gpu": section}, daemon={"misfire_grace": "10s"}))


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    url = postgres.new_database()
    migrated(url).dispose()
    ensure_queue_schema(url)
    return url


def jobs(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(conninfo(url)) as connection:
        rows = connection.execute("SELECT queue_name, status, args->>'slot' FROM procrastinate_jobs ORDER BY id")
        return [tuple(row) for row in rows]


def test_schedulers_started_at_different_times_compute_the_same_slots(tmp_path: Path) -> None:
    config = config_for(tmp_path, "sqlite://", jitter="3s")
    early, late = SlotPlan(config, T0), SlotPlan(config, T0 + timedelta(seconds=2.5))

    slots = [slot for _, slot in early.due(T0 + timedelta(seconds=20), timedelta(minutes=1))]

    assert slots[1:] == [slot for _, slot in late.due(T0 + timedelta(seconds=20), timedelta(minutes=1))]
    assert [s.second for s in slots] == [0, 5, 10, 15, 20]


def test_jitter_is_one_fixed_offset_per_source_and_slot() -> None:
    offsets = {slot_offset("azure_gpu", T0 + timedelta(minutes=m), timedelta(seconds=60)) for m in range(20)}

    assert slot_offset("azure_gpu", T0, timedelta(seconds=60)) == slot_offset("azure_gpu", T0, timedelta(seconds=60))
    assert all(timedelta(0) <= o < timedelta(seconds=60) for o in offsets)
    assert len(offsets) > 10


def test_a_worker_serves_the_queues_of_every_subset_of_its_tags() -> None:
    assert queues_covered(["cn", "browser"]) == ["aipulse", "aipulse:browser", "aipulse:cn", "aipulse:browser+cn"]
    assert queue_for(["cn", "browser"]) == "aipulse:browser+cn"


def test_the_config_fingerprint_ignores_the_database_but_not_the_sources(tmp_path: Path) -> None:
    base = config_for(tmp_path, "sqlite:///a.db")
    (tmp_path / "b").mkdir()
    other_db = config_for(tmp_path / "b", "sqlite:///b.db")
    (tmp_path / "c").mkdir()
    other_cadence = config_for(tmp_path / "c", "sqlite:///a.db", every="6s")

    assert fingerprint(base) == fingerprint(other_db)
    assert fingerprint(base) != fingerprint(other_cadence)


@pytest.mark.postgres
def test_two_schedulers_queue_one_job_for_one_slot(tmp_path: Path, pg_url: str) -> None:
    config = config_for(tmp_path, pg_url)
    sessions = session_factory(migrated(pg_url))
    first, second = ClusterScheduler(config, sessions, pg_url), ClusterScheduler(config, sessions, pg_url)

    assert first.defer("azure_gpu", T0) is not None
    assert second.defer("azure_gpu", T0) is None
    assert first.defer("azure_gpu", T0) is None
    assert jobs(pg_url) == [("aipulse", "todo", T0.isoformat())]


@pytest.mark.postgres
def test_a_tagged_job_goes_to_the_queue_of_its_tags(tmp_path: Path, pg_url: str) -> None:
    config = config_for(tmp_path, pg_url, tags=["cn"])

    ClusterScheduler(config, session_factory(migrated(pg_url)), pg_url).defer("azure_gpu", T0)

    assert jobs(pg_url) == [("aipulse:cn", "todo", T0.isoformat())]


@pytest.mark.postgres
def test_a_job_no_worker_took_within_the_grace_is_a_failed_run_naming_the_tags(tmp_path: Path, pg_url: str) -> None:
    config = config_for(tmp_path, pg_url, tags=["cn"])
    engine = migrated(pg_url)
    schedulers = [ClusterScheduler(config, session_factory(engine), pg_url) for _ in range(2)]
    now = datetime.now(UTC)
    schedulers[0].defer("azure_gpu", now - timedelta(seconds=11))

    failed = schedulers[0].fail_waiting(now) + schedulers[1].fail_waiting(now)

    [run] = runs(engine)
    assert failed == [run.id]
    assert (run.status, run.scheduled_for) == ("failed", now - timedelta(seconds=11))
    assert "no worker with tags cn" in (run.error or "")
    assert jobs(pg_url)[0][1] == "cancelled"


@pytest.mark.postgres
def test_a_worker_refuses_a_job_queued_from_another_config(
    tmp_path: Path, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = migrated(pg_url)
    worker = ClusterWorkerProcess(config_for(tmp_path, pg_url), engine, pg_url, [], 1)

    outcome = worker.crawl("azure_gpu", T0.isoformat(), "0123456789abcdef")

    [run] = runs(engine)
    assert outcome == "refused"
    assert run.status == "failed" and "fingerprint 0123456789abcdef" in (run.error or "")
    assert "same configuration" in caplog.text


def test_a_worker_on_sqlite_exits_2_saying_it_needs_postgresql(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h"}})

    code = main(["--config", str(config), "worker", "--tags", "cn"])

    assert code == 2
    assert "`aipulse worker` needs PostgreSQL" in capsys.readouterr().err


@pytest.mark.postgres
def test_status_and_cluster_show_the_workers_alive_and_the_queue_depth_per_tag(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_for(tmp_path, pg_url, tags=["cn"])
    engine = migrated(pg_url)
    ClusterScheduler(config, session_factory(engine), pg_url).defer("azure_gpu", T0)
    with session_factory(engine).begin() as session:
        who = WorkerIdentity("crawler-7", 99, ("browser",))
        beat(session, who, role="worker", fingerprint=fingerprint(config), now=datetime.now(UTC), every=HEARTBEAT)

    main(["--config", str(config.path), "status"])
    status = capsys.readouterr().out
    assert main(["--config", str(config.path), "cluster", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)

    assert "workers   1 worker(s), 0 scheduler(s) alive: crawler-7:99 worker [browser]" in status
    assert "queue     aipulse:cn 1" in status
    assert [w["host"] for w in summary["workers"]] == ["crawler-7"]
    assert [(j["source"], j["queue"], j["status"]) for j in summary["jobs"]] == [("azure_gpu", "aipulse:cn", "todo")]


@pytest.mark.postgres
def test_slots_long_past_are_forgotten_and_recent_ones_kept(tmp_path: Path, pg_url: str) -> None:
    config = config_for(tmp_path, pg_url)
    scheduler = ClusterScheduler(config, session_factory(migrated(pg_url)), pg_url)
    now = datetime.now(UTC)
    scheduler.defer("azure_gpu", now - timedelta(days=3))
    scheduler.defer("azure_gpu", now - timedelta(hours=1))

    scheduler.forget_old_slots(now)

    with psycopg.connect(conninfo(pg_url)) as connection:
        left = connection.execute("SELECT slot_at FROM cluster_slots").fetchall()
    assert [row[0] for row in left] == [now - timedelta(hours=1)]


@pytest.mark.postgres
def test_sources_on_postgresql_shows_the_worker_of_each_sources_last_run_and_its_tags(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_for(tmp_path, pg_url, tags=["cn"])
    worker = ClusterWorkerProcess(config, migrated(pg_url), pg_url, ["cn"], 1)
    worker.crawl("azure_gpu", T0.isoformat(), "0123456789abcdef")  # refused: a failed run recorded by this worker

    assert main(["--config", str(config.path), "sources", "--json"]) == 0
    [listed] = [s for s in json.loads(capsys.readouterr().out) if s["source"] == "azure_gpu"]
    assert main(["--config", str(config.path), "sources"]) == 0
    table = capsys.readouterr().out

    where = f"{worker.identity.host}:{worker.identity.pid}"
    assert (listed["worker"], listed["tags"]) == (where, "cn")
    assert "worker" in table.splitlines()[0] and where in table and " cn" in table


@pytest.mark.postgres
def test_a_fallback_with_other_tags_is_queued_for_them_not_run_on_the_worker_of_the_source_it_backs_up(
    tmp_path: Path, pg_url: str
) -> None:
    dead = "http://127.0.0.1:9/api"  # nothing listens: the source fails and asks its fallback
    sections = {"azure_gpu": {"every": "1h", "endpoint": dead, "fallback": "lambda_gpu"},
                "lambda_gpu": {"every": "1h", "endpoint": dead, "tags": ["cn"]}}  # fmt: skip
    config = load_config(write_config(tmp_path, pg_url, sections))
    engine = migrated(pg_url)
    plain = ClusterWorkerProcess(config, engine, pg_url, [], 1)

    plain.crawl("azure_gpu", T0.isoformat(), fingerprint(config))
    ran_here = [(r.source, r.trigger) for r in runs(engine)]
    with psycopg.connect(conninfo(pg_url)) as connection:
        [(queue, args)] = connection.execute("SELECT queue_name, args FROM procrastinate_jobs").fetchall()
    ClusterWorkerProcess(config, engine, pg_url, ["cn"], 1).crawl(**args)

    assert ran_here == [("azure_gpu", "schedule")]
    assert (queue, args["source"], args["trigger"]) == ("aipulse:cn", "lambda_gpu", "fallback")
    assert [(r.source, r.trigger, r.worker_tags) for r in runs(engine)][1:] == [("lambda_gpu", "fallback", "cn")]


@pytest.mark.postgres
def test_a_fallback_nobody_can_take_is_a_failed_fallback_run_after_the_grace(tmp_path: Path, pg_url: str) -> None:
    dead = "http://127.0.0.1:9/api"
    sections = {"azure_gpu": {"every": "1h", "endpoint": dead, "fallback": "lambda_gpu"},
                "lambda_gpu": {"every": "1h", "endpoint": dead, "tags": ["cn"]}}  # fmt: skip
    config = load_config(write_config(tmp_path, pg_url, sections, daemon={"misfire_grace": "10s"}))
    engine = migrated(pg_url)
    ClusterWorkerProcess(config, engine, pg_url, [], 1).defer_fallback("azure_gpu", "lambda_gpu", {})
    scheduler = ClusterScheduler(config, session_factory(engine), pg_url)

    early = scheduler.fail_waiting(datetime.now(UTC))
    late = scheduler.fail_waiting(datetime.now(UTC) + timedelta(seconds=11))

    [run] = runs(engine)
    assert (early, late) == ([], [run.id])
    assert (run.source, run.trigger, run.status, run.scheduled_for) == ("lambda_gpu", "fallback", "failed", None)
    assert "no worker with tags cn" in (run.error or "")
    assert [status for _, status, _ in jobs(pg_url)] == ["cancelled"]
