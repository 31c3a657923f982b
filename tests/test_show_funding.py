"""`aipulse show funding`: the stored rounds as the analyst's weekly table, largest first."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.config import AppConfig
from monitor.show_funding import (
    add_parser,
    build_funding_table,
    cmd_show_funding,
    format_money,
    parse_usd,
    render_funding_table,
)
from spiders.parsers import crunchbase_funding, kr36_funding, pedaily_funding
from spiders.parsers.contract import Request
from storage.db import session_factory
from storage.writes import write_funding_rounds
from tests.crawl_support import migrated
from tests.fixture_cases import load_case

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """A store holding the rounds of the kr36 gateway, pedaily list and Crunchbase round-up fixtures."""
    kr36 = load_case("kr36_funding", "gateway_funding_items")
    pedaily = load_case("pedaily_funding", "vcpeevent_list")
    crunchbase = load_case("crunchbase_funding", "venture_feed_roundup")
    rounds = [
        *kr36_funding.parse(
            kr36.response_text.encode(), url=kr36.url, fetched_at=kr36.fetched_at, request=Request(step="gateway")
        ).items,
        *pedaily_funding.parse(pedaily.response_text, url=pedaily.url, fetched_at=pedaily.fetched_at).items,
        *crunchbase_funding.parse(
            crunchbase.response_text.encode(), url=crunchbase.url, fetched_at=crunchbase.fetched_at
        ).items,
    ]
    factory = session_factory(migrated(sqlite_url))
    with factory.begin() as writing:
        write_funding_rounds(writing, [asdict(r) for r in rounds])
    with factory() as reading:
        yield reading


def test_rounds_are_listed_largest_first_in_usd_with_their_outlets(session: Session) -> None:
    lines = build_funding_table(session, since=SINCE)
    assert [line.company for line in lines][:3] == ["Nscale", "Advanced Machine Intelligence", "Nexthop AI"]
    boden = next(line for line in lines if line.company == "博登智能")
    assert (boden.amount, boden.round, boden.outlets) == ("数亿元", "A++", ["36氪", "投资界"])
    assert lines[-1].usd_high is not None  # every stored round here has an amount


def test_min_usd_keeps_rounds_whose_range_reaches_the_threshold(session: Session) -> None:
    lines = build_funding_table(session, since=SINCE, min_usd=Decimal(100_000_000))
    companies = {line.company for line in lines}
    assert "博登智能" in companies  # 数亿元 reaches $138M at its upper bound
    assert "元节智能" not in companies  # 千万级 tops out at 1亿元 = $13.8M
    assert "Replit" in companies


def test_ai_only_drops_rounds_the_text_does_not_tie_to_ai(session: Session) -> None:
    companies = {line.company for line in build_funding_table(session, since=SINCE, ai_only=True)}
    assert "Quince" not in companies and "微光医疗" not in companies
    assert {"Nscale", "耀速科技", "元节智能"} <= companies


def test_the_rendered_table_has_the_analysts_columns(session: Session) -> None:
    text = render_funding_table(build_funding_table(session, since=SINCE), SINCE)
    header = text.splitlines()[2]
    for column in ("company", "sector", "lead investors", "round", "amount", "valuation", "date", "outlets"):
        assert column in header
    assert "耀速科技" in text and "鼎泰集团" in text and "亿元级人民币" in text
    assert "no funding round" in render_funding_table([], SINCE)


def test_the_command_is_registered_and_answers_with_exit_codes(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="what"))
    args = parser.parse_args(["funding", "--since", "100000d", "--min-usd", "1B", "--ai-only"])
    assert args.show is cmd_show_funding
    assert cmd_show_funding(args, AppConfig(), session) == 0
    out = capsys.readouterr().out
    assert "Nscale" in out and "Advanced Machine Intelligence" in out and "Replit" not in out
    assert cmd_show_funding(parser.parse_args(["funding", "--since", "soon"]), AppConfig(), session) == 2
    assert cmd_show_funding(parser.parse_args(["funding", "--min-usd", "lots"]), AppConfig(), session) == 2


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (Decimal(150_000_000), "CNY", "1.5亿元"),
        (Decimal(30_000_000), "CNY", "3000万元"),
        (Decimal(1_200_000_000), "USD", "$1.2B"),
        (Decimal(40_000_000), "EUR", "€40M"),
        (Decimal(500), "KRW", "500 KRW"),
        (None, "USD", "—"),
    ],
)
def test_money_is_written_the_way_readers_write_it(value: Decimal | None, currency: str, text: str) -> None:
    assert format_money(value, currency) == text


@pytest.mark.parametrize(("text", "dollars"), [("10M", 10**7), ("1.5B", 15 * 10**8), ("500000", 500000), ("$2k", 2000)])
def test_min_usd_is_written_with_a_unit(text: str, dollars: int) -> None:
    assert parse_usd(text) == Decimal(dollars)
