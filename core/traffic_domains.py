"""Bare domains for the traffic sources: scheme, path, port and `www.` stripped, lower case (traffic.md §2.1)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["bare_domain", "split_domains"]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def bare_domain(text: str) -> str:
    """The bare host of a domain or URL: `https://www.ChatGPT.com/c/1` -> `chatgpt.com`.

    Raises ValueError when nothing like a domain name is left. Only a leading `www.` is removed:
    subdomain apps (gemini.google.com, yiyan.baidu.com) keep their host and never fall back to the parent.
    """
    host = text.strip().lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host)
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    host = host.removeprefix("www.")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r} is not a domain name") from None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(f"{text!r} is not a domain name (write it like chatgpt.com)")
    return host


def split_domains(value: str | Iterable[str]) -> list[str]:
    """Bare domains from `-a domains=a.com,https://www.b.com/` (or a list), in order, without repeats."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    found: list[str] = []
    for part in parts:
        if part.strip():
            domain = bare_domain(part)
            if domain not in found:
                found.append(domain)
    return found
