"""Shared test set-up: the loopback-only network guard, databases (SQLite and a throwaway PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from sqlalchemy.orm import Session, sessionmaker

    from tests.test_alerts_support import HttpReceiver, Store

ROOT = Path(__file__).resolve().parent.parent
GUARD = Path(__file__).resolve().parent / "netguard"

# Every process the suite starts (crawls, the daemon) inherits the guard through sitecustomize.
os.environ["AIPULSE_NETWORK_GUARD"] = "1"
# … and treats the deprecations of Scrapy, SQLAlchemy, APScheduler and pydantic as errors, as pytest does here
os.environ["AIPULSE_DEPRECATIONS_AS_ERRORS"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD), str(ROOT), os.environ.get("PYTHONPATH")]))
for name in ("AIPULSE_CONFIG", "AIPULSE_DATABASE_URL"):
    os.environ.pop(name, None)
# the daemons the suite starts put their status sockets here, never beside a developer's own daemon's
os.environ["AIPULSE_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="aipulse-run-")
sys.path.insert(0, str(GUARD))
import sitecustomize  # noqa: E402,F401 - installs the guard in this process too


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else shutil.which(name)


class PostgresCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (initdb + pg_ctl), removed at the end of the session."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.pg_ctl = pg_ctl
        self.dir = Path(tempfile.mkdtemp(prefix="aipulse-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        data = self.dir / "data"
        self._run([initdb, "-D", str(data), "-U", "aipulse", "--auth=trust", "-E", "UTF8", "--no-sync"])
        options = f"-k {self.dir} -p {self.port} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run([pg_ctl, "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"])
        self.data, self.options = data, options

    def _run(self, command: list[str]) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://aipulse@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=aipulse dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self, down_for_s: float = 0.0) -> None:
        """Restart the server (`pg_ctl -m fast`), down for `down_for_s`: every connection is cut, the data stays."""
        log = str(self.dir / "log")  # without -l the server would write to (and hold open) our pipes
        if not down_for_s:
            self._run([self.pg_ctl, "-D", str(self.data), "-o", self.options, "-l", log, "-m", "fast", "-w", "restart"])
            return
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])
        time.sleep(down_for_s)
        self._run([self.pg_ctl, "-D", str(self.data), "-o", self.options, "-l", log, "-w", "start"])

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """The session's PostgreSQL cluster; skipped locally without PostgreSQL, a failure in CI."""
    try:
        cluster = PostgresCluster()
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        message = f"no PostgreSQL for the storage tests: {exc} {detail.decode(errors='replace')[:500]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'aipulse.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database()


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh database (SQLite, then PostgreSQL) migrated to the newest schema."""
    from storage.db import create_db_engine, session_factory
    from storage.migrate import upgrade

    engine = create_db_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database URL."""
    return f"sqlite:///{tmp_path / 'aipulse.db'}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-fixtures",
        action="store_true",
        default=False,
        help="write the parser's output beside each failing fixture case as expected.draft.json, for review",
    )


@pytest.fixture
def hook() -> Iterator[HttpReceiver]:
    """A local HTTP receiver (tests/test_alerts_support.HttpReceiver) for webhook targets, stopped afterwards."""
    from tests.test_alerts_support import HttpReceiver

    receiver = HttpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """An alerts test store (tests/test_alerts_support.Store) on a fresh SQLite file."""
    from tests.test_alerts_support import Store

    store = Store(sqlite_url)
    yield store
    store.close()


#: Debian's Chromium, driven by Playwright through `executable_path` (the browser tests)
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, one per test module, with aipulse's browser flags."""
    from playwright.sync_api import sync_playwright

    from core.config import BROWSER_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()
