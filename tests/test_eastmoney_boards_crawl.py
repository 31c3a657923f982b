"""eastmoney_boards through the real Scrapy engine: paging to the total, members in the run's details, bad answers."""

from __future__ import annotations

import json
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from core.config import load_config
from monitor.crawling import CrawlResult, CrawlRunner
from monitor.replay import ReplayServer, Reply, Route, case_reply
from spiders.items import Quote
from storage.db import session_factory
from storage.models import CrawlRun
from storage.models import Quote as QuoteRow
from tests.crawl_support import FAST_SETTINGS, migrated, runs, scrapy_crawl, write_config

pytestmark = pytest.mark.slow

SOURCE = "eastmoney_boards"
PATH = "/em/api/qt/clist/get"
FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
MEMBERS = ["002230.SZ", "002368.SZ", "603918.SH", "688668.SH", "830799.BJ"]


def _reply(case: str, **options: Any) -> Reply:
    return case_reply(SOURCE, case, **options)


def _page(board: str, page: int, reply: Reply) -> Route:
    return Route(PATH, [reply], {"fs": f"b:{board} f:!50", "pn": str(page)})


def _two_pages(board: str = "BK0800") -> list[Route]:
    return [
        _page(board, 1, _reply("bk0800_page1_constructed")),
        _page(board, 2, _reply("bk0800_page2_constructed")),
    ]


def _crawl(
    tmp_path: Path, db_url: str, routes: list[Route], args: dict[str, Any] | None, quotes_toml: str = ""
) -> tuple[CrawlResult, Engine, ReplayServer]:
    engine = migrated(db_url)
    with ReplayServer(routes) as server:
        section: dict[str, Any] = {"every": "1d", "endpoint": server.url + PATH}
        if args is not None:
            section["args"] = args
        path = write_config(tmp_path, db_url, {SOURCE: section})
        if quotes_toml:
            path.write_text(path.read_text(encoding="utf-8") + "\n[quotes]\n" + quotes_toml, encoding="utf-8")
        result = CrawlRunner(load_config(path), engine).run(SOURCE)
    return result, engine, server


def _stored(engine: Engine) -> list[QuoteRow]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(QuoteRow).order_by(QuoteRow.symbol)))


def _count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(QuoteRow)) or 0)


def _last_run(engine: Engine) -> CrawlRun:
    return runs(engine)[-1]


# --- success ---------------------------------------------------------------------------------------


def test_board_is_paged_to_its_total_and_members_are_recorded_in_the_run(tmp_path: Path, db_url: str) -> None:
    result, engine, server = _crawl(tmp_path, db_url, _two_pages(), {"boards": "BK0800", "page_size": 3})
    assert (result.status, result.items_stored) == ("succeeded", 5), result.error
    assert [(r.query["pn"], r.query["pz"], r.query["fid"]) for r in server.requests] == [
        ("1", "3", "f12"),
        ("2", "3", "f12"),
    ]
    assert all(r.headers.get("Referer") == "https://quote.eastmoney.com/" and r.query["ut"] for r in server.requests)
    details = _last_run(engine).details or {}
    assert details["boards"] == {"BK0800": MEMBERS}
    assert details["board_totals"] == {"BK0800": 5}
    stored = {q.symbol: q for q in _stored(engine)}
    assert sorted(stored) == MEMBERS
    assert (stored["002230.SZ"].price, stored["002230.SZ"].change_pct, stored["002230.SZ"].source) == (
        Decimal("48.12"), Decimal("0.56"), SOURCE,
    )  # fmt: skip
    assert (stored["830799.BJ"].status, stored["830799.BJ"].price) == ("halted", None)


def test_boards_default_to_the_quotes_section_of_the_config(tmp_path: Path, sqlite_url: str) -> None:
    result, engine, server = _crawl(
        tmp_path, sqlite_url, _two_pages(), {"page_size": 3}, quotes_toml='boards = ["BK0800"]\n'
    )
    assert (result.status, result.items_stored) == ("succeeded", 5), result.error
    assert {r.query["fs"] for r in server.requests} == {"b:BK0800 f:!50"}
    assert list((_last_run(engine).details or {})["boards"]) == ["BK0800"]


def test_a_share_in_two_boards_is_stored_once_and_listed_in_both(tmp_path: Path, sqlite_url: str) -> None:
    routes = [*_two_pages(), _page("BK1184", 1, _reply("scaled_integers_in_session_constructed"))]
    result, engine, _ = _crawl(tmp_path, sqlite_url, routes, {"boards": "BK0800,BK1184", "page_size": 3})
    assert (result.status, result.items_stored) == ("succeeded", 6), result.error
    boards = (_last_run(engine).details or {})["boards"]
    assert boards["BK0800"] == MEMBERS
    assert boards["BK1184"] == ["002230.SZ", "688256.SH"]
    assert [q.symbol for q in _stored(engine)].count("002230.SZ") == 1


