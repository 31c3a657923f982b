"""Scores the funding rules on the hand-read evaluation set in tests/funding_eval (dev and held-out halves)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from spiders.funding_extract import extract_rounds
from spiders.items import FundingRound

EVAL_DIR = Path(__file__).parent / "funding_eval"
WHEN = datetime(2026, 9, 1, tzinfo=UTC)
#: the fields compared on every round found, in report order
FIELDS = ("company", "round", "amount", "currency", "leads", "status", "ai_related")
_LEGAL = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|inc\.?|ltd\.?|corp\.?|llc|co\.?|ag|gmbh|pbc)$")
_PUNCT = re.compile(r"[\s\"'“”‘’「」《》『』,.:;·\-_]")


@dataclass(frozen=True)
class Item:
    """One evaluation item as stored: the text the feed gave and the rounds it must yield."""

    id: str
    language: str
    title: str
    summary: str
    rounds: list[dict[str, Any]]

    @property
    def is_event(self) -> bool:
        """Whether the item reports at least one funding round."""
        return bool(self.rounds)


@dataclass
class Score:
    """Event accuracy over items and per-field exact-match rates over the rounds found."""

    items: int = 0
    events_right: int = 0
    rounds_expected: int = 0
    rounds_found: int = 0
    matched: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)

    @property
    def event_rate(self) -> float:
        """Share of items whose event / non-event verdict is right."""
        return self.events_right / self.items if self.items else 0.0

    def rate(self, name: str) -> float:
        """Share of the rounds found whose field `name` matches the hand-read value."""
        return self.matched[name] / self.rounds_found if self.rounds_found else 0.0

    def lines(self, label: str) -> list[str]:
        """The score as printable lines (no per-item misses)."""
        head = (
            f"{label}: {self.items} items, event/non-event {self.event_rate:.1%}; "
            f"{self.rounds_found} of {self.rounds_expected} expected rounds found"
        )
        return [head, *(f"  {name:<11} {self.rate(name):.1%}" for name in FIELDS)]


def load(split: str) -> list[Item]:
    """The items of one half (`dev` or `heldout`)."""
    items = []
    with (EVAL_DIR / f"{split}.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            items.append(Item(raw["id"], raw["language"], raw["title"], raw["summary"], raw["expected"]["rounds"]))
    return items


def name_key(name: str | None) -> str:
    """A name folded for comparison: NFKC, case, bracketed parts, legal suffixes and punctuation dropped."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"\([^)]*\)", "", text)
    text = _PUNCT.sub("", text)
    return _LEGAL.sub("", text)


def actual_fields(item: FundingRound) -> dict[str, Any]:
    """The compared fields of one extracted round."""
    return {
        "company": item.company,
        "round": item.round,
        "amount": (item.amount_min, item.amount_max),
        "currency": item.currency,
        "leads": sorted(name_key(n) for n in item.lead_investors),
        "status": item.status,
        "ai_related": item.ai_related,
    }


def _decimal(value: int | float | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _field_matches(name: str, expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    if name == "company":
        wanted = {name_key(expected["company"]), *(name_key(a) for a in expected.get("company_aliases", []))}
        return name_key(actual["company"]) in wanted
    if name == "amount":
        low, high = actual["amount"]
        return (low, high) == (_decimal(expected["amount_min"]), _decimal(expected["amount_max"]))
    if name == "leads":
        return bool(actual["leads"] == sorted(name_key(n) for n in expected["leads"]))
    return bool(actual[name] == expected[name])


def _pairs(expected: list[dict[str, Any]], got: list[FundingRound]) -> Iterator[tuple[dict[str, Any], FundingRound]]:
    """Each expected round with the extracted round naming its company (else the only one left)."""
    left = list(got)
    for wanted in expected:
        keys = {name_key(wanted["company"]), *(name_key(a) for a in wanted.get("company_aliases", []))}
        found = next((g for g in left if name_key(g.company) in keys), None)
        if found is None and len(expected) == 1 and len(left) == 1:
            found = left[0]
        if found is not None:
            left.remove(found)
            yield wanted, found


def extract(item: Item) -> list[FundingRound]:
    """The rounds the rules read from one item."""
    return extract_rounds(
        item.title, item.summary, published_at=WHEN, url=f"https://eval.test/{item.id}", source="eval", observed_at=WHEN
    )


def score(items: Iterable[Item], *, keep_misses: bool = False) -> Score:
    """Score the rules on `items`; `keep_misses` records what went wrong (for the dev half only)."""
    result = Score()
    for item in items:
        got = extract(item)
        result.items += 1
        result.rounds_expected += len(item.rounds)
        if bool(got) == item.is_event:
            result.events_right += 1
        elif keep_misses:
            result.misses.append(f"{item.id}: event {item.is_event}, got {[g.company for g in got]} | {item.title}")
        for expected, found in _pairs(item.rounds, got):
            result.rounds_found += 1
            actual = actual_fields(found)
            for name in FIELDS:
                if _field_matches(name, expected, actual):
                    result.matched[name] += 1
                elif keep_misses:
                    result.misses.append(f"{item.id}.{name}: {actual[name]!r} | {item.title}")
    return result


def main() -> None:
    """Print the dev half's misses and score; with `--heldout` also the held-out score (never its misses)."""
    import sys

    dev = score(load("dev"), keep_misses=True)
    out = sys.stdout
    for miss in dev.misses:
        out.write(f"dev miss {miss}\n")
    lines = dev.lines("dev")
    if "--heldout" in sys.argv:
        lines += score(load("heldout")).lines("held-out")
    out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
