"""One round reported by several outlets is one row: company + round + amount (±25 % in USD) within 14 days."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from spiders.items import FundingRound
from storage.db import session_factory
from storage.models import FundingMention
from storage.models import FundingRound as RoundRow
from storage.writes import write_funding_rounds
from tests.crawl_support import migrated

DAY0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
USD = {"CNY": Decimal("0.14")}


def report(url: str, *, days: int = 0, amount: str | None = "100000000", currency: str = "USD") -> dict[str, Any]:
    value = Decimal(amount) if amount is not None else None
    item = FundingRound(
        source="techcrunch_funding",
        url=url,
        observed_at=DAY0 + timedelta(days=days),
        company="World Labs",
        round="Angel",
        headline="World Labs raises",
        published_at=DAY0 + timedelta(days=days),
        amount_min=value,
        amount_max=value,
        currency=currency if value is not None else None,
    )
    return asdict(item)


def _counts(url: str) -> tuple[int, int]:
    with session_factory(migrated(url))() as session:
        rounds = session.scalar(select(func.count()).select_from(RoundRow)) or 0
        mentions = session.scalar(select(func.count()).select_from(FundingMention)) or 0
    return int(rounds), int(mentions)


def _write(url: str, *rows: dict[str, Any]) -> None:
    with session_factory(migrated(url)).begin() as session:
        write_funding_rounds(session, rows, usd_rates=USD)


def test_same_amount_in_another_currency_is_the_same_round(sqlite_url: str) -> None:
    _write(
        sqlite_url,
        report("https://a.example/1"),
        report("https://b.example/1", days=2, amount="700000000", currency="CNY"),
    )
    assert _counts(sqlite_url) == (1, 2)


def test_an_amount_far_apart_is_another_round(sqlite_url: str) -> None:
    _write(sqlite_url, report("https://a.example/1"), report("https://b.example/1", days=2, amount="300000000"))
    assert _counts(sqlite_url) == (2, 2)


def test_a_report_without_an_amount_joins_the_round(sqlite_url: str) -> None:
    _write(sqlite_url, report("https://a.example/1"), report("https://b.example/1", days=1, amount=None))
    assert _counts(sqlite_url) == (1, 2)


def test_beyond_14_days_is_another_round(sqlite_url: str) -> None:
    _write(sqlite_url, report("https://a.example/1"), report("https://b.example/1", days=15))
    assert _counts(sqlite_url) == (2, 2)
