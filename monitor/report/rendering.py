"""Writes a WeeklyReport as one self-contained HTML file, as Markdown with PNGs beside it, and as a PDF."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import css_inline
import jinja2

from monitor.report.labels import labels_for
from monitor.report.model import WeeklyReport
from monitor.report.pdf import html_to_pdf
from monitor.report.section_views import build_sections, header_fields
from monitor.report.views import SectionView

__all__ = ["FORMATS", "email_html", "render_html", "render_markdown", "report_stem", "stem_for", "write_report"]

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "md", "pdf")


def _md_escape(value: object) -> str:
    """Text safe in a GitHub table cell or paragraph: Markdown's punctuation escaped, one line."""
    text = " ".join(str(value).split())
    for char in "\\`*_[]<>|~":
        text = text.replace(char, "\\" + char)
    return text


@functools.cache
def _environment(markdown: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # HTML: company names, errors and labels are data; Markdown escapes through its own filter instead.
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_escape
    return env


def render_html(report: WeeklyReport, *, charts_attached: bool = False) -> str:
    """The report as one self-contained HTML file: CSS inline, charts as data: URIs, no external URL.

    `charts_attached`: an e-mail body whose PDF is attached; mail clients such as Gmail block data: images, so
    each chart is replaced by a line pointing to the PDF.
    """
    labels_for(report.language)  # UnknownLanguage before any work
    return _html(report, build_sections(report), charts_attached=charts_attached)


#: the e-mail body's CSS moves into style attributes: Outlook and many webmail clients drop <style> blocks and
#: CSS variables; @page and the like only matter to the PDF, which has its own copy
_EMAIL_INLINER = css_inline.CSSInliner(
    keep_style_tags=False, keep_at_rules=False, load_remote_stylesheets=False, resolve_css_variables=True
)


def email_html(report: WeeklyReport, *, charts_attached: bool = True) -> str:
    """The report as an e-mail body: render_html's page with every CSS rule inlined as `style` attributes, no
    <style> block and no CSS variable (see render_html for `charts_attached`)."""
    return str(_EMAIL_INLINER.inline(render_html(report, charts_attached=charts_attached)))


def _html(report: WeeklyReport, sections: list[SectionView], *, charts_attached: bool = False) -> str:
    template = _environment(False).get_template("report.html.j2")
    attached = labels_for(report.language)["charts_attached"]
    return template.render(
        **header_fields(report), sections=sections, charts_attached=charts_attached, charts_attached_text=attached
    )


def render_markdown(report: WeeklyReport, out_dir: Path, stem: str) -> str:
    """The report as GitHub-flavoured Markdown; its charts are written to `out_dir` as `{stem}-<chart>.png`."""
    labels_for(report.language)
    return _markdown(report, build_sections(report), out_dir, stem)


def _markdown(report: WeeklyReport, sections: list[SectionView], out_dir: Path, stem: str) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for section in sections:
        for chart in section.charts:
            name = f"{stem}-{chart.name}.png"
            (out_dir / name).write_bytes(chart.png)
            files[chart.name] = name
    template = _environment(True).get_template("report.md.j2")
    return template.render(**header_fields(report), sections=sections, files=files)


def stem_for(monday: date, language: str) -> str:
    """`aipulse-weekly-2024-07-15-zh`: the file name of a week's report without its extension."""
    return f"aipulse-weekly-{monday.isoformat()}-{language}"


def report_stem(report: WeeklyReport) -> str:
    """The file name of `report` without its extension (see stem_for)."""
    return stem_for(report.week.monday, report.language)


def write_report(
    report: WeeklyReport,
    out_dir: Path,
    formats: Sequence[str],
    *,
    chromium_path: str | None,
    browser_args: Sequence[str],
    timeout_s: float = 60,
) -> dict[str, Path]:
    """Write the report in each of `formats` (html, md, pdf) to `out_dir`; the written paths by format.

    Raises ValueError for an unknown format, UnknownLanguage for an unknown language, PdfError when Chromium
    cannot print the PDF (the other formats are written first).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format {', '.join(map(repr, unknown))}: use {', '.join(FORMATS)}")
    labels_for(report.language)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(report)
    written: dict[str, Path] = {}
    sections = build_sections(report)  # the charts are drawn once for every format
    html = _html(report, sections) if {"html", "pdf"} & set(formats) else ""
    if "html" in formats:
        written["html"] = out_dir / f"{stem}.html"
        written["html"].write_text(html, encoding="utf-8")
    if "md" in formats:
        written["md"] = out_dir / f"{stem}.md"
        written["md"].write_text(_markdown(report, sections, out_dir, stem), encoding="utf-8")
    if "pdf" in formats:
        written["pdf"] = out_dir / f"{stem}.pdf"
        html_to_pdf(html, written["pdf"], chromium_path=chromium_path, args=browser_args, timeout_s=timeout_s)
    return written
