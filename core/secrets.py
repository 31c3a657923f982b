"""Secrets as references to environment variables, and their redaction from logs (imports nothing of ours)."""

from __future__ import annotations

import logging
import os
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BeforeValidator, Field

from core.config_file import ConfigError as ConfigError  # re-exported: callers import it from here
from core.strict import Strict

_REDACTED: set[str] = set()
#: _REDACTED longest first (a whole URL is replaced before its parts), rebuilt when a secret is remembered
_ORDERED: tuple[str, ...] = ()


class SecretRef(Strict):
    """A secret given as a reference to an environment variable; its value never appears in repr or logs."""

    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    def __repr__(self) -> str:
        return f"SecretRef(env={self.env!r})"

    def resolve(self) -> str:
        """The secret's value; ConfigError when the variable is not set. The value is redacted from logs."""
        value = os.environ.get(self.env)
        if not value:
            raise ConfigError(f"environment variable {self.env} is not set (a secret this configuration refers to)")
        remember_secret(value)
        return value


def secret_reference(value: Any) -> Any:
    """Accept "${NAME}" as shorthand for { env = "NAME" }; refuse any other literal string."""
    if isinstance(value, str):
        match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value.strip())
        if not match:
            raise ValueError('secrets must be environment references: { env = "NAME" } or "${NAME}", never literals')
        return {"env": match.group(1)}
    return value


Secret = Annotated[SecretRef, BeforeValidator(secret_reference)]


#: a URL part shorter than this is not redacted on its own ("/", "api", a port): only the whole value is
_MIN_PART = 8


def remember_secret(value: str) -> None:
    """Redact `value` from logs from now on, and when it is a URL its secret-bearing parts too.

    Apprise and urllib3 log a webhook URL in pieces (`POST /hook/<token>`, `host:443`, the query), so the
    whole value alone is not enough: its path, each long path segment, its query and each query value,
    its user-info and password are redacted as well.
    """
    _REDACTED.add(value)
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.netloc:
        _order()
        return
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    pieces = [userinfo, userinfo.partition(":")[2], parts.query, parts.path.rstrip("/")]
    pieces += parts.path.split("/") + [v for _, v in parse_qsl(parts.query, keep_blank_values=True)]
    if parts.scheme not in ("http", "https"):  # slack://TokenA/TokenB/TokenC: the "host" is a token too
        pieces += [parts.netloc, f"{parts.netloc}{parts.path}"]
    _REDACTED.update(piece for piece in pieces if len(piece) >= _MIN_PART)
    _order()


def _order() -> None:
    global _ORDERED
    _ORDERED = tuple(sorted(_REDACTED, key=len, reverse=True))


class RedactSecrets(logging.Filter):
    """Replaces every resolved secret value in log records with '***'."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _REDACTED:
            record.msg, record.args = redact(record.getMessage()), None
            if record.exc_info:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        return True


def redact(text: str) -> str:
    """`text` with every resolved secret replaced by '***'."""
    for secret in _ORDERED:  # the whole URL before its parts
        text = text.replace(secret, "***")
    return text
