"""`aipulse status` answered by the running daemon: the same text and exit code as computed by the command itself,
and only when the daemon's answer is the command's own (same config file, environment and version)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.config import AppConfig, load_config
from monitor import status_channel, status_server
from monitor.status_channel import PROTOCOL, ask_daemon, read_message, send_message, socket_path, status_key
from monitor.status_server import StatusServer, start_answering
from storage.models import CrawlRun
from tests.conftest import PostgresCluster
from tests.crawl_support import migrated, write_config
from tests.test_daemon import daemon, wait_for

ANSWERED = "status: answered by the running daemon"


def status(config: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`aipulse --log-level DEBUG --config CONFIG status OPTIONS` as a user runs it."""
    command = [sys.executable, "-m", "monitor", "--log-level", "DEBUG", "--config", str(config), "status", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd=config.parent)


@pytest.fixture
def store(tmp_path: Path, sqlite_url: str) -> tuple[AppConfig, Engine]:
    engine = migrated(sqlite_url)
    config = load_config(write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h"}}))
    return config, engine


@pytest.fixture
def answering(store: tuple[AppConfig, Engine]) -> Iterator[StatusServer]:
    server = StatusServer(*store)
    assert server.start()
    yield server
    server.stop()


def key_of(config: AppConfig) -> str:
    assert config.path is not None
    return status_key(config.path)


@pytest.mark.slow
def test_the_running_daemon_answers_status_with_what_the_command_computes_itself(
    tmp_path: Path, sqlite_url: str
) -> None:
    migrated(sqlite_url).dispose()
    config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "enabled": False}})
    with daemon(config, tmp_path) as process:
        wait_for(lambda: socket_path(status_key(config)).exists(), 60, "the status socket", process)
        for options in ((), ("--json",)):
            asked, computed = status(config, *options), status(config, "--direct", *options)
            assert f"{ANSWERED} (pid {process.pid})" in asked.stderr
            assert ANSWERED not in computed.stderr
            assert (asked.returncode, asked.stdout) == (computed.returncode, computed.stdout)
        assert json.loads(asked.stdout)["verdict"].startswith("no data yet")
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert not socket_path(status_key(config)).exists(), "a daemon that stopped leaves no socket behind"
    after = status(config)
    assert after.returncode == 0 and ANSWERED not in after.stderr and "no data yet" in after.stdout


@pytest.mark.slow
def test_a_killed_daemons_socket_is_not_waited_on_and_the_next_daemon_answers_again(
    tmp_path: Path, sqlite_url: str
) -> None:
    migrated(sqlite_url).dispose()
    config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "enabled": False}})
    path = socket_path(status_key(config))
    with daemon(config, tmp_path) as process:
        wait_for(path.exists, 60, "the status socket", process)
        process.kill()
        process.wait(10)
    assert path.exists(), "SIGKILL leaves the socket file"
    started = time.monotonic()
    alone = status(config)
    assert alone.returncode == 0 and ANSWERED not in alone.stderr and "no data yet" in alone.stdout
    assert time.monotonic() - started < 30
    with daemon(config, tmp_path) as process:
        wait_for(lambda: ANSWERED in status(config).stderr, 60, "the next daemon answering", process)


def test_an_answer_carries_the_exit_code_and_the_demo_note(
    answering: StatusServer, store: tuple[AppConfig, Engine]
) -> None:
    config, engine = store
    with Session(engine) as session, session.begin():
        at = datetime(2026, 1, 1, tzinfo=UTC)
        session.add(CrawlRun(source="azure_gpu", trigger="demo", status="failed", error="HTTP 503", started_at=at,
                             finished_at=at))  # fmt: skip
    reply = ask_daemon(key_of(config), as_json=False)
    assert reply is not None
    assert reply.code == 1 and "azure_gpu" in reply.stdout and "need attention" in reply.stdout
    assert "demo data" in reply.stderr
    assert reply.pid == os.getpid()


def test_the_daemon_does_not_answer_once_its_config_file_changed(
    answering: StatusServer, store: tuple[AppConfig, Engine]
) -> None:
    config, _ = store
    assert config.path is not None
    assert ask_daemon(key_of(config), as_json=False) is not None
    config.path.write_text(config.path.read_text() + "\n# edited\n")
    assert ask_daemon(key_of(config), as_json=False) is None
    computed = status(config.path)
    assert computed.returncode == 0 and ANSWERED not in computed.stderr


