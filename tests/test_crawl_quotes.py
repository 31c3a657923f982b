"""The four quote spiders through the real Scrapy engine against recorded answers on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from core.config import AppConfig, load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route
from spiders.items import Quote
from storage.db import session_factory
from storage.models import CrawlRun
from storage.models import Quote as QuoteRow
from tests.crawl_support import FAST_SETTINGS, FIXTURES, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
#: where each source's endpoint sits on the replay server (the spider adds /q=…, /list=…, ?secid=…, /<symbol>)
ENDPOINTS = {
    "tencent_quotes": "/tencent",
    "sina_quotes": "/sina",
    "eastmoney_quotes": "/em/api/qt/stock/get",
    "yahoo_quotes": "/yahoo/v8/finance/chart",
    "eastmoney_klines": "/emhis/api/qt/stock/kline/get",
}
TEXT = "text/plain; charset=GBK"


def _reply(source: str, case: str, **options: Any) -> Reply:
    [path] = (FIXTURES / source / case).glob("response.*")
    return Reply.file(path, **options)


def _config(
    tmp_path: Path, db_url: str, server_url: str, source: str, symbols: str | None, **options: Any
) -> AppConfig:
    section: dict[str, Any] = {"every": "5m", "endpoint": server_url + ENDPOINTS[source], **options}
    if symbols is not None:
        section["args"] = {"symbols": symbols, **section.get("args", {})}
    return load_config(write_config(tmp_path, db_url, {source: section}))


def _crawl(
    tmp_path: Path, db_url: str, source: str, symbols: str | None, routes: list[Route], **options: Any
) -> tuple[CrawlResult, Engine, ReplayServer]:
    engine = migrated(db_url)
    with ReplayServer(routes) as server:
        result = CrawlRunner(_config(tmp_path, db_url, server.url, source, symbols, **options), engine).run(source)
    return result, engine, server


def _stored(engine: Engine) -> list[QuoteRow]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(QuoteRow).order_by(QuoteRow.symbol, QuoteRow.quote_time)))


def _count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(QuoteRow)) or 0)


def _last_run(engine: Engine) -> CrawlRun:
    return runs(engine)[-1]


# --- success ---------------------------------------------------------------------------------------


def test_tencent_stores_a_shares_and_a_second_run_stores_no_duplicate(tmp_path: Path, db_url: str) -> None:
    routes = [Route("/tencent/q=sh600519,sz000001", [_reply("tencent_quotes", "a_shares_gbk", content_type=TEXT)])]
    engine = migrated(db_url)
    with ReplayServer(routes) as server:
        runner = CrawlRunner(_config(tmp_path, db_url, server.url, "tencent_quotes", "600519.SH,000001.SZ"), engine)
        first, second = runner.run("tencent_quotes"), runner.run("tencent_quotes")
    assert (first.status, first.items_stored) == ("succeeded", 2), first.error
    assert (second.status, second.items_stored, second.items_unchanged) == ("succeeded", 0, 2)
    moutai, pingan = _stored(engine)[::-1]
    assert (moutai.symbol, moutai.name, moutai.price, moutai.volume) == (
        "600519.SH",
        "贵州茅台",
        Decimal("1445.5"),
        2086200,
    )
    assert (moutai.limit_up, moutai.source, pingan.symbol) == (Decimal("1560.9"), "tencent_quotes", "000001.SZ")


def test_tencent_hk_batch_is_one_request(tmp_path: Path, sqlite_url: str) -> None:
    routes = [Route("/tencent/q=hk00700,hk09988", [_reply("tencent_quotes", "hk_two_codes")])]
    result, engine, server = _crawl(tmp_path, sqlite_url, "tencent_quotes", "0700.HK,9988.HK", routes)
    assert (result.status, result.items_stored, len(server.requests)) == ("succeeded", 2, 1)
    assert [(q.symbol, q.currency, q.price) for q in _stored(engine)] == [
        ("0700.HK", "HKD", Decimal("478.8")),
        ("9988.HK", "HKD", Decimal("123.8")),
    ]


def test_one_unknown_symbol_in_a_batch_stores_the_others_and_is_noted(tmp_path: Path, sqlite_url: str) -> None:
    routes = [Route("/tencent/q=sh600519,sz999999", [_reply("tencent_quotes", "one_unknown_in_batch")])]
    result, engine, _ = _crawl(tmp_path, sqlite_url, "tencent_quotes", "600519.SH,999999.SZ", routes)
    assert (result.status, result.items_stored) == ("succeeded", 1), result.error
    assert [q.symbol for q in _stored(engine)] == ["600519.SH"]
    notes = (_last_run(engine).details or {}).get("notes", [])
    assert any("999999.SZ: unknown to tencent_quotes" in note for note in notes)


def test_sina_sends_the_referer_and_stores_the_computed_change(tmp_path: Path, sqlite_url: str) -> None:
    routes = [Route("/sina/list=sh600519,sz000001", [_reply("sina_quotes", "a_shares_gbk", content_type=TEXT)])]
    result, engine, server = _crawl(tmp_path, sqlite_url, "sina_quotes", "600519.SH,000001.SZ", routes)
    assert (result.status, result.items_stored) == ("succeeded", 2), result.error
    assert server.requests[0].headers.get("Referer") == "https://finance.sina.com.cn"
    assert [q.change_pct for q in _stored(engine)] == [Decimal("0.1818"), Decimal("1.8675")]


def test_eastmoney_asks_each_field_once_with_token_and_referer(tmp_path: Path, sqlite_url: str) -> None:
    path = ENDPOINTS["eastmoney_quotes"]
    routes = [Route(path, [_reply("eastmoney_quotes", "a_share_scaled")], {"secid": "1.600519"})]
    result, engine, server = _crawl(tmp_path, sqlite_url, "eastmoney_quotes", "600519.SH", routes)
    assert (result.status, result.items_stored) == ("succeeded", 1), result.error
    [seen] = server.requests
    fields_sent = seen.query["fields"].split(",")
    assert len(fields_sent) == len(set(fields_sent)) and "f86" in fields_sent and "f152" in fields_sent
    assert seen.query["ut"] and seen.headers.get("Referer") == "https://quote.eastmoney.com/"
    [quote] = _stored(engine)
    assert (quote.price, quote.change_pct, quote.pe_ttm) == (Decimal("1445.41"), Decimal("1.86"), Decimal("21.99"))


def test_eastmoney_tries_nyse_after_nasdaq_for_a_us_ticker(tmp_path: Path, sqlite_url: str) -> None:
    path = ENDPOINTS["eastmoney_quotes"]
    # A test double in the documented stock/get shape (no real US capture): prices x 1000 (f152 = 3).
    found = {"rc": 0, "data": {"f43": 612345, "f44": 615000, "f45": 601000, "f46": 605000, "f47": 1234567,
             "f48": 755000000.0, "f57": "IBM", "f58": "IBM", "f60": 610000, "f86": 1776974400, "f152": 3,
             "f169": 2345, "f170": 38}}  # fmt: skip
    routes = [
        Route(path, [Reply(b'{"rc":0,"data":null}')], {"secid": "105.IBM"}),
        Route(path, [Reply(json.dumps(found).encode())], {"secid": "106.IBM"}),
    ]
    result, engine, server = _crawl(tmp_path, sqlite_url, "eastmoney_quotes", "IBM", routes)
    assert (result.status, result.items_stored) == ("succeeded", 1), result.error
    assert [r.query["secid"] for r in server.requests] == ["105.IBM", "106.IBM"]
    [quote] = _stored(engine)
    assert (quote.symbol, quote.currency, quote.price, quote.volume) == ("IBM", "USD", Decimal("612.345"), 1234567)


def test_yahoo_stores_hk_with_yesterdays_close(tmp_path: Path, sqlite_url: str) -> None:
    routes = [Route("/yahoo/v8/finance/chart/0700.HK", [_reply("yahoo_quotes", "hk_five_days")])]
    result, engine, server = _crawl(tmp_path, sqlite_url, "yahoo_quotes", "0700.HK", routes)
    assert (result.status, result.items_stored) == ("succeeded", 1), result.error
    assert server.requests[0].query == {"interval": "1d", "range": "5d"}
    [quote] = _stored(engine)
    assert (quote.prev_close, quote.change) == (Decimal("479.2"), Decimal("-0.4"))


def test_yahoo_throttling_then_success_is_retried(tmp_path: Path, sqlite_url: str) -> None:
    throttled = Reply(b"Too Many Requests", status=429, content_type="text/plain", headers={"Retry-After": "0"})
    routes = [Route("/yahoo/v8/finance/chart/0700.HK", [throttled, _reply("yahoo_quotes", "hk_five_days")])]
    result, _, server = _crawl(tmp_path, sqlite_url, "yahoo_quotes", "0700.HK", routes)
    assert (result.status, result.items_stored, len(server.requests)) == ("succeeded", 1, 2)


def test_eastmoney_klines_store_one_closed_quote_per_day(tmp_path: Path, sqlite_url: str) -> None:
    path = ENDPOINTS["eastmoney_klines"]
    routes = [Route(path, [_reply("eastmoney_klines", "day_trimmed")], {"secid": "1.600519", "klt": "101", "fqt": "0"})]
    result, engine, server = _crawl(tmp_path, sqlite_url, "eastmoney_klines", "600519.SH", routes, args={"days": 3})
    assert (result.status, result.items_stored) == ("succeeded", 3), result.error
    assert server.requests[0].query["lmt"] == "3"
    assert [(q.status, q.price) for q in _stored(engine)] == [
        ("closed", Decimal("1413.64")), ("closed", Decimal("1460.18")), ("closed", Decimal("1485")),
    ]  # fmt: skip


def test_scrapy_crawl_with_endpoint_and_symbols_writes_quote_fields(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    routes = [Route("/tencent/q=hk00700,hk09988", [_reply("tencent_quotes", "hk_two_codes")])]
    with ReplayServer(routes) as server:
        done = scrapy_crawl(
            ["crawl", "tencent_quotes", "-a", f"endpoint={server.url}/tencent", "-a", "symbols=0700.HK,9988.HK",
             "-O", str(out), *FAST_ARGS],
            tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["symbol"] for r in rows] == ["0700.HK", "9988.HK"]
    assert all(set(row) == {f.name for f in fields(Quote)} for row in rows)
    assert (rows[0]["price"], rows[0]["quote_time"], rows[0]["volume"]) == (
        "478.800", "2026-08-07T16:08:23+08:00", 16319939,
    )  # fmt: skip


def test_scrapy_list_names_the_four_quote_spiders(tmp_path: Path) -> None:
    done = scrapy_crawl(["list"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(ENDPOINTS) <= set(done.stdout.split())


# --- bad input -------------------------------------------------------------------------------------


def _failed(
    tmp_path: Path, sqlite_url: str, source: str, symbols: str | None, routes: list[Route], **options: Any
) -> tuple[str, str]:
    result, engine, _ = _crawl(tmp_path, sqlite_url, source, symbols, routes, **options)
    assert _count(engine) == 0, "a failed run stores nothing"
    run = _last_run(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result.status, result.error or ""


TENCENT_BATCH = "/tencent/q=sh600519,sz000001"


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (Reply(b"oops", status=500, content_type="text/plain"), "failed", "HTTP 500"),
        (Reply(b"denied", status=403, content_type="text/plain"), "blocked", "HTTP 403"),
        (Reply(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"), "failed", "not a quote line"),
        (Reply(b"", content_type=TEXT), "failed", "empty body"),
        (Reply(b'v_pv_none_match="1";\n', content_type=TEXT), "failed", "no quote for any symbol"),
        (Reply(b'v_sh600519="1~\xff\xfe~600519";\n', content_type=TEXT), "failed", "cannot parse"),
    ],
)  # fmt: skip
def test_tencent_bad_answer_is_a_failed_or_blocked_run(
    tmp_path: Path, sqlite_url: str, reply: Reply, status: str, reason: str
) -> None:
    found = _failed(tmp_path, sqlite_url, "tencent_quotes", "600519.SH,000001.SZ", [Route(TENCENT_BATCH, [reply])])
    assert found[0] == status
    assert reason in found[1]


def test_sina_auth_failed_with_http_200_is_a_blocked_run(tmp_path: Path, sqlite_url: str) -> None:
    routes = [Route("/sina/list=sh600519", [_reply("sina_quotes", "auth_failed", content_type=TEXT)])]
    status, error = _failed(tmp_path, sqlite_url, "sina_quotes", "600519.SH", routes)
    assert (status, 'sys_auth="FAILED"' in error) == ("blocked", True)


def test_yahoo_invalid_crumb_is_a_blocked_run_with_200_or_401(tmp_path: Path, sqlite_url: str) -> None:
    path = "/yahoo/v8/finance/chart/0700.HK"
    status, error = _failed(tmp_path, sqlite_url, "yahoo_quotes", "0700.HK",
                            [Route(path, [_reply("yahoo_quotes", "invalid_crumb")])])  # fmt: skip
    assert (status, "Invalid Crumb" in error) == ("blocked", True)
    status, error = _failed(tmp_path, sqlite_url, "yahoo_quotes", "0700.HK",
                            [Route(path, [_reply("yahoo_quotes", "invalid_crumb", status=401)])])  # fmt: skip
    assert (status, "HTTP 401" in error) == ("blocked", True)


def test_eastmoney_unknown_secid_for_every_symbol_is_a_failed_run(tmp_path: Path, sqlite_url: str) -> None:
    routes = [Route(ENDPOINTS["eastmoney_quotes"], [_reply("eastmoney_quotes", "unknown_secid_constructed")])]
    status, error = _failed(tmp_path, sqlite_url, "eastmoney_quotes", "999999.SZ", routes)
    assert (status, "no quote for any symbol (999999.SZ)" in error) == ("failed", True)


def test_a_failure_in_one_batch_discards_the_other_batches(tmp_path: Path, sqlite_url: str) -> None:
    routes = [
        Route(ENDPOINTS["eastmoney_quotes"], [_reply("eastmoney_quotes", "a_share_scaled")], {"secid": "1.600519"}),
        Route(ENDPOINTS["eastmoney_quotes"], [Reply(b'{"rc":0,"data":')], {"secid": "0.000001"}),
    ]
    status, error = _failed(tmp_path, sqlite_url, "eastmoney_quotes", "600519.SH,000001.SZ", routes)
    assert (status, "malformed JSON" in error) == ("failed", True)


@pytest.mark.parametrize(
    ("symbols", "reason"),
    [
        ("603918.SS", "bad -a symbols"),
        ("002230", "bad -a symbols"),
        (None, "no symbols"),
    ],
)
def test_bad_or_missing_symbols_fail_the_run_without_a_request(
    tmp_path: Path, sqlite_url: str, symbols: str | None, reason: str
) -> None:
    result, _, server = _crawl(tmp_path, sqlite_url, "tencent_quotes", symbols, [])
    assert (result.status, reason in (result.error or ""), server.requests) == ("failed", True, [])


def test_symbols_a_source_cannot_quote_are_skipped_with_a_note(tmp_path: Path, sqlite_url: str) -> None:
    moutai = (FIXTURES / "sina_quotes" / "a_shares_gbk" / "response.txt").read_bytes().split(b"\n")[0]
    routes = [Route("/sina/list=sh600519", [Reply(moutai, content_type=TEXT)])]
    result, engine, server = _crawl(tmp_path, sqlite_url, "sina_quotes", "600519.SH,NVDA", routes)
    assert (result.status, result.items_stored, len(server.requests)) == ("succeeded", 1, 1), result.error
    notes = (_last_run(engine).details or {}).get("notes", [])
    assert "NVDA: sina_quotes does not quote US symbols, skipped" in notes
    only_us, _, server = _crawl(tmp_path, sqlite_url, "sina_quotes", "NVDA", routes)
    assert (only_us.status, "none of the symbols" in (only_us.error or ""), server.requests) == ("failed", True, [])
