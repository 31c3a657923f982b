"""The fixture case format shared by `aipulse record`, `aipulse verify` and the fixture runner.

A case is a folder `<source_id>/<case>/` holding one `response.<ext>`, a `meta.json` (where the body came
from and the request that fetched it) and an `expected.json`: the items as JSON, `{"raises": "ParseError"}`,
or a draft `{"reviewed": false, "items": [...]}` / `{"reviewed": false, "raises": ...}` written by a tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from spiders.errors import BlockedError, ParseError
from spiders.parsers.contract import Request

__all__ = [
    "Case", "CaseError", "differences", "expected_draft", "extension_for", "items_to_json", "load_case",
    "parser_request", "validate_meta",
]  # fmt: skip

META_REQUIRED = ("url", "fetched_at", "origin", "constructed")
META_KEYS = frozenset({*META_REQUIRED, "request", "recorded", "redirected_from"})
REQUEST_KEYS = frozenset(
    {"method", "path", "query", "content_type", "step", "meta", "args", "headers", "body", "status", "response_headers"}
)


class CaseError(ValueError):
    """A case folder that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Case:
    """One case folder read and checked: the body, meta.json and expected.json (None when there is none)."""

    folder: Path
    body: bytes | None
    meta: dict[str, Any]
    expected: Any

    @property
    def name(self) -> str:
        """The case's folder name."""
        return self.folder.name

    @property
    def reviewed(self) -> bool:
        """False for a draft expected.json (`"reviewed": false`) or none at all."""
        return self.expected is not None and not (
            isinstance(self.expected, dict) and self.expected.get("reviewed") is False
        )

    @property
    def passing(self) -> bool:
        """False for a recorded answer kept only as evidence (an error status, a binary or refused body)."""
        recorded = self.meta.get("recorded")
        return not isinstance(recorded, dict) or recorded.get("passing") is not False

    @property
    def fetched_at(self) -> datetime:
        """When the body was fetched (aware)."""
        return datetime.fromisoformat(self.meta["fetched_at"])


def _check(ok: bool, path: Path, key: str, wants: str) -> None:
    if not ok:
        raise CaseError(f"{path}: key {key!r} {wants}")


def _is_str_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def validate_meta(meta: object, path: Path) -> dict[str, Any]:
    """`meta` (a case's meta.json, read from `path`) checked; CaseError names the file and the key.

    The one reading of the format: the fixture runner, `aipulse verify`, the replay server and the tools all
    come through here. Required: url (absolute), fetched_at (aware ISO 8601), origin, constructed, and the
    `request` (method, path, content_type; optional query, headers, args, meta, step, body, status, headers).
    """
    if not isinstance(meta, dict):
        raise CaseError(f"{path}: must be a JSON object, not {type(meta).__name__}")
    for key in META_REQUIRED:
        _check(key in meta, path, key, f"is missing (every meta.json says {', '.join(META_REQUIRED)})")
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
    rerun = "(run `python -m tests.tools.record_requests` in a checkout to record it)"
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


def load_case(folder: Path) -> Case:
    """Read and check a case folder; CaseError names the file and the key that is wrong."""
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseError(f"{meta_path}: not readable JSON ({exc})") from None
    validate_meta(meta, meta_path)
    responses = sorted(folder.glob("response.*"))
    if len(responses) > 1:
        raise CaseError(f"{folder}: holds {len(responses)} response.* files, a case has one")
    expected_path = folder / "expected.json"
    expected: Any = None
    if expected_path.is_file():
        try:
            expected = json.loads(expected_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CaseError(f"{expected_path}: not readable JSON ({exc})") from None
    body = responses[0].read_bytes() if responses else None
    if body is None and (not isinstance(meta.get("recorded"), dict) or meta["recorded"].get("passing") is not False):
        raise CaseError(f"{folder}: no response.* file (a case needs its recorded body)")
    return Case(folder, body, meta, expected)


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """What differs between two JSON values, one sentence per field; numbers written as text compare by value."""
    here = where or "the output"
    if isinstance(expected, dict) and isinstance(got, dict):
        out: list[str] = []
        for key in expected:
            if key not in got:
                out.append(f"{_join(where, key)}: expected {_show(expected[key])}, but the parser gives no such field")
            else:
                out += differences(expected[key], got[key], _join(where, key))
        out += [
            f"{_join(where, key)}: not expected, the parser gives {_show(got[key])}"
            for key in got
            if key not in expected
        ]
        return out
    if isinstance(expected, list) and isinstance(got, list):
        out = []
        for index, (want, have) in enumerate(zip(expected, got, strict=False)):
            out += differences(want, have, f"{where}[{index}]" if where else f"item {index}")
        if len(expected) != len(got):
            out.append(f"{here}: expected {len(expected)} entries, the parser gives {len(got)}")
        return out
    if _same_value(expected, got):
        return []
    return [f"{here}: expected {_show(expected)}, got {_show(got)}"]


_EXTENSIONS = (
    ("json", ".json"),
    ("html", ".html"),
    ("xml", ".xml"),
    ("rss", ".xml"),
    ("atom", ".xml"),
    ("javascript", ".js"),
    ("csv", ".csv"),
    ("text/plain", ".txt"),
)


def extension_for(content_type: str, body: bytes) -> str:
    """The response file's extension from its Content-Type (sniffed from the body when there is none)."""
    lowered = content_type.lower()
    for marker, ext in _EXTENSIONS:
        if marker in lowered:
            return ext
    head = body.lstrip()[:64].lower()
    if head.startswith((b"{", b"[")):
        return ".json"
    if head.startswith((b"<!doctype html", b"<html")):
        return ".html"
    if head.startswith(b"<?xml"):
        return ".xml"
    return ".txt" if b"\0" not in body[:8192] else ".bin"


def items_to_json(items: Iterable[object]) -> list[dict[str, Any]]:
    """Item dataclasses as JSON-ready dicts: Decimals as strings, dates and datetimes in ISO 8601."""
    out: list[dict[str, Any]] = []
    for item in items:
        if not is_dataclass(item) or isinstance(item, type):
            raise TypeError(f"not an item dataclass: {item!r}")
        out.append({f.name: _jsonable(getattr(item, f.name)) for f in fields(item)})
    return out


def parser_request(request: Mapping[str, Any], url: str = "") -> Request:
    """The parser's `Request` from a case's `meta.json` `request` object."""
    body = request.get("body") or ""
    return Request(
        method=str(request.get("method") or "GET"),
        body=body.encode("utf-8") if isinstance(body, str) else bytes(body),
        headers=dict(request.get("headers") or {}),
        step=request.get("step"),
        args=dict(request.get("args") or {}),
        meta=dict(request.get("meta") or {}),
        url=url,
    )


def expected_draft(
    spider: Any, body: bytes, *, url: str, fetched_at: datetime, meta: Mapping[str, Any]
) -> dict[str, Any]:
    """What the current parser makes of `body`, as an unreviewed expected.json."""
    parser = spider.source_parser()
    try:
        result = parser(body, url=url, fetched_at=fetched_at, request=parser_request(meta, url))
    except (ParseError, BlockedError) as exc:
        return {"reviewed": False, "raises": type(exc).__name__}
    return {"reviewed": False, "items": items_to_json(result.items), "skipped": list(result.skipped)}


def _same_value(expected: Any, got: Any) -> bool:
    if expected == got:
        return True
    if isinstance(expected, bool) or isinstance(got, bool) or expected is None or got is None:
        return False
    try:
        return Decimal(str(expected)) == Decimal(str(got))
    except InvalidOperation:
        return False


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
