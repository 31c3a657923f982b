"""The few exceptions a source can raise; each means one thing to the run that sees it."""

from __future__ import annotations


class ParseError(ValueError):
    """The response does not have the shape the parser needs (the layout changed or the body is broken)."""


class BlockedError(RuntimeError):
    """The source refused us (403, captcha page, an 'auth failed' body with HTTP 200): a failure, not data."""
