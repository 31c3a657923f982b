"""`aipulse serve`, the daemon serving the dashboard with `[web] listen`, and the `[web]` section's checks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.config import ConfigError, load_config
from monitor.replay import ReplayServer
from tests.crawl_support import AZURE_PATH, azure_routes, migrated, write_config
from tests.test_daemon import daemon, finished, stop, wait_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def test_the_bundled_config_serves_nothing_from_the_daemon() -> None:
    config = load_config(None)
    assert (config.web.listen, config.web.token) == (None, None)


@pytest.mark.parametrize("listen", ["8787", "localhost", "127.0.0.1:99999", "http://127.0.0.1:8787"])
def test_a_listen_that_is_not_host_port_is_a_located_config_error(tmp_path: Path, listen: str) -> None:
    path = write_config(tmp_path, "sqlite:///x.db", {})
    path.write_text(path.read_text(encoding="utf-8") + f'\n[web]\nlisten = "{listen}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.listen: .*HOST:PORT|web\.listen: .*port"):
        load_config(path)


def test_a_literal_token_is_refused_as_a_secret(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite:///x.db", {})
    path.write_text(path.read_text(encoding="utf-8") + '\n[web]\ntoken = "hunter2"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.token: secrets must be environment references"):
        load_config(path)


@pytest.mark.slow
def test_aipulse_serve_answers_the_overview_and_stops_on_sigterm(tmp_path: Path, sqlite_url: str) -> None:
    migrated(sqlite_url)
    config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h"}})
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "serve", "--listen", f"127.0.0.1:{port}"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 60, "the dashboard", process)
        status, html = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "aipulse" in html
        code, _ = stop(process)
        assert code == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.slow
def test_the_daemon_with_web_listen_serves_metrics_with_the_scheduler_lag_and_stops(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    port = _free_port()
    with ReplayServer(azure_routes()) as server:
        config = write_config(tmp_path, sqlite_url, {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH}})
        config.write_text(config.read_text(encoding="utf-8") + f'\n[web]\nlisten = "127.0.0.1:{port}"\n',
                          encoding="utf-8")  # fmt: skip
        with daemon(config, tmp_path) as process:
            wait_for(lambda: len(finished(engine, "succeeded")) >= 1, 90, "a successful run", process)
            wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 30, "the dashboard", process)
            status, text = _get(f"http://127.0.0.1:{port}/metrics")
            started = time.monotonic()
            code, output = stop(process)
    assert status == 200
    names = {s.name: s for family in text_string_to_metric_families(text) for s in family.samples}
    assert "aipulse_scheduler_next_run_lag_seconds" in names
    assert code == 0, output[-3000:]
    assert time.monotonic() - started < 30
    assert not _answers(f"http://127.0.0.1:{port}/healthz")


def test_the_daemon_refuses_to_start_when_the_web_token_variable_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import check_secrets

    monkeypatch.delenv("AIPULSE_WEB_TOKEN", raising=False)
    path = write_config(tmp_path, "sqlite:///x.db", {})
    path.write_text(path.read_text(encoding="utf-8") + '\n[web]\ntoken = "${AIPULSE_WEB_TOKEN}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.token: environment variable AIPULSE_WEB_TOKEN is not set"):
        check_secrets(load_config(path))
