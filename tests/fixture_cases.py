"""Loads fixture folders (`tests/fixtures/<source_id>/<case>/`) and turns items into JSON for comparison."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Case:
    """One fixture folder: the recorded body as text, its meta.json and its expected.json."""

    response_text: str
    meta: dict[str, Any]
    expected: Any

    @property
    def url(self) -> str:
        """The URL the response was fetched from."""
        return str(self.meta["url"])

    @property
    def fetched_at(self) -> datetime:
        """When the response was fetched (timezone-aware)."""
        return datetime.fromisoformat(self.meta["fetched_at"])

    def response_json(self) -> Any:
        """The response body decoded as JSON."""
        return json.loads(self.response_text)


def case_names(source_id: str) -> list[str]:
    """The case folders recorded for `source_id`, sorted (for `pytest.mark.parametrize`)."""
    root = FIXTURES_DIR / source_id
    return sorted(p.name for p in root.iterdir() if (p / "meta.json").is_file())


def load_case(source_id: str, case: str) -> Case:
    """Read `tests/fixtures/<source_id>/<case>/`; it must hold exactly one `response.*` file."""
    folder = FIXTURES_DIR / source_id / case
    responses = sorted(folder.glob("response.*"))
    if len(responses) != 1:
        raise FileNotFoundError(f"{folder} must hold exactly one response.* file, found {len(responses)}")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or "url" not in meta or "fetched_at" not in meta:
        raise ValueError(f"{folder}/meta.json needs at least 'url' and 'fetched_at'")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return Case(responses[0].read_text(encoding="utf-8"), meta, expected)


def offers_to_json(items: Iterable[object]) -> list[dict[str, Any]]:
    """Turn item dataclasses into JSON-ready dicts: Decimals as strings, dates and datetimes in ISO 8601."""
    out: list[dict[str, Any]] = []
    for item in items:
        if not is_dataclass(item) or isinstance(item, type):
            raise TypeError(f"not a dataclass instance: {item!r}")
        out.append({f.name: _jsonable(getattr(item, f.name)) for f in fields(item)})
    return out


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
