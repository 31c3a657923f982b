"""Rules that turn a news headline and its summary into FundingRound items (funding.md §4): no network, no model."""

from __future__ import annotations

from spiders.funding_extract.classification import classify
from spiders.funding_extract.extract import extract_rounds
from spiders.funding_extract.rounds import normalise_round
from spiders.funding_extract.roundups import is_roundup
from spiders.funding_extract.text import normalise_text, strip_affixes

__all__ = ["classify", "extract_rounds", "is_roundup", "normalise_round", "normalise_text", "strip_affixes"]
