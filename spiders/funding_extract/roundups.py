"""Round-ups and digests (创投日报, "Week's 10 Biggest Funding Rounds"): detected, and split into one piece per deal."""

from __future__ import annotations

import re

from spiders.cn_amounts import find_amounts
from spiders.funding_extract.amounts import amount_roles
from spiders.funding_extract.classification import DIGEST
from spiders.funding_extract.companies import valid_name
from spiders.funding_extract.deal import Deal
from spiders.funding_extract.investors import find_investors
from spiders.funding_extract.rounds import find_round
from spiders.funding_extract.text import clean_title
from spiders.funding_extract.triggers import find_trigger

_DIGEST_LABEL = re.compile(
    r"^(?:【[^】]{1,12}(?:报|讯|闻|周刊)】|(?:创投日报|\d{1,2}点1氪|氪星晚报|派早报|早报|晚报|融资周报|投融资周报|一周融资|融资速递"
    r"|融资汇总|钛晨报)\s*[_|丨:])\s*",
    re.IGNORECASE,
)
_ROUNDUP_LINE = re.compile(
    r"^\s*\d{1,2}[.)]\s*(?P<company>[^,:]{2,60}?),\s*(?P<amount>[$€£¥][^,:]{1,20}?),\s*(?P<sector>[^:]{2,60}?):\s*"
    r"(?P<rest>.*)$"
)


def is_roundup(title: str) -> bool:
    """True for a digest or round-up headline (创投日报, 8点1氪, "Week's 10 Biggest Funding Rounds")."""
    return bool(DIGEST.search(clean_title(title)))


def pieces(title: str, summary: str) -> list[tuple[str, str, Deal | None]]:
    """Split a digest or round-up into one (title, summary) per deal; a single item stays whole.

    Round-up lines in the documented Crunchbase shape (`1. Acme, $40M, AI: …`) come back already read.
    """
    label = _DIGEST_LABEL.match(title)
    english_roundup = DIGEST.search(title) and not label
    if english_roundup:
        deals: list[tuple[str, str, Deal | None]] = []
        for line in summary.split("\n"):
            match = _ROUNDUP_LINE.match(line)
            if match is None:
                continue
            deals.append((line, match.group("rest"), _roundup_deal(match)))
        return deals
    if label is not None:
        body = title[label.end() :]
        return [(piece.strip(), "", None) for piece in re.split(r"[;；/]", body) if piece.strip()]
    parts = [p.strip() for p in re.split(r"[;；]", title) if p.strip()]
    if len(parts) > 2 or (len(parts) == 2 and all(find_trigger(p) for p in parts)):
        return [(part, "", None) for part in parts]
    return [(title, summary, None)]


def _roundup_deal(match: re.Match[str]) -> Deal:
    rest = match.group("rest")
    amounts = find_amounts(match.group("amount"))
    _, valuations = amount_roles(rest, "en")
    leads, others = find_investors((rest,), "en")
    return Deal(
        company=valid_name(match.group("company")),
        sector=match.group("sector").strip(),
        round_raw=find_round(rest, "en"),
        amount=amounts[0] if amounts else None,
        valuation=valuations[0] if valuations else None,
        leads=leads,
        investors=others,
    )
