"""Chromium's default flags (a constant of its own: the crawl settings read it without the config models)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM_ENV = "AIPULSE_CHROMIUM"

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path(configured: str | None = None) -> str | None:
    """`configured` (`[browser] executable_path`), else AIPULSE_CHROMIUM, else /usr/bin/chromium, when it exists;
    None: Playwright's own."""
    for candidate in (configured, os.environ.get(CHROMIUM_ENV), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None
