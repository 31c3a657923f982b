"""Loads fixture folders (`<fixtures_root()>/<source_id>/<case>/`), checks their meta.json, turns items into JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.replay import fixtures_root
from spiders import cases
from spiders.parsers.contract import Request

FIXTURES_DIR = fixtures_root()


class FixtureError(ValueError):
    """A fixture file that cannot be used as it is; the message names the file and the key."""


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


def all_cases(root: Path | None = None) -> list[tuple[str, str]]:
    """Every (source folder, case folder) under the fixtures root, sorted; a case is any sub-folder."""
    base = root or FIXTURES_DIR
    return sorted((s.name, c.name) for s in base.iterdir() if s.is_dir() for c in s.iterdir() if c.is_dir())


def response_file(folder: Path) -> Path:
    """The one `response.*` file of a case folder."""
    responses = sorted(folder.glob("response.*"))
    if len(responses) != 1:
        raise FileNotFoundError(f"{folder} must hold exactly one response.* file, found {len(responses)}")
    return responses[0]


def load_case(source_id: str, case: str) -> Case:
    """Read `spiders/fixtures/<source_id>/<case>/`; it must hold exactly one `response.*` file."""
    folder = FIXTURES_DIR / source_id / case
    meta = validate_meta(folder / "meta.json")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return Case(response_file(folder).read_text(encoding="utf-8"), meta, expected)


def read_json(path: Path) -> Any:
    """A JSON file's content, or a FixtureError naming the file and where the JSON breaks."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FixtureError(f"{path} is missing") from exc
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{path} is not JSON: {exc}") from exc


def validate_meta(path: Path) -> dict[str, Any]:
    """A case's meta.json, read and checked by the one reading of the format (`spiders.cases.validate_meta`)."""
    try:
        return cases.validate_meta(read_json(path), path)
    except cases.CaseError as exc:
        raise FixtureError(str(exc)) from None


def parser_request(meta: Mapping[str, Any]) -> Request:
    """The contract `Request` a case replays: meta.json's `request` (the same reading as `aipulse verify`)."""
    return cases.parser_request(meta.get("request", {}), str(meta["url"]))


#: items as JSON, exactly as recorded drafts and `aipulse verify` write them (one home: spiders.cases)
offers_to_json = cases.items_to_json
