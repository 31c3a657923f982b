"""The fixture case format shared by `aipulse record`, `aipulse verify` and the fixture runner.

A case is a folder `<source_id>/<case>/` holding one `response.<ext>`, a `meta.json` (where the body came
from and the request that fetched it) and an `expected.json`: the items as JSON, `{"raises": "ParseError"}`,
or a draft `{"reviewed": false, "items": [...]}` / `{"reviewed": false, "raises": ...}` written by a tool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from spiders.errors import BlockedError, ParseError
from spiders.parsers.contract import Request

__all__ = ["expected_draft", "extension_for", "items_to_json", "parser_request"]

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
        return {"reviewed": False, "raises": type(exc).__name__, "message": str(exc)}
    return {"reviewed": False, "items": items_to_json(result.items), "skipped": list(result.skipped)}


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
