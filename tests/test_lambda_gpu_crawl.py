"""lambda_gpu through the real Scrapy engine against the recorded pricing page on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route
from spiders.items import GpuOffer
from storage.db import session_factory
from storage.queries import latest
from tests.crawl_support import FAST_SETTINGS, FIXTURES, count_offers, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

SOURCE = "lambda_gpu"
PATH = "/service/gpu-cloud"


def lambda_page(case: str = "pricing_table_20241103", **kwargs: Any) -> Reply:
    """A recorded page as an HTML reply."""
    return Reply.file(FIXTURES / SOURCE / case / "response.html", content_type="text/html; charset=utf-8", **kwargs)


def _crawl(tmp_path: Path, db_url: str, reply: Reply) -> CrawlResult:
    engine = migrated(db_url)
    with ReplayServer([Route(PATH, [reply])]) as server:
        config = load_config(write_config(tmp_path, db_url, {SOURCE: {"every": "12h", "endpoint": server.url + PATH}}))
        result = CrawlRunner(config, engine).run(SOURCE)
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result


def test_the_real_page_stores_every_on_demand_instance(tmp_path: Path, db_url: str) -> None:
    result = _crawl(tmp_path, db_url, lambda_page())
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 17, 0), result.error
    with session_factory(migrated(db_url))() as session:
        rows = {o.instance_type: o for o in latest(session, "gpu", source=SOURCE)}
    a100 = rows["8x NVIDIA A100 SXM (40 GB)"]
    assert (a100.gpu_model, a100.price, a100.price_per_gpu_hour, a100.region) == (
        "A100-40G",
        Decimal("10.32"),
        Decimal("1.29"),
        "global",
    )


def test_the_current_tabbed_page_stores_every_instance_of_every_tab(tmp_path: Path, db_url: str) -> None:
    result = _crawl(tmp_path, db_url, lambda_page("tabbed_all_sizes_20260822"))
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 22, 0), result.error
    with session_factory(migrated(db_url))() as session:
        rows = {o.instance_type: o for o in latest(session, "gpu", source=SOURCE)}
    b200 = rows["8x NVIDIA B200 SXM6 (180 GB)"]
    assert (b200.gpu_model, b200.price, b200.price_per_gpu_hour) == ("B200-180G", Decimal("53.52"), Decimal("6.69"))


def test_an_unknown_gpu_model_is_named_in_the_run_details(tmp_path: Path, db_url: str) -> None:
    page = (FIXTURES / SOURCE / "pricing_table_20241103" / "response.html").read_text(encoding="utf-8")
    renamed = page.replace("Quadro RTX 6000", "Quadro RTX 8000").encode("utf-8")
    result = _crawl(tmp_path, db_url, Reply(renamed, content_type="text/html; charset=utf-8"))
    assert result.status == "succeeded", result.error
    [run] = runs(migrated(db_url))
    assert "unknown GPU model 'NVIDIA Quadro RTX 8000'" in json.dumps(run.details, ensure_ascii=False)


def test_scrapy_crawl_writes_the_design_field_names(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fast = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    with ReplayServer([Route(PATH, [lambda_page()])]) as server:
        done = scrapy_crawl(["crawl", SOURCE, "-a", f"endpoint={server.url}{PATH}", "-O", str(out), *fast], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Deprecat" not in done.stderr, done.stderr[-3000:]  # no setting or API Scrapy has deprecated
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 17
    assert all(set(row) == {f.name for f in fields(GpuOffer)} for row in rows)


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (lambda_page("cloudflare_challenge"), "blocked", "Cloudflare challenge"),
        (lambda_page("cloudflare_challenge", status=403), "blocked", "HTTP 403"),
        (lambda_page("layout_changed"), "failed", "layout changed"),
        (Reply(b"", content_type="text/html"), "failed", "layout changed"),
        (Reply(b"gateway", status=502), "failed", "HTTP 502"),
    ],
)
def test_bad_page_is_a_failed_or_blocked_run_that_stores_nothing(
    tmp_path: Path, sqlite_url: str, reply: Reply, status: str, reason: str
) -> None:
    result = _crawl(tmp_path, sqlite_url, reply)
    assert result.status == status
    assert reason in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0
