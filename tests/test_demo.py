"""`aipulse demo` replays the fixtures on 127.0.0.1 and prints what the whole chain stored; the replay routes."""

from __future__ import annotations

import argparse
import json
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
from tests.crawl_support import migrated, write_config

AZURE = fixtures_root() / "azure_gpu"
AUTODL = fixtures_root() / "autodl_gpu"


@pytest.mark.slow
def test_demo_prints_the_stored_azure_offers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "azure_gpu: succeeded, 4 stored, 0 dropped" in done.stdout
    assert "Standard_NC24ads_A100_v4" in done.stdout
    assert "3.673 USD" in done.stdout
    assert not list(tmp_path.iterdir()), "the demo leaves nothing behind in the working directory"


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
