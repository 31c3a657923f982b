"""Chromium's default flags (a constant of its own: the crawl settings read it without the config models)."""

from __future__ import annotations

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
