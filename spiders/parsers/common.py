"""Helpers every parser shares: strict decoding with a source's declared fallbacks, JSON with a clear ParseError."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from spiders.errors import ParseError

#: what a Chinese source may send when its answer is not UTF-8, whatever it declares (GB18030 reads all of GBK)
CHINESE_FALLBACKS: tuple[str, ...] = ("gb18030",)
REPLACEMENT_CHARACTER = "\ufffd"


def decode_text(body: str | bytes, *, fallbacks: Sequence[str] = (), what: str = "the body") -> str:
    """Decode `body` as UTF-8, strictly; when that fails, with each of the source's `fallbacks` in turn.

    Nothing is ever decoded with replacement characters: a body that no encoding reads is a ParseError
    naming the first bad byte, so mojibake never becomes a stored value (issue 16.6).
    """
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = exc
    for encoding in fallbacks:
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    tried = " nor ".join(["UTF-8", *(name.upper() for name in fallbacks)])
    bad = body[first.start : first.start + 1].hex()
    raise ParseError(f"{what} is not {tried} (byte 0x{bad} at offset {first.start}); nothing was read from it")


def load_json_bytes(body: str | bytes, *, fallbacks: Sequence[str] = (), what: str = "the body") -> Any:
    """`json.loads` on a large body without copying it when it is UTF-8; otherwise decoded as `decode_text` does.

    json.JSONDecodeError passes through for the caller to word.
    """
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        return json.loads(decode_text(body, fallbacks=fallbacks, what=what))


def load_json(body: str | bytes, *, fallbacks: Sequence[str] = ()) -> object:
    """Decode a JSON body; an empty body or an HTML page becomes a ParseError naming what was received."""
    text = decode_text(body, fallbacks=fallbacks)
    stripped = text.lstrip()
    if not stripped:
        raise ParseError("empty body where JSON was expected")
    if stripped.startswith("<"):
        raise ParseError(f"HTML instead of JSON: {stripped[:80]!r}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
