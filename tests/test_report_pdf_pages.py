"""The PDF of a report with many GPU models (issue 15.10): no blank page, and the GPU price chart whole on one
page together with its section heading. Debian's Chromium prints it, pypdf reads it back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.config import BROWSER_ARGS
from monitor.report import charts
from monitor.report.model import WeeklyReport
from monitor.report.pdf import html_to_pdf
from monitor.report.rendering import render_html
from tests.conftest import CHROMIUM
from tests.report_samples import sample_report
from tests.test_report_browser import _pdf_text

MODELS = 12


def _twelve_models(lang: str) -> WeeklyReport:
    report = sample_report(lang)
    gpu = report.gpu
    trend = [replace(gpu.trend[n % len(gpu.trend)], model=f"GPU{n % MODELS:02d}-80G") for n in range(MODELS * 2)]
    lines = [replace(gpu.lines[n % len(gpu.lines)], model=f"GPU{n % MODELS:02d}-80G") for n in range(MODELS * 3)]
    return replace(report, gpu=replace(gpu, trend=trend, lines=lines))


def _chart_pages(reader: PdfReader, size: tuple[int, int]) -> list[int]:
    """The pages that draw an image of the GPU chart's pixel size (a chart split across pages is on two)."""
    found = []
    for number, page in enumerate(reader.pages):
        resources = page.get("/Resources") or {}
        objects = resources.get("/XObject") or {}
        for ref in objects.values():
            image = ref.get_object()
            if image.get("/Subtype") == "/Image" and (image.get("/Width"), image.get("/Height")) == size:
                found.append(number)
    return found


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_twelve_model_report_prints_without_blank_pages_and_the_chart_on_one_page(tmp_path: Path, lang: str) -> None:
    report = _twelve_models(lang)
    png = charts.gpu_trend_png(report.gpu, lang)
    assert png is not None
    size = (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    assert len({t.model for t in report.gpu.trend}) == MODELS
    out = tmp_path / "report.pdf"
    html_to_pdf(render_html(report), out, chromium_path=CHROMIUM, args=BROWSER_ARGS, timeout_s=90)

    reader = PdfReader(out)
    texts = ["".join(_pdf_text(page.extract_text()).split()) for page in reader.pages]
    blank = [n + 1 for n, text in enumerate(texts) if not text]
    assert not blank, f"pages {blank} of {len(texts)} have no text"
    pages = _chart_pages(reader, size)
    assert len(pages) == 1, f"the GPU chart is drawn on pages {[p + 1 for p in pages]}"
    heading = "算力租赁价格" if lang == "zh" else "GPUrentalprices"
    assert heading in texts[pages[0]], "the chart sits on the page of its heading"
