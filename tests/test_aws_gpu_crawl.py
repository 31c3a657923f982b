"""aws_gpu through the real Scrapy engine against a local instances.json, one of them above the warn size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, case_route
from tests.crawl_support import FAST_SETTINGS, FIXTURES, count_offers, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

PATH = "/instances.json"
CASES = FIXTURES / "aws_gpu"
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def aws_routes() -> list[Route]:
    """The constructed p4d/p4de/p5/g5 file (10 offers) as instances.json."""
    return [case_route("aws_gpu", "p4d_p4de_p5_g5")]


def _run(tmp_path: Path, url: str, routes: list[Route], **options: Any) -> tuple[CrawlResult, ReplayServer]:
    engine = migrated(url)
    with ReplayServer(routes) as server:
        section = {"every": "1h", "endpoint": server.url + PATH, **options}
        config = load_config(write_config(tmp_path, url, {"aws_gpu": section}))
        result = CrawlRunner(config, engine).run("aws_gpu")
    return result, server


def test_gpu_offers_on_demand_and_spot_are_stored(tmp_path: Path, db_url: str) -> None:
    result, server = _run(tmp_path, db_url, aws_routes())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 10, 0), result.error
    assert [r.path for r in server.requests] == [PATH]


def test_unknown_accelerators_are_stored_and_noted(tmp_path: Path, sqlite_url: str) -> None:
    routes = [case_route("aws_gpu", "dl2q_real_record")]
    result, _ = _run(tmp_path, sqlite_url, routes)
    assert (result.status, result.items_stored) == ("succeeded", 4), result.error
    [run] = runs(migrated(sqlite_url))
    assert run.details is not None
    assert any("unknown GPU 'Qualcomm AI 100 Accelerators'" in note for note in run.details["notes"])


def _padded_instances_json(min_bytes: int) -> bytes:
    """The constructed GPU records followed by CPU-only records until the body passes `min_bytes`."""
    records: list[Any] = json.loads((CASES / "p4d_p4de_p5_g5" / "response.json").read_text(encoding="utf-8"))
    region = {"linux": {"ondemand": "0.096", "reserved": {f"yrTerm{n}.x": "0.06" for n in range(40)}}}
    filler = {"family": "General purpose", "GPU": 0, "vCPU": 2, "memory": 8, "pricing": {}}
    filler["pricing"] = {f"xx-region-{n}": region for n in range(30)}
    one = len(json.dumps({"instance_type": "m5.large", **filler}))
    records += [{"instance_type": f"m5.large{n}", **filler} for n in range(min_bytes // one + 1)]
    return json.dumps(records).encode()


def test_a_file_above_scrapys_warn_size_is_read_whole_without_a_size_warning(tmp_path: Path) -> None:
    body = _padded_instances_json(40 * 1024 * 1024)  # Scrapy warns from 32 MiB and cancels from 1 GiB by default
    out = tmp_path / "out.jsonl"
    with ReplayServer([Route(PATH, [Reply(body)])]) as server:
        done = scrapy_crawl(
            ["crawl", "aws_gpu", "-a", f"endpoint={server.url}{PATH}", "-O", str(out), *FAST_ARGS], tmp_path
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "larger than download warn size" not in done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10
    assert {(r["instance_type"], r["gpu_model"]) for r in rows} >= {
        ("p4d.24xlarge", "A100-40G"),
        ("p4de.24xlarge", "A100-80G"),
        ("p5.48xlarge", "H100-80G"),
    }


def test_a_file_above_the_configured_size_limit_fails_the_run(tmp_path: Path, sqlite_url: str) -> None:
    result, _ = _run(tmp_path, sqlite_url, aws_routes(), settings={"DOWNLOAD_MAXSIZE": 1000, "RETRY_TIMES": 0})
    assert result.status == "failed"
    assert "larger than the 1000 bytes limit (DOWNLOAD_MAXSIZE" in (result.error or ""), result.error
    assert count_offers(migrated(sqlite_url)) == 0


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (Reply(b'[{"instance_type": "p4d.24xlarge", "GPU": 8, "pricing": {'), "failed", "malformed JSON"),
        (case_reply("aws_gpu", "not_a_list"), "failed", "JSON array"),
        (Reply(b"<html><body>Access Denied</body></html>", content_type="text/html"), "blocked", "captcha page"),
        (Reply(b"[]"), "failed", "no GPU offer in instances.json"),
        (Reply(b"oops", status=500), "failed", "HTTP 500"),
        (Reply(b"denied", status=403), "blocked", "HTTP 403"),
    ],
)  # fmt: skip
def test_a_bad_file_is_a_failed_run_with_its_reason(
    tmp_path: Path, sqlite_url: str, reply: Reply, status: str, reason: str
) -> None:
    result, _ = _run(tmp_path, sqlite_url, [Route(PATH, [reply])])
    [run] = runs(migrated(sqlite_url))
    assert (run.status, run.error) == (result.status, result.error)
    assert result.status == status
    assert reason in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0
