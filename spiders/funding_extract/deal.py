"""One deal as the rules read it, and the FundingRound item it becomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from spiders.cn_amounts import Amount, plain_decimal
from spiders.funding_extract.ai_related import is_ai_related
from spiders.funding_extract.rounds import normalise_round
from spiders.funding_extract.text import normalise_text
from spiders.items import FundingRound


@dataclass
class Deal:
    """The fields of one deal before they become an item: amounts as found, the round as written."""

    company: str | None = None
    sector: str | None = None
    round_raw: str | None = None
    status: str = "completed"
    amount: Amount | None = None
    valuation: Amount | None = None
    leads: list[str] = field(default_factory=list)
    investors: list[str] = field(default_factory=list)


def round_item(
    deal: Deal,
    *,
    headline: str,
    url: str,
    source: str,
    published_at: datetime,
    observed_at: datetime,
    piece_title: str,
    piece_summary: str,
    categories: Sequence[str],
) -> FundingRound:
    """The FundingRound of one deal: the round normalised, one currency per row, AI relevance from every text."""
    amount, valuation = deal.amount, deal.valuation
    if amount is not None and valuation is not None and valuation.currency != amount.currency:
        valuation = None  # one currency per row: a valuation in another currency would be read in the wrong one
    currency = amount.currency if amount else valuation.currency if valuation else None
    return FundingRound(
        source=source,
        url=url,
        observed_at=observed_at,
        company=deal.company or "",
        round=normalise_round(deal.round_raw),
        headline=normalise_text(headline),
        published_at=published_at,
        status=deal.status,
        round_raw=deal.round_raw,
        amount_min=_plain(amount.low) if amount else None,
        amount_max=_plain(amount.high) if amount else None,
        currency=currency,
        amount_text=amount.text if amount else None,
        lead_investors=deal.leads,
        investors=deal.investors,
        valuation_min=_plain(valuation.low) if valuation else None,
        valuation_max=_plain(valuation.high) if valuation else None,
        sector=deal.sector,
        ai_related=is_ai_related(
            piece_title, piece_summary, company=deal.company, descriptor=deal.sector, labels=" ".join(categories)
        ),
    )


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else plain_decimal(value)
