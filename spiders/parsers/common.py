"""Helpers every parser shares: decoding a body into JSON with a ParseError that says what came instead."""

from __future__ import annotations

import json

from spiders.errors import ParseError


def load_json(body: str | bytes) -> object:
    """Decode a JSON body; an empty body or an HTML page becomes a ParseError naming what was received."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if not stripped:
        raise ParseError("empty body where JSON was expected")
    if stripped.startswith("<"):
        raise ParseError(f"HTML instead of JSON: {stripped[:80]!r}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