def test_an_unknown_board_beside_a_known_one_is_a_note(tmp_path: Path, sqlite_url: str) -> None:
    routes = [*_two_pages(), _page("BK9999", 1, _reply("unknown_board_constructed"))]
    result, engine, _ = _crawl(tmp_path, sqlite_url, routes, {"boards": "BK0800,BK9999", "page_size": 3})
    assert (result.status, result.items_stored) == ("succeeded", 5), result.error
    details = _last_run(engine).details or {}
    assert list(details["boards"]) == ["BK0800"]
    assert "BK9999: unknown to eastmoney_boards (the answer has no data)" in details["notes"]


def test_scrapy_crawl_with_endpoint_and_boards_writes_quote_fields(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ReplayServer(_two_pages()) as server:
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={server.url}{PATH}", "-a", "boards=BK0800", "-a", "page_size=3",
             "-O", str(out), *FAST_ARGS],
            tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["symbol"] for r in rows] == MEMBERS
    assert all(set(row) == {f.name for f in fields(Quote)} for row in rows)
    assert (rows[2]["price"], rows[2]["quote_time"], rows[2]["kind"]) == ("23.5", "2026-04-24T15:00:00+08:00", "stock")


# --- bad input -------------------------------------------------------------------------------------


def _failed(tmp_path: Path, sqlite_url: str, routes: list[Route], args: dict[str, Any] | None) -> tuple[str, str, int]:
    result, engine, server = _crawl(tmp_path, sqlite_url, routes, args)
    assert _count(engine) == 0, "a failed run stores nothing"
    run = _last_run(engine)
    assert (run.status, run.error) == (result.status, result.error)
    return result.status, result.error or "", len(server.requests)


def test_more_pages_than_the_cap_fail_the_run_after_the_first_page(tmp_path: Path, sqlite_url: str) -> None:
    status, error, requests = _failed(tmp_path, sqlite_url, _two_pages(), {"boards": "BK0800", "page_size": 3,
                                                                         "max_pages": 1})  # fmt: skip
    assert (status, requests) == ("failed", 1)
    assert "BK0800 has 5 members: 2 pages of 3 is more than max_pages=1" in error


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (Reply(b"oops", status=500, content_type="text/plain"), "failed", "HTTP 500"),
        (Reply(b"denied", status=403, content_type="text/plain"), "blocked", "HTTP 403"),
        (Reply(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"), "failed", "HTML instead"),
        (Reply(b'{"rc":0,"data":'), "failed", "malformed JSON"),
        (Reply(b'{"rc":102,"data":null}'), "failed", "rc=102"),
        (Reply(b'{"rc":0,"data":{"total":0,"diff":[]}}'), "failed", "no member listed for any board (BK0800)"),
        (Reply(b'{"rc":0,"data":null}'), "failed", "no board known to Eastmoney (BK0800)"),
    ],
)  # fmt: skip
def test_a_bad_first_page_is_a_failed_or_blocked_run(
    tmp_path: Path, sqlite_url: str, reply: Reply, status: str, reason: str
) -> None:
    found = _failed(tmp_path, sqlite_url, [_page("BK0800", 1, reply)], {"boards": "BK0800"})
    assert found[0] == status
    assert reason in found[1]


def test_a_failing_second_page_discards_the_first(tmp_path: Path, sqlite_url: str) -> None:
    routes = [_page("BK0800", 1, _reply("bk0800_page1_constructed")),
              _page("BK0800", 2, Reply(b'{"rc":0,"data":{"total":5,"diff":[{"f12":"688668"}]}}'))]  # fmt: skip
    status, error, _ = _failed(tmp_path, sqlite_url, routes, {"boards": "BK0800", "page_size": 3})
    assert (status, "cannot parse" in error, "market (f13)" in error) == ("failed", True, True)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"boards": "0800"}, "bad -a boards: 0800"),
        ({"boards": " , "}, "no boards"),
        (None, "no boards"),
    ],
)
def test_bad_or_missing_boards_fail_the_run_without_a_request(
    tmp_path: Path, sqlite_url: str, args: dict[str, Any] | None, reason: str
) -> None:
    status, error, requests = _failed(tmp_path, sqlite_url, [], args)
    assert (status, reason in error, requests) == ("failed", True, 0)
