"""`aipulse demo` fills a kept store with simulated weeks from the fixtures; `--serve`; the replay routes."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from core.config import AppConfig, load_config
from monitor.crawling import CrawlRunner, spider_classes
from monitor.demo import demo_config, demo_sources
from monitor.replay import ReplayServer, fixture_routes, fixtures_root
from monitor.show_funding import add_parser, cmd_show_funding
from storage.db import session_factory
from storage.models import FundingRound as FundingRoundRow
from tests.crawl_support import migrated, scrapy_crawl, write_config

AZURE = fixtures_root() / "azure_gpu"
AUTODL = fixtures_root() / "autodl_gpu"


def _aipulse(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _section(report: str, heading: str) -> str:
    return report.split(heading, 1)[1].split("\n## ", 1)[0]


@pytest.mark.slow
def test_demo_then_report_weekly_fills_every_section_of_last_week(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "monitor", "demo", "--weeks", "2", "--database", str(tmp_path / "data" / "demo.db")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert demo.stdout is not None
    lines = []
    for line in demo.stdout:  # each source's result is printed as it finishes, not at the end
        lines.append(line)
        if "[ 1/24]" in line:
            assert demo.poll() is None, "the first result came only after the demo ended"
            break
    lines += demo.stdout.readlines()
    assert demo.wait(timeout=600) == 0, "".join(lines)
    output = "".join(lines)
    assert "azure_gpu: succeeded, 4 stored, 0 dropped" in output
    assert "day 14/14" in output
    report = _aipulse(
        "report", "weekly", "--config", str(tmp_path / "data" / "demo.toml"), "--lang", "en", "--format", "md",
        cwd=tmp_path,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "demo data" in report.stderr
    text = next((tmp_path / "data" / "reports").glob("*.md")).read_text(encoding="utf-8")
    assert "Demo data: made by" in text
    gpu = _section(text, "## 1. GPU rental prices")
    week_over_week = [row.split("|")[10].strip() for row in gpu.splitlines() if row.startswith("| ") and "USD" in row]
    assert week_over_week and sum(value.endswith("%") for value in week_over_week) > len(week_over_week) / 2
    assert "| ChatGPT · chatgpt.com | 1," in _section(text, "## 2. AI website traffic")
    assert _section(text, "## 3. AI funding").count("\n| ") >= 4
    assert "| 沪深300 · 000300.SH |" in _section(text, "## 4. Market review")
    assert "| 002230.SZ | 科大讯飞 |" in _section(text, "## 5. Watch list")
    alerts = _section(text, "## 6. Alerts and data health")
    assert "gpu-price-move · change | firing" in alerts
    assert "| azure\\_gpu | gpu | ok | 7 | 0 |" in alerts
    shown = _aipulse("show", "gpu", "--config", str(tmp_path / "data" / "demo.toml"), cwd=tmp_path)
    assert shown.returncode == 0 and "Standard_NC24ads_A100_v4" in shown.stdout
    assert "demo data" in shown.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_demo_serve_keeps_the_replay_server_up_for_a_scrapy_crawl(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "monitor", "demo", "--serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith(f"serving the recorded responses on http://127.0.0.1:{port}"), first
        endpoint = f"http://127.0.0.1:{port}/api/retail/prices"
        done = scrapy_crawl(["crawl", "azure_gpu", "-a", f"endpoint={endpoint}", "-O", "out.jsonl"], cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        items = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
        assert len(items) == 4 and {i["instance_type"] for i in items} >= {"Standard_NC24ads_A100_v4"}
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0


def test_demo_serve_on_a_taken_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = _aipulse("demo", "--serve", "--port", str(taken.getsockname()[1]), cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot listen on 127.0.0.1:" in done.stderr


def _fetch(url: str, body: bytes | None = None) -> tuple[str, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as answer:
        return answer.headers["Content-Type"], answer.read()


def test_pages_on_one_path_are_told_apart_by_the_recorded_query_key_that_differs() -> None:
    routes = fixture_routes({"azure_gpu": ["gpu_two_pages_page1", "gpu_two_pages_page2"]})
    assert [(r.method, r.path, dict(r.query)) for r in routes] == [
        ("GET", "/api/retail/prices", {"$skip": None}),
        ("GET", "/api/retail/prices", {"$skip": "1000"}),
    ]
    with ReplayServer(routes) as server:
        first = _fetch(f"{server.url}/api/retail/prices?api-version=x")
        second = _fetch(f"{server.url}/api/retail/prices?api-version=x&$skip=1000")
    assert first == ("application/json", (AZURE / "gpu_two_pages_page1" / "response.json").read_bytes())
    assert second[1] == (AZURE / "gpu_two_pages_page2" / "response.json").read_bytes()


def test_cases_nothing_tells_apart_are_served_in_the_order_given() -> None:
    cases = {"autodl_gpu": ["market_two_pages_page1", "market_two_pages_page2"]}
    with ReplayServer.from_fixtures(cases) as server:
        bodies = [_fetch(f"{server.url}/api/v1/user/machine/list", b"{}")[1] for _ in range(3)]
    page1, page2 = ((AUTODL / name / "response.json").read_bytes() for name in cases["autodl_gpu"])
    assert bodies == [page1, page2, page2]  # the last reply repeats


def _case(root: Path, source: str, case: str, request: dict[str, object] | None) -> None:
    folder = root / source / case
    folder.mkdir(parents=True)
    (folder / "response.json").write_text("{}")
    meta: dict[str, object] = {"url": "https://x.example/api", "fetched_at": "2026-11-20T06:00:00+00:00"}
    meta |= {"origin": "o", "constructed": True} | ({"request": request} if request is not None else {})
    (folder / "meta.json").write_text(json.dumps(meta))


def test_two_sources_answering_the_same_request_are_refused(tmp_path: Path) -> None:
    request = {"method": "GET", "path": "/api", "query": {}, "content_type": "application/json"}
    _case(tmp_path, "a_gpu", "one", request)
    _case(tmp_path, "b_gpu", "one", request)
    with pytest.raises(ValueError, match=r"a_gpu/one, b_gpu/one all answer GET /api"):
        fixture_routes({"a_gpu": ["one"], "b_gpu": ["one"]}, tmp_path)


def test_a_case_without_its_recorded_request_says_how_to_record_it(tmp_path: Path) -> None:
    _case(tmp_path, "a_gpu", "one", None)
    with pytest.raises(ValueError, match=r"a_gpu/one/meta.json: key .request. is missing.*tests.tools.record_requests"):
        fixture_routes({"a_gpu": ["one"]}, tmp_path)


def test_every_demo_source_points_at_its_default_endpoint_path_on_the_replay_server() -> None:
    config = demo_config("http://127.0.0.1:9", "sqlite://")
    assert 'endpoint = "http://127.0.0.1:9/api/retail/prices"' in config
    assert config.count("endpoint = ") == len(demo_sources())


@pytest.mark.slow
def test_the_demos_anthropic_round_is_ai_related_and_listed_by_show_funding_ai_only(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    funding = {s: cases for s, cases in demo_sources().items() if s.endswith("_funding")}
    spiders = spider_classes()
    engine = migrated(sqlite_url)
    with ReplayServer.from_fixtures(funding) as server:
        sections = {
            s: {"every": "1h", "endpoint": server.url + urlsplit(spiders[s].default_endpoint).path} for s in funding
        }
        runner = CrawlRunner(load_config(write_config(tmp_path, sqlite_url, sections)), engine)
        assert {runner.run(s, "demo").status for s in funding} == {"succeeded"}
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="what"))
    with session_factory(engine)() as session:
        rows = session.scalars(select(FundingRoundRow).where(FundingRoundRow.company == "Anthropic")).all()
        [big] = [row for row in rows if row.amount_min == 65_000_000_000]
        assert big.ai_related is True  # no AI word in "Anthropic raises $65 billion…": the known-company list
        args = parser.parse_args(["funding", "--since", "100000d", "--ai-only"])
        assert cmd_show_funding(args, AppConfig(), session) == 0
    out = capsys.readouterr().out
    assert any("Anthropic" in line and "65" in line for line in out.splitlines()), out