def test_the_daemon_does_not_answer_a_command_choosing_another_database(
    answering: StatusServer, store: tuple[AppConfig, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _ = store
    other = tmp_path / "other.db"
    migrated(f"sqlite:///{other}").dispose()
    monkeypatch.setenv("AIPULSE_DATABASE_URL", f"sqlite:///{other}")
    assert ask_daemon(key_of(config), as_json=False) is None
    assert config.path is not None
    computed = status(config.path, env=dict(os.environ))
    assert ANSWERED not in computed.stderr and str(other) in computed.stdout


def test_a_client_of_another_version_is_refused(answering: StatusServer, store: tuple[AppConfig, Engine]) -> None:
    config, _ = store
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(5)
        conn.connect(str(answering.path))
        send_message(conn, {"protocol": PROTOCOL, "key": key_of(config), "code": [[1, 2, 3]], "json": False})
        assert read_message(conn.makefile("rb")) == {"refused": "another version of aipulse"}


def test_a_client_that_never_speaks_does_not_hold_the_next_one_up(
    answering: StatusServer, store: tuple[AppConfig, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _ = store
    monkeypatch.setattr(status_server, "CLIENT_WAIT", 0.5)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(str(answering.path))
        started = time.monotonic()
        assert ask_daemon(key_of(config), as_json=True) is not None
        assert time.monotonic() - started < 5


def test_a_socket_directory_others_can_write_into_is_never_used(
    store: tuple[AppConfig, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("AIPULSE_RUNTIME_DIR", str(shared))
    server = StatusServer(*store)
    assert not server.start(), "the daemon does not listen where another user could plant a socket"
    assert not list(shared.iterdir())
    assert ask_daemon(key_of(store[0]), as_json=False) is None


def test_a_second_daemon_on_the_same_config_leaves_the_first_one_answering(
    answering: StatusServer, store: tuple[AppConfig, Engine]
) -> None:
    second = StatusServer(*store)
    assert not second.start()
    second.stop()
    assert answering.path.exists()
    assert ask_daemon(key_of(store[0]), as_json=False) is not None


def test_a_daemon_that_cannot_answer_leaves_the_command_to_report_the_error(
    answering: StatusServer, store: tuple[AppConfig, Engine], sqlite_url: str
) -> None:
    config, engine = store
    engine.dispose()
    Path(sqlite_url.removeprefix("sqlite:///")).unlink()
    assert ask_daemon(key_of(config), as_json=False) is None
    assert config.path is not None
    computed = status(config.path)
    assert computed.returncode == 2 and "not initialised" in computed.stderr


def test_with_status_socket_off_the_daemon_does_not_listen(tmp_path: Path, sqlite_url: str) -> None:
    config = load_config(write_config(tmp_path, sqlite_url, {}, daemon={"status_socket": False}))
    assert start_answering(config, migrated(sqlite_url)) is None
    assert not socket_path(key_of(config)).exists()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_cluster_scheduler_answers_status_with_the_cluster_lines(tmp_path: Path, postgres: PostgresCluster) -> None:
    url = postgres.new_database()
    migrated(url).dispose()
    config = write_config(tmp_path, url, {"azure_gpu": {"every": "1h", "enabled": False}})
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run", "--role", "scheduler"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: ANSWERED in status(config).stderr, 120, "the scheduler answering", scheduler)
        asked, computed = status(config), status(config, "--direct")
    finally:
        scheduler.terminate()
        scheduler.communicate(timeout=30)
    assert (asked.returncode, asked.stdout) == (computed.returncode, computed.stdout)
    assert "1 scheduler(s) alive" in asked.stdout


def test_the_socket_directory_is_the_explicit_one_then_the_services_then_the_sessions_then_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, session = tmp_path / "run-aipulse", tmp_path / "xdg"
    monkeypatch.setattr(status_channel, "SYSTEM_RUNTIME_DIR", service)
    monkeypatch.setenv("AIPULSE_RUNTIME_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(session))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert status_channel.runtime_dir() == tmp_path / "explicit"
    monkeypatch.delenv("AIPULSE_RUNTIME_DIR")
    assert status_channel.runtime_dir() == session / "aipulse", "no service directory: the login session's"
    service.mkdir(mode=0o755)
    assert status_channel.runtime_dir() == service, "systemd's RuntimeDirectory of this user"
    service.chmod(0o777)
    assert status_channel.runtime_dir() == session / "aipulse", "one others can write into is never used"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert status_channel.runtime_dir() == tmp_path / f"aipulse-{os.getuid()}"
