"""Helpers for the quote tests: fixture folders read as bytes (GBK bodies), batches turned into JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from spiders.parsers.contract import ParseResult
from spiders.parsers.quotes_common import MISSING
from tests.fixture_cases import FIXTURES_DIR, offers_to_json


@dataclass(frozen=True)
class QuoteCase:
    """One fixture folder of a quote source: the raw response bytes, meta.json and expected.json."""

    name: str
    body: bytes
    meta: dict[str, Any]
    expected: Any

    @property
    def url(self) -> str:
        return str(self.meta["url"])

    @property
    def fetched_at(self) -> datetime:
        return datetime.fromisoformat(self.meta["fetched_at"])

    @property
    def path(self) -> Path:
        return FIXTURES_DIR / self.meta["source"] / self.name


def quote_cases(source_id: str) -> list[str]:
    """The case folders of a quote source, sorted."""
    return sorted(p.name for p in (FIXTURES_DIR / source_id).iterdir() if (p / "meta.json").is_file())


def load_quote_case(source_id: str, case: str) -> QuoteCase:
    """Read a case folder without decoding the body (Sina and Tencent bodies are GBK bytes)."""
    folder = FIXTURES_DIR / source_id / case
    [response] = sorted(folder.glob("response.*"))
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return QuoteCase(case, response.read_bytes(), {**meta, "source": source_id}, expected)


def unknown_of(result: ParseResult) -> list[str]:
    """The requested symbols an answer had no quote for (the run's `missing_symbols` fact)."""
    return list(result.details.get(MISSING, []))


def batch_json(result: ParseResult) -> dict[str, Any]:
    """A parsed answer in the shape of expected.json: `{"quotes": [items…], "unknown": [symbols…]}`.

    The generic fixture runner compares `quotes` with the items; `unknown` is `details["missing_symbols"]`.
    """
    return {"quotes": offers_to_json(result.items), "unknown": unknown_of(result)}
