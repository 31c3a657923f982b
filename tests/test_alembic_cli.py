"""`alembic` from the project root migrates the database aipulse would use, never a stray ./data/aipulse.db."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.db import create_db_engine

ROOT = Path(__file__).resolve().parent.parent


def _alembic(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), *args]
    full_env = {k: v for k, v in os.environ.items() if k not in ("AIPULSE_CONFIG", "AIPULSE_DATABASE_URL")}
    full_env.update(env)
    return subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder to run alembic in (alembic.ini finds the migrations through %(here)s)."""
    return tmp_path


def _tables(path: Path) -> set[str]:
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_uses_aipulse_database_url_and_says_so(workdir: Path) -> None:
    target = workdir / "elsewhere.db"
    done = _alembic("upgrade", "head", cwd=workdir, env={"AIPULSE_DATABASE_URL": f"sqlite:///{target}"})
    assert done.returncode == 0, done.stderr
    assert "crawl_runs" in _tables(target)
    assert not (workdir / "data" / "aipulse.db").exists()
    assert f"migrating sqlite:///{target} (from AIPULSE_DATABASE_URL" in done.stderr


def test_upgrade_uses_the_config_files_database(workdir: Path) -> None:
    (workdir / "aipulse.toml").write_text('[database]\nurl = "sqlite:///store/from_config.db"\n', encoding="utf-8")
    (workdir / "store").mkdir()
    done = _alembic("upgrade", "head", cwd=workdir, env={})
    assert done.returncode == 0, done.stderr
    assert "crawl_runs" in _tables(workdir / "store" / "from_config.db")
    assert "aipulse.toml" in done.stderr


def test_x_url_wins_over_everything(workdir: Path) -> None:
    target = workdir / "given.db"
    env = {"AIPULSE_DATABASE_URL": f"sqlite:///{workdir / 'not_this.db'}"}
    done = _alembic("-x", f"url=sqlite:///{target}", "upgrade", "head", cwd=workdir, env=env)
    assert done.returncode == 0, done.stderr
    assert "crawl_runs" in _tables(target)
    assert not (workdir / "not_this.db").exists()
