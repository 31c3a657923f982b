"""The `aipulse` command in-process: exit codes and messages of init, run, crawl, sources, status (no network)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from core.config import BUNDLED_CONFIG
from core.json_output import TIME_PATTERN
from core.tables import display_width, render_table
from monitor.cli import main
from storage.db import create_db_engine, session_factory
from storage.runs import finish_run, start_run

SCHEDULED = '[sources.azure_gpu]\nevery = "6h"\n'
TABLES = {"crawl_runs", "gpu_offers", "traffic_snapshots", "funding_rounds", "funding_mentions", "quotes"}


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`run` and `crawl` install their own root handler (on the captured stderr); put pytest's back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> str:
    """A working directory with ./aipulse.toml on a migrated SQLite database; returns the database URL."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aipulse.toml").write_text(f'[database]\nurl = "{sqlite_url}"\n\n{SCHEDULED}', encoding="utf-8")
    assert main(["init"]) == 0
    capsys.readouterr()
    return sqlite_url


def _row(table: str, first_cell: str) -> list[str]:
    """The cells of the table line that starts with `first_cell` (columns are separated by 2+ spaces)."""
    line = next(line for line in table.splitlines() if line.startswith(first_cell + " "))
    return re.split(r"\s{2,}", line.strip())


def _record_failed_run(database_url: str, error: str) -> None:
    engine = create_db_engine(database_url)
    now = datetime.now(UTC)
    with session_factory(engine).begin() as session:
        run = start_run(session, "azure_gpu", "schedule", now - timedelta(minutes=5), pid=None)
        finish_run(session, run.id, status="failed", finished_at=now, error=error)
    engine.dispose()


# --- run: configuration and database problems exit 2 before the daemon starts ----------------------


def test_run_with_a_typo_in_the_config_exits_2_naming_file_key_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text('[sources.azure_gpu]\nevery = "6h"\nevry = "1h"\n', encoding="utf-8")
    assert main(["--config", "bad.toml", "run"]) == 2
    err = capsys.readouterr().err
    assert str((tmp_path / "bad.toml").resolve()) in err
    assert "sources.azure_gpu.evry" in err
    assert "unknown key" in err
    assert "Traceback" not in err


