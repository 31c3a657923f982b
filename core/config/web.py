"""The `[web] section of aipulse.toml: where the dashboard and `/metrics` listen, and the token of its actions."""

from __future__ import annotations

import re

from pydantic import field_validator

from core.config.base import Strict
from core.secrets import Secret

__all__ = ["DEFAULT_LISTEN", "WebConfig", "parse_listen"]

DEFAULT_LISTEN = "127.0.0.1:8787"


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (an IPv6 host in brackets, `[::1]:8787`) as (host, port); ValueError says what is wrong."""
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([A-Za-z0-9.\-]+):(\d{1,5})", value.strip())
    if not match:
        raise ValueError(f"listen {value!r} must be HOST:PORT, e.g. {DEFAULT_LISTEN!r}")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 0 < port < 65536:
        raise ValueError(f"listen {value!r}: port {port} is not between 1 and 65535")
    return host, port


class WebConfig(Strict):
    """`[web]`: `listen` set makes `aipulse run` serve the dashboard too; `token` (a secret) enables its actions."""

    #: HOST:PORT the daemon serves the dashboard and /metrics on; None (the default): the daemon serves nothing
    listen: str | None = None
    #: actions (silence, run now, test notification) need `Authorization: Bearer <token>`; unset: read-only
    token: Secret | None = None

    @field_validator("listen")
    @classmethod
    def _listen_is_host_port(cls, value: str | None) -> str | None:
        if value is not None:
            parse_listen(value)
        return value
