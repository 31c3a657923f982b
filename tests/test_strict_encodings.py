"""Bodies are decoded strictly, with the source's declared fallbacks; mojibake is never stored (issue 16.6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply, case_route
from spiders.errors import ParseError
from spiders.items import GpuOffer
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text
from spiders.validation import problems
from storage.db import session_factory
from storage.models import FundingRound
from storage.queries import latest
from tests.crawl_support import AZURE_PATH, count_offers, migrated, runs, write_config

PEDAILY_PATH = "/vcpeevent/"
LAMBDA_PATH = "/service/gpu-cloud"
UTF8_HTML = "text/html; charset=utf-8"


def _crawl(tmp_path: Path, db_url: str, source: str, path: str, route: Route) -> CrawlResult:
    engine = migrated(db_url)
    with ReplayServer([route]) as server:
        section = {"every": "1h", "endpoint": server.url + path}
        config = load_config(write_config(tmp_path, db_url, {source: section}))
        result = CrawlRunner(config, engine).run(source)
    [run] = runs(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result


def _gbk_pedaily_page() -> Reply:
    """The recorded pedaily list re-encoded as GBK while its header and <meta> still say UTF-8."""
    recorded = case_reply("pedaily_funding", "vcpeevent_list")
    return replace(recorded, body=recorded.body.decode("utf-8").encode("gbk"), content_type=UTF8_HTML)


def test_utf8_is_read_strictly_and_a_gbk_body_needs_a_declared_fallback() -> None:
    gbk = "华北1区 A100".encode("gbk")
    with pytest.raises(ParseError, match=r"the page is not UTF-8 \(byte 0xbb at offset 0\)"):
        decode_text(gbk, what="the page")
    assert decode_text(gbk, fallbacks=CHINESE_FALLBACKS) == "华北1区 A100"
    assert decode_text("华北1区".encode()) == "华北1区"


def test_a_body_no_declared_encoding_reads_is_refused_naming_all_of_them() -> None:
    with pytest.raises(ParseError, match="not UTF-8 nor GB18030"):
        decode_text(b"\x81\x20 broken", fallbacks=CHINESE_FALLBACKS)


def test_a_text_field_holding_a_replacement_character_is_a_validation_error() -> None:
    offer = GpuOffer(
        source="tencent_gpu", url="https://example.test", observed_at=datetime(2026, 12, 1, tzinfo=UTC),
        provider="tencent", instance_type="GT4.4XLARGE96", region="\ufffd\ufffd1", gpu_model="A100-40G",
        gpu_count=Decimal(1), billing="on_demand", currency="CNY", price=Decimal("28.64"),
    )  # fmt: skip
    [reason] = problems(offer)
    assert reason.startswith("region '\ufffd\ufffd1' holds U+FFFD: the answer was decoded with the wrong encoding")


@pytest.mark.slow
def test_gbk_declared_as_utf8_from_a_chinese_source_is_stored_as_the_right_text(tmp_path: Path, db_url: str) -> None:
    route = case_route("pedaily_funding", "vcpeevent_list", _gbk_pedaily_page())
    result = _crawl(tmp_path, db_url, "pedaily_funding", PEDAILY_PATH, route)
    assert (result.status, result.items_stored, result.items_dropped) == ("succeeded", 3, 0), result.error
    with session_factory(migrated(db_url))() as session:
        companies = sorted(session.scalars(select(FundingRound.company)))
    assert companies == sorted(["博登智能", "耀速科技", "元节智能"])


@pytest.mark.slow
def test_a_body_that_is_not_utf8_from_a_source_without_fallbacks_fails_the_run(tmp_path: Path, sqlite_url: str) -> None:
    page = Path(__file__).parent.parent / "spiders/fixtures/lambda_gpu/pricing_table_20241103/response.html"
    body = page.read_bytes().replace(b"NVIDIA", "NVIDIA\u00ae".encode("latin-1"), 1)
    route = Route(LAMBDA_PATH, [Reply(body, content_type=UTF8_HTML)])
    result = _crawl(tmp_path, sqlite_url, "lambda_gpu", LAMBDA_PATH, route)
    assert result.status == "failed"
    assert "the pricing page is not UTF-8 (byte 0xae at offset" in (result.error or "")
    assert count_offers(migrated(sqlite_url)) == 0


@pytest.mark.slow
def test_an_item_the_source_served_with_replacement_characters_is_dropped_with_its_reason(
    tmp_path: Path, sqlite_url: str
) -> None:
    recorded = case_reply("azure_gpu", "gpu_two_pages_page1")
    mojibake = recorded.body.replace(b'"armRegionName": "eastus"', b'"armRegionName": "\\ufffd\\ufffdus"', 1)
    page2 = case_reply("azure_gpu", "gpu_two_pages_page2")
    route = Route(AZURE_PATH, [replace(recorded, body=mojibake), page2])
    (tmp_path / "clean").mkdir()
    clean = _crawl(tmp_path / "clean", sqlite_url.replace(".db", "-clean.db"), "azure_gpu", AZURE_PATH,
                   Route(AZURE_PATH, [recorded, page2]))  # fmt: skip
    result = _crawl(tmp_path, sqlite_url, "azure_gpu", AZURE_PATH, route)
    assert (result.status, result.items_dropped) == ("succeeded", 1), result.error
    assert result.items_stored == clean.items_stored - 1
    [reason] = (result.details or {})["dropped"]
    assert "region '\ufffd\ufffdus' holds U+FFFD" in reason
    with session_factory(migrated(sqlite_url))() as session:
        assert all("\ufffd" not in offer.region for offer in latest(session, "gpu"))