def test_run_with_an_unreachable_postgresql_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "pg.toml"
    config.write_text(f'[database]\nurl = "postgresql+psycopg://u@127.0.0.1:1/x"\n\n{SCHEDULED}', encoding="utf-8")
    assert main(["--config", str(config), "run"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to database" in err
    assert "127.0.0.1:1" in err


def test_run_with_an_unset_secret_variable_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aipulse.toml").write_text(
        f'[database]\nurl = "{sqlite_url}"\n\n{SCHEDULED}secrets = {{ token = "${{AIPULSE_TEST_TOKEN}}" }}\n',
        encoding="utf-8",
    )
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "sources.azure_gpu.secrets.token" in err
    assert "AIPULSE_TEST_TOKEN" in err


# --- init ------------------------------------------------------------------------------------------


def test_init_in_an_empty_directory_writes_config_and_migrates_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert "aipulse.toml: starter configuration written" in capsys.readouterr().out
    assert (tmp_path / "aipulse.toml").read_text(encoding="utf-8") == BUNDLED_CONFIG.read_text(encoding="utf-8")
    database = tmp_path / "data" / "aipulse.db"
    assert database.is_file()
    engine = create_db_engine(f"sqlite:///{database}")
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()
    assert main(["status"]) == 0


def test_init_twice_keeps_the_existing_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    edited = (tmp_path / "aipulse.toml").read_text(encoding="utf-8").replace('every = "6h"', 'every = "2h"')
    (tmp_path / "aipulse.toml").write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert main(["init"]) == 0
    assert "aipulse.toml: exists, kept" in capsys.readouterr().out
    assert (tmp_path / "aipulse.toml").read_text(encoding="utf-8") == edited


# --- sources and status ----------------------------------------------------------------------------


def test_sources_lists_azure_gpu_with_kind_schedule_and_no_run_yet(
    project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources"]) == 0
    cells = _row(capsys.readouterr().out, "azure_gpu")
    assert cells[:6] == ["azure_gpu", "gpu", "every 6h", "yes", "—", "—"]


def test_sources_json_lists_azure_gpu_as_never_run(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "--json"]) == 0
    listed = {entry["source"]: entry for entry in json.loads(capsys.readouterr().out)}
    azure = listed["azure_gpu"]
    assert (azure["kind"], azure["schedule"], azure["enabled"]) == ("gpu", "every 6h", True)
    assert (azure["state"], azure["last_run_at"], azure["last_status"]) == ("never", None, None)


def test_status_json_on_a_fresh_database_counts_rows_and_says_no_data_yet(
    project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == {"gpu_offers": 0, "traffic_snapshots": 0, "funding_rounds": 0, "quotes": 0,
                              "crawl_runs": 0}  # fmt: skip
    assert report["running"] == 0
    assert report["healthy"] is False, "nothing has run: nothing is known to be healthy"
    assert report["verdict"].startswith("no data yet")
    states = {s["source"]: s["state"] for s in report["sources"]}
    assert states["azure_gpu"] == "never"
    assert {state for source, state in states.items() if source != "azure_gpu"} <= {"disabled"}


def test_status_right_after_init_says_no_data_yet_not_healthy(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert last_line.startswith("no data yet") and "healthy" not in last_line


def test_status_after_a_successful_run_is_healthy(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = create_db_engine(project)
    now = datetime.now(UTC)
    with session_factory(engine).begin() as session:
        run = start_run(session, "azure_gpu", "schedule", now - timedelta(minutes=5), pid=None)
        finish_run(session, run.id, status="succeeded", finished_at=now)
    engine.dispose()
    assert main(["status"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "healthy"
    assert main(["sources", "--json"]) == 0
    azure = next(s for s in json.loads(capsys.readouterr().out) if s["source"] == "azure_gpu")
    assert TIME_PATTERN.fullmatch(azure["last_run_at"]), "one ISO 8601 form in every --json: UTC, Z"


def test_status_after_a_failed_run_exits_1_showing_the_source_failing_with_its_error(
    project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _record_failed_run(project, "HTTP 503 from prices.azure.com")
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert _row(out, "azure_gpu") == ["azure_gpu", "failing", "failed", "—", "1", "HTTP 503 from prices.azure.com"]
    assert "1 source(s) need attention" in out
    assert "crawl_runs 1" in out


def test_status_json_after_a_failed_run_is_unhealthy(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    _record_failed_run(project, "parse error: no Items in page 1")
    assert main(["status", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["healthy"] is False
    azure = next(s for s in report["sources"] if s["source"] == "azure_gpu")
    assert (azure["state"], azure["failures_in_row"], azure["last_error"]) == (
        "failing",
        1,
        "parse error: no Items in page 1",
    )


@pytest.mark.parametrize("command", ["status", "sources"])
def test_status_before_init_exits_2_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str, command: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aipulse.toml").write_text(f'[database]\nurl = "{sqlite_url}"\n\n{SCHEDULED}', encoding="utf-8")
    assert main([command]) == 2
    assert capsys.readouterr().err.startswith("aipulse: ")


# --- crawl: argument problems exit 2 before any crawl starts ---------------------------------------


def test_crawl_of_an_unknown_source_exits_2_naming_known_sources(
    project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["crawl", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown source 'nope'" in err
    assert "known: " in err and "azure_gpu" in err


@pytest.mark.parametrize("arg", ["bad", "=value"])
def test_crawl_with_a_spider_argument_without_name_and_equals_exits_2(
    project: str, capsys: pytest.CaptureFixture[str], arg: str
) -> None:
    assert main(["crawl", "azure_gpu", "-a", arg]) == 2
    assert "-a expects NAME=VALUE" in capsys.readouterr().err


# --- tables ----------------------------------------------------------------------------------------


def test_render_table_aligns_chinese_cells_by_display_width() -> None:
    assert display_width("恒源云") == 6
    table = render_table(("name", "price"), [("恒源云", "1.20"), ("Vast", "0.9")], right=(1,))
    assert table.splitlines() == [
        "name    price",
        "------  -----",
        "恒源云   1.20",
        "Vast      0.9",
    ]
