"""Helpers for the quote tests: fixture folders read as bytes (GBK bodies), batches turned into JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from spiders.parsers.quotes_common import QuoteBatch
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


def batch_json(batch: QuoteBatch) -> dict[str, Any]:
    """A parsed batch in the shape of expected.json."""
    return {"quotes": offers_to_json(batch.quotes), "unknown": batch.unknown}
