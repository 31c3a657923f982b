"""`aipulse crawl --live-check`: one real crawl a source, recorded, judged in one line — against the local server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from monitor.live_check import Verdict, live_check
from monitor.replay import ReplayServer, Reply, Route
from tests.crawl_support import AZURE_PATH, FIXTURES, azure_routes, migrated, write_config

pytestmark = pytest.mark.slow

PAGE1 = FIXTURES / "azure_gpu" / "gpu_two_pages_page1" / "response.json"
CHART_PATH = "/v8/finance/chart/0700.HK"


def _check(tmp_path: Path, routes: list[Route], source: str = "azure_gpu", **section: Any) -> tuple[Verdict, str]:
    with ReplayServer(routes) as server:
        path = CHART_PATH.rsplit("/", 1)[0] if source == "yahoo_quotes" else AZURE_PATH
        config = load_config(
            write_config(
                tmp_path,
                f"sqlite:///{tmp_path}/live.db",
                {source: {"every": "1h", "endpoint": server.url + path, **section}},
            )
        )
        out = io.StringIO()
        [verdict] = live_check(
            config, migrated(config.database_url()), [source], out, recordings=tmp_path / "recordings",
            timeout=timedelta(seconds=90),
        )  # fmt: skip
    return verdict, out.getvalue()


def _azure_page(edit: dict[str, Any] | None = None, **envelope: Any) -> bytes:
    page = json.loads(PAGE1.read_text(encoding="utf-8"))
    page["NextPageLink"] = None
    if edit is not None:
        page["Items"][0] |= edit
    return json.dumps(page | envelope).encode()


def test_the_command_prints_ok_for_a_source_that_answers_as_recorded_and_keeps_the_responses(tmp_path: Path) -> None:
    with ReplayServer(azure_routes()) as server:
        config = write_config(
            tmp_path,
            f"sqlite:///{tmp_path}/live.db",
            {"azure_gpu": {"every": "1h", "endpoint": server.url + AZURE_PATH}},
        )
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "crawl", "--live-check", "azure_gpu", "--config", str(config)],
            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    [line] = [row for row in done.stdout.splitlines() if row.startswith("azure_gpu")]
    assert line.split()[:4] == ["azure_gpu", "ok", "4", "items"]
    assert "attach that folder to a bug report" in done.stdout
    assert len(list((tmp_path / "recordings" / "azure_gpu").iterdir())) == 2  # both pages, as cases


def test_a_403_is_blocked(tmp_path: Path) -> None:
    verdict, printed = _check(tmp_path, [Route(AZURE_PATH, [Reply(b"<h1>Forbidden</h1>", 403, "text/html")])])
    assert verdict.verdict == "blocked"
    assert verdict.detail.startswith("HTTP 403 from http://127.0.0.1:")
    assert printed.startswith("azure_gpu blocked")


def test_an_auth_failed_body_with_http_200_is_blocked(tmp_path: Path) -> None:
    crumb = Reply.file(FIXTURES / "yahoo_quotes" / "invalid_crumb" / "response.json")
    verdict, _ = _check(tmp_path, [Route(CHART_PATH, [crumb])], "yahoo_quotes", args={"symbols": "0700.HK"})
    assert verdict.verdict == "blocked"


def test_an_answer_without_the_expected_envelope_is_a_layout_change(tmp_path: Path) -> None:
    verdict, _ = _check(tmp_path, [Route(AZURE_PATH, [Reply(b'{"Count": 0, "Records": []}')])])
    assert verdict.verdict == "layout changed"
    assert "the envelope has no Items list" in verdict.detail


def test_an_empty_answer_where_offers_must_be_is_no_data(tmp_path: Path) -> None:
    verdict, _ = _check(tmp_path, [Route(AZURE_PATH, [Reply(b'{"Items": [], "NextPageLink": null, "Count": 0}')])])
    assert verdict.verdict == "no data"


def test_a_price_beyond_the_plausible_bounds_is_out_of_bounds(tmp_path: Path) -> None:
    page = _azure_page({"retailPrice": 4999.0, "unitPrice": 4999.0})
    verdict, _ = _check(tmp_path, [Route(AZURE_PATH, [Reply(page)])])
    assert verdict.verdict == "out of bounds"
    assert "4999" in verdict.detail


def test_an_unreachable_endpoint_failed(tmp_path: Path) -> None:
    with ReplayServer([]) as gone:
        url = gone.url
    config = load_config(
        write_config(
            tmp_path, f"sqlite:///{tmp_path}/live.db", {"azure_gpu": {"every": "1h", "endpoint": url + AZURE_PATH}}
        )
    )
    [verdict] = live_check(
        config, migrated(config.database_url()), ["azure_gpu"], io.StringIO(), recordings=tmp_path / "r",
        timeout=timedelta(seconds=90),
    )  # fmt: skip
    assert verdict.verdict == "failed"
    assert "cannot connect" in verdict.detail or "timed out" in verdict.detail
