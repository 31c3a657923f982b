"""One round reported by two of the funding sources is one funding_rounds row with two mentions."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.config import load_config
from monitor.crawling import CrawlRunner
from monitor.replay import ReplayServer
from spiders.items import FundingRound
from spiders.parsers import googlenews_funding, kr36_funding, pedaily_funding, techcrunch_funding
from spiders.parsers.contract import Request
from storage.db import session_factory
from storage.models import FundingRound as FundingRoundRow
from storage.writes import write_funding_rounds
from tests.crawl_support import migrated, write_config
from tests.fixture_cases import load_case
from tests.test_funding_crawl import ENDPOINT_PATHS, funding_routes


def _rounds(source: str, case_name: str) -> list[FundingRound]:
    case = load_case(source, case_name)
    body = case.response_text.encode("utf-8")
    if source == "kr36_funding":
        gateway = Request(step="gateway")
        items = kr36_funding.parse(body, url=case.url, fetched_at=case.fetched_at, request=gateway).items
    elif source == "pedaily_funding":
        items = pedaily_funding.parse(case.response_text, url=case.url, fetched_at=case.fetched_at).items
    else:
        module = techcrunch_funding if source == "techcrunch_funding" else googlenews_funding
        items = module.parse(body, url=case.url, fetched_at=case.fetched_at).items
    return [item for item in items if isinstance(item, FundingRound)]


def _stored(url: str, company: str) -> list[FundingRoundRow]:
    with session_factory(migrated(url))() as session:
        query = select(FundingRoundRow).where(FundingRoundRow.company == company)
        rows = list(session.scalars(query.options(selectinload(FundingRoundRow.mentions))))
        session.expunge_all()
    return rows


def test_the_same_round_from_techcrunch_and_google_news_is_one_round_with_two_mentions(db_url: str) -> None:
    engine = migrated(db_url)
    with session_factory(engine).begin() as session:
        first = write_funding_rounds(
            session, [asdict(r) for r in _rounds("techcrunch_funding", "venture_feed_funding")]
        )
        second = write_funding_rounds(session, [asdict(r) for r in _rounds("googlenews_funding", "ai_funding_query")])
    assert (first.stored, second.stored, second.unchanged) == (2, 2, 1)
    # Anthropic's $65B round once; Google's planned investment weeks earlier is another event.
    rounds = sorted(_stored(db_url, "Anthropic"), key=lambda r: r.published_at)
    assert [(r.round, r.status, len(r.mentions)) for r in rounds] == [("Undisclosed", "planned", 1),
                                                                      ("Undisclosed", "completed", 2)]  # fmt: skip
    assert sorted(m.source for m in rounds[1].mentions) == ["googlenews_funding", "techcrunch_funding"]


def test_a_later_mention_fills_what_the_first_one_lacked(db_url: str) -> None:
    engine = migrated(db_url)
    with session_factory(engine).begin() as session:
        write_funding_rounds(session, [asdict(r) for r in _rounds("pedaily_funding", "vcpeevent_list")])
        write_funding_rounds(session, [asdict(r) for r in _rounds("kr36_funding", "gateway_funding_items")])
    [row] = _stored(db_url, "博登智能")
    assert sorted(m.source for m in row.mentions) == ["kr36_funding", "pedaily_funding"]
    assert row.investors == sorted(["鼎晖百孚", "清新资本", "鲁信创投", "深产投"])  # the list headline had none
    assert (row.round, row.currency) == ("A++", "CNY")


@pytest.mark.slow
def test_two_crawls_of_two_sources_store_one_round_with_two_mentions(tmp_path: Path, sqlite_url: str) -> None:
    engine = migrated(sqlite_url)
    sources = ("kr36_funding", "pedaily_funding")
    with ReplayServer([route for s in sources for route in funding_routes(s)]) as server:
        sections = {s: {"every": "1h", "endpoint": server.url + ENDPOINT_PATHS[s]} for s in sources}
        runner = CrawlRunner(load_config(write_config(tmp_path, sqlite_url, sections)), engine)
        results = [runner.run(s) for s in sources]
    assert [(r.status, r.items_stored) for r in results] == [("succeeded", 4), ("succeeded", 2)]
    [boden] = _stored(sqlite_url, "博登智能")
    assert sorted((m.source, m.url) for m in boden.mentions) == [
        ("kr36_funding", "https://36kr.com/newsflashes/3834056145069701"),
        ("pedaily_funding", "https://news.pedaily.cn/202606/555103.shtml"),
    ]


def test_any_mention_saying_ai_wins_when_mentions_merge(db_url: str) -> None:
    engine = migrated(db_url)
    tc = next(r for r in _rounds("techcrunch_funding", "venture_feed_funding") if r.company == "Anthropic")
    first, later = asdict(tc), asdict(tc)
    first.update(source="an_outlet", url="https://outlet.test/a", ai_related=False)
    later.update(source="another_outlet", url="https://outlet.test/b", ai_related=True)
    with session_factory(engine).begin() as session:
        write_funding_rounds(session, [first])
        write_funding_rounds(session, [later])
        write_funding_rounds(
            session, [{**later, "source": "third", "url": "https://outlet.test/c", "ai_related": False}]
        )
    [row] = [r for r in _stored(db_url, "Anthropic") if r.status == "completed"]
    assert (row.ai_related, len(row.mentions)) == (True, 3)  # the first outlet's "not AI" is corrected, never undone
