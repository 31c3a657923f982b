"""Loads fixture folders (`<fixtures_root()>/<source_id>/<case>/`), checks their meta.json, turns items into JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.replay import REQUEST_KEYS, fixtures_root
from spiders import cases
from spiders.parsers.contract import Request

FIXTURES_DIR = fixtures_root()
#: what every meta.json must say: where the body came from, when, how it was obtained, and whether it was made up
META_REQUIRED = ("url", "fetched_at", "origin", "constructed")
#: `recorded` and `redirected_from` are written by the recorder (spiders/recorder.py) for a live answer
META_KEYS = frozenset({*META_REQUIRED, "request", "recorded", "redirected_from"})


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
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or "url" not in meta or "fetched_at" not in meta:
        raise ValueError(f"{folder}/meta.json needs at least 'url' and 'fetched_at'")
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


def _check(ok: bool, path: Path, key: str, wants: str) -> None:
    if not ok:
        raise FixtureError(f"{path}: key {key!r} {wants}")


def _is_str_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def validate_meta(path: Path) -> dict[str, Any]:
    """A case's meta.json, checked: required keys present and typed, `request` holding only known keys."""
    meta = read_json(path)
    if not isinstance(meta, dict):
        raise FixtureError(f"{path} must hold a JSON object, not {type(meta).__name__}")
    for key in META_REQUIRED:
        _check(key in meta, path, key, "is missing (every meta.json says url, fetched_at, origin, constructed)")
    for key in sorted(set(meta) - META_KEYS):
        _check(False, path, key, f"is not a meta.json key (known: {', '.join(sorted(META_KEYS))})")
    _check(isinstance(meta["url"], str) and meta["url"].startswith(("http://", "https://")), path, "url",
           "must be an absolute http(s) URL")  # fmt: skip
    try:
        aware = datetime.fromisoformat(str(meta["fetched_at"])).tzinfo is not None
    except ValueError:
        aware = False
    _check(aware, path, "fetched_at", "must be an ISO 8601 time with a time zone, e.g. 2026-11-20T06:00:00+00:00")
    _check(isinstance(meta["origin"], str) and bool(meta["origin"].strip()), path, "origin",
           "must say where the response came from")  # fmt: skip
    _check(isinstance(meta["constructed"], bool), path, "constructed", "must be true or false")
    rerun = "(run `python -m tests.tools.record_requests` to record it)"
    _check("request" in meta, path, "request", f"is missing {rerun}")
    request = meta["request"]
    _check(isinstance(request, dict), path, "request", "must be an object")
    for key in sorted(set(request) - REQUEST_KEYS):
        _check(False, path, f"request.{key}", f"is not a request key (known: {', '.join(sorted(REQUEST_KEYS))})")
    for key in ("method", "path", "content_type"):
        _check(key in request, path, f"request.{key}", f"is missing {rerun}")
    for key in ("method", "path", "body", "content_type"):
        _check(isinstance(request.get(key, ""), str), path, f"request.{key}", "must be a string")
    _check(str(request.get("path", "/")).startswith("/"), path, "request.path", "must start with '/'")
    _check(request.get("step") is None or isinstance(request["step"], str), path, "request.step",
           "must be a string or null")  # fmt: skip
    for key in ("query", "headers", "args", "response_headers"):
        _check(_is_str_map(request.get(key, {})), path, f"request.{key}", "must map strings to strings")
    _check(isinstance(request.get("meta", {}), dict), path, "request.meta", "must be an object")
    _check(isinstance(request.get("status", 200), int), path, "request.status", "must be an HTTP status number")
    return meta


def parser_request(meta: Mapping[str, Any]) -> Request:
    """The contract `Request` a case replays: meta.json's `request` (the same reading as `aipulse verify`)."""
    return cases.parser_request(meta.get("request", {}), str(meta["url"]))


#: items as JSON, exactly as recorded drafts and `aipulse verify` write them (one home: spiders.cases)
offers_to_json = cases.items_to_json
