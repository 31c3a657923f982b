"""Prints the report's HTML to an A4 landscape PDF with the Chromium the browser spiders use (Playwright, sync)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import PdfMargins

__all__ = ["FIX_HINT", "PdfError", "html_to_pdf"]

logger = logging.getLogger(__name__)

FIX_HINT = (
    "install Chromium (Debian: apt-get install chromium) or set [browser] executable_path in aipulse.toml "
    "or AIPULSE_CHROMIUM to a Chromium binary"
)
_MARGIN: PdfMargins = {"top": "10mm", "bottom": "10mm", "left": "12mm", "right": "12mm"}


class PdfError(RuntimeError):
    """Chromium could not print the report (missing, would not start, or failed or timed out while printing)."""


def _print(html: str, out: Path, chromium_path: str | None, args: Sequence[str], timeout_ms: float) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path, args=list(args), headless=True, timeout=timeout_ms
                )
            except PlaywrightError as exc:
                where = chromium_path or "Playwright's own Chromium"
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise PdfError(f"could not start Chromium ({where}): {first}; {FIX_HINT}") from exc
            try:
                page = browser.new_page()
                page.set_default_timeout(timeout_ms)
                # The page is self-contained (data: images, system fonts): "load" means everything is there.
                page.set_content(html, wait_until="load")
                page.emulate_media(media="print")
                pdf = page.pdf(format="A4", landscape=True, print_background=True, margin=_MARGIN)
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfError(f"Chromium failed to print the report: {exc}") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)


def html_to_pdf(html: str, out: Path, *, chromium_path: str | None, args: Sequence[str], timeout_s: float) -> None:
    """Print `html` to `out` (A4 landscape, backgrounds, text kept as text); PdfError says what to fix.

    `chromium_path` None uses Playwright's own Chromium. Safe from any thread: Playwright's sync API refuses a
    thread with a running asyncio loop, so the printing runs in a fresh thread of its own and this call waits.
    """
    if chromium_path is not None and not Path(chromium_path).is_file():
        raise PdfError(f"no Chromium at {chromium_path}: {FIX_HINT}")
    failure: list[BaseException] = []

    def work() -> None:
        try:
            _print(html, out, chromium_path, args, timeout_s * 1000)
        except BaseException as exc:  # handed over to the calling thread, re-raised there
            failure.append(exc)

    worker = threading.Thread(target=work, name="aipulse-pdf", daemon=True)
    worker.start()
    # Playwright's own timeouts bound launch and load; this bounds the rest (printing, a hung browser).
    worker.join(timeout_s * 3)
    if worker.is_alive():
        raise PdfError(f"Chromium did not finish printing the report within {timeout_s * 3:.0f} s")
    if failure:
        raise failure[0]
    logger.debug("printed the report to %s", out)
