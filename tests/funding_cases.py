"""Hand-written funding cases read by the rules: shared by the generalisation, pass and probe tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from spiders.funding_extract import extract_rounds

WHEN = datetime(2026, 9, 1, tzinfo=UTC)


def case_ids(cases: Sequence[tuple[Any, ...]]) -> list[str]:
    """Test ids for cases whose first element names them (an eval item id or `probe`): `<name>-<position>`."""
    return [f"{case[0]}-{n}" for n, case in enumerate(cases)]


def rounds_of(title: str, summary: str) -> list[Any]:
    """The rounds the rules read in one feed item published at `WHEN`."""
    return extract_rounds(title, summary, published_at=WHEN, url="https://eval.test/x", source="t", observed_at=WHEN)


def round_fields(title: str, summary: str, expected: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the one round read has, what `expected` wants) for the fields `expected` names; `amount` is given
    as (low, high, currency) in whole base units."""
    (found,) = rounds_of(title, summary)
    actual = {
        "company": found.company,
        "round": found.round,
        "amount": (found.amount_min, found.amount_max, found.currency),
        "leads": found.lead_investors,
        "status": found.status,
    }
    wanted = {k: _amount(*v) if k == "amount" else v for k, v in expected.items()}
    return {k: actual[k] for k in wanted}, wanted


def _amount(low: int | None, high: int | None, currency: str | None) -> tuple[Decimal | None, Decimal | None, Any]:
    return (None if low is None else Decimal(low), None if high is None else Decimal(high), currency)
