"""The report in a real Chromium: no broken image, no missing glyph, a PDF whose headings are text, from any thread."""

from __future__ import annotations

import asyncio
import functools
import subprocess
import threading
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from playwright.sync_api import Browser, CDPSession, Page
from pypdf import PdfReader

from core.config import BROWSER_ARGS
from monitor.report.pdf import PdfError, html_to_pdf
from monitor.report.rendering import render_html, write_report
from tests.conftest import CHROMIUM
from tests.report_samples import MONDAY, sample_report

ZH_HEADINGS = ["算力租赁价格", "AI 网站流量", "AI 融资动向", "行情复盘", "重点关注公司", "告警与数据健康"]
#: every element that holds text of its own in the report
TEXT_ELEMENTS = "h1, h2, h3, p, li, caption, th, td, span, sup"


def _open(browser: Browser, html: str, folder: Path) -> Page:
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(path.as_uri(), wait_until="load")
    return page


@functools.cache
def _cmap(postscript_name: str) -> frozenset[int]:
    """The code points of the installed face fontconfig finds for a PostScript name (the face Chromium used)."""
    found = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}|%{postscriptname}", f":postscriptname={postscript_name}"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    file, index, name = found.split("|")
    assert name == postscript_name, f"fontconfig has no face {postscript_name} (closest: {name})"
    font = TTFont(file, fontNumber=int(index), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _platform_fonts(page: Page) -> list[tuple[str, list[dict[str, object]]]]:
    """(own text, the platform fonts Chromium rendered it with) of every text element, in document order."""
    texts: list[str] = page.evaluate(
        """selector => [...document.querySelectorAll(selector)].map(
             e => [...e.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join(''))""",
        TEXT_ELEMENTS,
    )
    cdp: CDPSession = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})
    node_ids = cdp.send("DOM.querySelectorAll", {"nodeId": root["root"]["nodeId"], "selector": TEXT_ELEMENTS})
    fonts = [cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] for node in node_ids["nodeIds"]]
    assert len(fonts) == len(texts)
    return list(zip(texts, fonts, strict=True))


def _pdf_text(text: str) -> str:
    """Extracted PDF text as a reader would type it.

    Chromium's PDF (seen 2024-07 with Noto Sans CJK) maps a glyph that the font shares between an ideograph and
    a Kangxi radical to the radical in its ToUnicode table: 力 U+529B comes out as ⼒ U+2F12. NFKC folds it back.
    """
    return unicodedata.normalize("NFKC", text)


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_opens_in_chromium_without_broken_images_or_missing_glyphs(
    browser: Browser, tmp_path: Path, lang: str
) -> None:
    page = _open(browser, render_html(sample_report(lang)), tmp_path)
    try:
        shot = page.screenshot(full_page=True, path=tmp_path / "report.png")
        assert shot.startswith(b"\x89PNG") and len(shot) > 100_000
        images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.alt])")
        assert len(images) == 3
        assert all(complete and width > 0 and alt for complete, width, alt in images), images

        covered_everywhere = set()
        for text, fonts in _platform_fonts(page):
            chars = {c for c in text if not c.isspace()}
            if not chars:
                continue
            assert fonts, f"no font rendered {text!r}"
            names = [str(f["postScriptName"]) for f in fonts]
            assert not any(f["isCustomFont"] for f in fonts), "no webfont: the file is self-contained"
            cmap = set().union(*(_cmap(name) for name in names))
            missing = sorted(c for c in chars if ord(c) not in cmap)
            assert not missing, f"{missing} of {text!r} are in none of {names}"
            if any(_is_cjk(c) for c in chars):
                families = {str(f["familyName"]) for f in fonts}
                assert any(f.startswith("Noto Sans CJK") for f in families), (text, families)
            covered_everywhere |= chars
        body = page.evaluate("document.body.innerText")
        assert {c for c in body if not c.isspace()} <= covered_everywhere, "every character was checked"
    finally:
        page.close()


@pytest.mark.browser
def test_pdf_has_every_section_heading_as_text(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    html_to_pdf(render_html(sample_report("zh")), out, chromium_path=CHROMIUM, args=BROWSER_ARGS, timeout_s=60)
    reader = PdfReader(out)
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height), "A4 landscape"
    # A4 is 841.9 × 595.3 pt; Chromium rounds the page to whole CSS pixels (842.88 × 595.92).
    assert abs(float(box.width) - 841.9) < 2 and abs(float(box.height) - 595.3) < 2
    text = "".join("".join(_pdf_text(page.extract_text()).split()) for page in reader.pages)
    for heading in ZH_HEADINGS:
        assert "".join(heading.split()) in text, heading
    assert "售罄" in text and "+5.00%" in text


@pytest.mark.browser
def test_pdf_prints_from_a_worker_thread_like_the_daemons_scheduler(tmp_path: Path) -> None:
    outcome: list[BaseException | Path] = []

    def job() -> None:
        try:
            written = write_report(sample_report("en"), tmp_path, ["pdf"], chromium_path=CHROMIUM,
                                   browser_args=BROWSER_ARGS, timeout_s=60)  # fmt: skip
            outcome.append(written["pdf"])
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=job, name="scheduler-like")
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    [result] = outcome
    assert result == tmp_path / f"aipulse-weekly-{MONDAY}-en.pdf", result
    assert isinstance(result, Path)
    text = "".join(page.extract_text() for page in PdfReader(result).pages)
    assert "GPU rental prices" in " ".join(text.split())


@pytest.mark.browser
def test_pdf_prints_while_an_asyncio_loop_runs_in_the_calling_thread(tmp_path: Path) -> None:
    # Playwright's sync API refuses a thread whose asyncio loop is running; html_to_pdf prints in its own thread.
    async def inside_a_loop() -> None:
        html_to_pdf("<h1>算力租赁价格</h1>", tmp_path / "a.pdf", chromium_path=CHROMIUM, args=BROWSER_ARGS,
                    timeout_s=60)  # fmt: skip

    # A thread of its own: the module's browser fixture already drives a loop in the test thread.
    worker = threading.Thread(target=asyncio.run, args=(inside_a_loop(),))
    worker.start()
    worker.join(120)
    assert "算力租赁价格" in _pdf_text(PdfReader(tmp_path / "a.pdf").pages[0].extract_text())


def test_pdf_with_a_missing_chromium_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(PdfError) as raised:
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", chromium_path=str(tmp_path / "no-chromium"), args=[], timeout_s=5)
    message = str(raised.value)
    assert "no Chromium at" in message and "no-chromium" in message
    assert "apt-get install chromium" in message and "[browser] executable_path" in message
    assert "AIPULSE_CHROMIUM" in message
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.browser
def test_pdf_with_a_file_that_is_not_chromium_is_a_pdf_error(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    with pytest.raises(PdfError, match=r"could not start Chromium .*AIPULSE_CHROMIUM"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", chromium_path=str(fake), args=BROWSER_ARGS, timeout_s=10)
