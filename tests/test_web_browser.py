"""The dashboard in a real Chromium over a store filled from the recorded fixtures: every page loads with no
console error and no failed request, the Overview's numbers are `show gpu`'s, a filter changes the rows, a chart
has points, Chinese text has no missing glyph. Screenshots go to /tmp/web-shots/ for review."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from monitor.cli import main
from tests.test_report_browser import _cmap, _is_cjk, _platform_fonts
from tests.web_support import fixture_app, serving

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/web-shots")
PAGES = {"overview": "/", "gpu": "/gpu", "traffic": "/traffic", "funding": "/funding?since=3650d",
         "quotes": "/quotes", "market": "/market", "alerts": "/alerts", "sources": "/sources",
         "source": "/sources/tencent_gpu", "reports": "/reports", "overview_en": "/?lang=en"}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("web")
    app, config, _ = fixture_app(folder, f"sqlite:///{folder}/aipulse.db")
    (folder / "reports").mkdir()
    (folder / "reports" / "aipulse-weekly-2026-11-16.html").write_text("<p>周报</p>", encoding="utf-8")
    assert config.path is not None
    with serving(app) as url:
        yield url, config.path


def _visit(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """The page loaded, and every console error, failed request and 4xx/5xx answer of its resources."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request {r.url}: {r.failure}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and r.url != url else None)
    page.goto(url, wait_until="networkidle")
    return page, problems


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_without_errors_and_is_screenshotted(
    browser: Browser, site: tuple[str, Path], name: str
) -> None:
    page, problems = _visit(browser, site[0] + PAGES[name])
    try:
        assert problems == []
        SHOTS.mkdir(exist_ok=True)
        shot = page.screenshot(full_page=True, path=SHOTS / f"{name}.png")
        assert len(shot) > 10_000
    finally:
        page.close()


@pytest.mark.parametrize("name", ["overview", "gpu", "market", "quotes"])
def test_chinese_text_has_no_missing_glyph(browser: Browser, site: tuple[str, Path], name: str) -> None:
    page, _ = _visit(browser, site[0] + PAGES[name])
    try:
        cjk = 0
        for text, fonts in _platform_fonts(page):
            chars = {c for c in text if not c.isspace()}
            if not chars:
                continue
            names = [str(f["postScriptName"]) for f in fonts]
            cmap = set().union(*(_cmap(n) for n in names))
            assert not sorted(c for c in chars if ord(c) not in cmap), (text, names)
            cjk += sum(1 for c in chars if _is_cjk(c))
        assert cjk > 0, "the zh page has Chinese text"
    finally:
        page.close()


@pytest.mark.parametrize(("side", "in_china"), [("china", True), ("outside", False)])
def test_the_overviews_cheapest_a100_is_show_gpus(
    browser: Browser, site: tuple[str, Path], capsys: pytest.CaptureFixture[str], side: str, in_china: bool
) -> None:
    assert main(["--config", str(site[1]), "show", "gpu", "--json", "--model", "A100-80G"]) == 0
    rows = json.loads(capsys.readouterr().out)
    cheapest = next(r for r in rows if (r["currency"] == "CNY") == in_china and r["compared_per_gpu_hour"] is not None)
    page, _ = _visit(browser, site[0] + "/")
    try:
        shown = page.locator(f'tr[data-model="A100-80G"] td[data-side="{side}"] a.price').inner_text()
        assert shown == f"{float(cheapest['price_per_gpu_hour']):.4f} {cheapest['currency']}"
    finally:
        page.close()


def test_a_filter_changes_the_rows_in_the_browser(browser: Browser, site: tuple[str, Path]) -> None:
    page, _ = _visit(browser, site[0] + "/gpu")
    try:
        every = page.locator("#table-gpu tbody tr").count()
        page.select_option("select[name=billing]", "spot")
        page.click("form.filters button")
        page.wait_for_load_state("networkidle")
        assert "billing=spot" in page.url
        spot = page.locator("#table-gpu tbody tr").count()
        assert 0 < spot < every
    finally:
        page.close()


def test_a_gpu_row_opens_a_chart_with_data_points(browser: Browser, site: tuple[str, Path]) -> None:
    page, problems = _visit(browser, site[0] + "/gpu")
    try:
        page.locator("#table-gpu tbody tr a").first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("svg.chart circle.point").count() >= 2
        assert "A100" in page.locator("svg.chart circle.point title").first.text_content() or ""
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(full_page=True, path=SHOTS / "gpu_series.png")
        assert problems == []
    finally:
        page.close()


def test_a_bad_request_page_shows_its_reason_and_loads_every_asset(browser: Browser, site: tuple[str, Path]) -> None:
    page, problems = _visit(browser, site[0] + "/gpu?modle=x")
    try:
        # the document's own 400 is the one console line: its stylesheet and icon load
        assert problems == ["console error: Failed to load resource: the server responded with a status of 400 "
                            "(Bad Request)"]  # fmt: skip
        assert "unknown query parameter 'modle'" in page.locator(".reason").inner_text()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(full_page=True, path=SHOTS / "bad_request.png")
    finally:
        page.close()
