"""The weekly report's rendering: one self-contained HTML file, Markdown with PNGs, the chat summary, the charts."""

from __future__ import annotations

import base64
import copy
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib import font_manager

from monitor.report import charts
from monitor.report.formatting import format_money, format_pct
from monitor.report.labels import LABELS, UnknownLanguage, labels_for, no_data_text
from monitor.report.model import NoData, WeeklyReport
from monitor.report.rendering import email_html, render_html, render_markdown, write_report
from monitor.report.summary import summary_text
from tests.report_samples import MONDAY, sample_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SECTION_KEYS = ("gpu", "traffic", "funding", "market", "watch", "health")
HEADINGS = {
    "zh": ["算力租赁价格", "AI 网站流量", "AI 融资动向", "行情复盘", "重点关注公司", "告警与数据健康"],
    "en": ["GPU rental prices", "AI website traffic", "AI funding", "Market review", "Watch list",
           "Alerts and data health"],
}  # fmt: skip


class Page(HTMLParser):
    """What a test needs of the page: every URL-bearing attribute, the images, and each section's tags and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.images: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.h2: list[str] = []
        self.sections: dict[str, dict[str, list[str]]] = {}
        self.rows: list[tuple[str, str]] = []  # (row class, row text)
        self._section: str | None = None
        self._in: list[str] = []
        self._row: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        for name in ("src", "href", "srcset", "action", "poster", "data", "background", "xlink:href"):
            if name in values:
                self.urls.append((tag, name, values[name]))
        if "style" in values:
            self.styles.append(values["style"])
        if tag == "img":
            self.images.append(values)
        if tag == "section":
            self._section = values.get("id", "")
            self.sections[self._section] = {"tags": [], "text": []}
        elif self._section is not None:
            self.sections[self._section]["tags"].append(tag)
        if tag == "tr":
            self._row = (values.get("class", ""), [])
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        if tag == "tr" and self._row is not None:
            self.rows.append((self._row[0], " | ".join(self._row[1])))
            self._row = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
        if self._in and self._in[-1] == "h2":
            self.h2.append(data)
        elif self._in and self._in[-1] == "span" and "h2" in self._in:
            pass  # the section number
        if self._section is not None:
            self.sections[self._section]["text"].append(data)
        if self._row is not None and data.strip():
            self._row[1].append(data.strip())

    def text_of(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]["text"]).split())

    def row_with(self, needle: str) -> tuple[str, str]:
        [row] = [row for row in self.rows if needle in row[1]]
        return row


#: a 1×1 PNG standing in for the charts where a test looks at the tables only (a real chart takes ~0.3-0.7 s)
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def real_charts() -> None:
    """Asked for by the tests that need matplotlib's charts rather than the stand-in."""


@pytest.fixture(autouse=True)
def _stand_in_charts(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "real_charts" in request.fixturenames:
        return
    for name in ("gpu_trend_png", "traffic_change_png", "index_week_png"):
        monkeypatch.setattr(charts, name, lambda section, lang: None if section.empty is not None else TINY_PNG)


@pytest.fixture(scope="module")
def zh_page() -> Page:
    """The zh sample with its real charts (made before the stand-in of each test is in place)."""
    return Page(render_html(sample_report("zh")))


# --- self-contained HTML -------------------------------------------------------------------------------


def test_html_is_one_file_with_inline_png_charts_and_no_external_url(zh_page: Page) -> None:
    assert len(zh_page.images) == 3, "the GPU trend, traffic change and index week charts"
    for image in zh_page.images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        assert base64.b64decode(image["src"][len(prefix) :], validate=True).startswith(PNG_MAGIC)
        assert image["alt"].strip()
    for tag, name, value in zh_page.urls:
        assert not re.match(r"\s*(https?:)?//", value, re.I), f"<{tag} {name}={value[:60]}> leaves the file"
    assert "link" not in zh_page.tags and "script" not in zh_page.tags and "iframe" not in zh_page.tags
    css = "\n".join(zh_page.styles)
    assert "@import" not in css and "@font-face" not in css
    assert not re.search(r"url\(\s*['\"]?(?!data:)", css), "a CSS url() would fetch something"
    assert "http://" not in css and "https://" not in css


@pytest.mark.parametrize(("lang", "pointer"), [("zh", "见附件 PDF"), ("en", "see the attached PDF")])
def test_an_email_body_points_to_the_attached_pdf_instead_of_data_images(lang: str, pointer: str) -> None:
    html = render_html(sample_report(lang), charts_attached=True)
    assert Page(html).images == [] and "data:image" not in html
    assert html.count(pointer) == 3, "one line per chart"


def test_the_email_body_has_its_css_inline_without_a_style_block_or_variables() -> None:
    report = sample_report("zh")
    page, mail = Page(render_html(report, charts_attached=True)), Page(email_html(report))
    assert "<style" not in email_html(report) and "var(--" not in email_html(report)
    assert len(mail.styles) > len(page.styles), "the rules are now style attributes"
    assert mail.text_of("gpu") == page.text_of("gpu"), "the same words, only the styling moved"
    assert "color: #1f4e9c" in email_html(report), "h1's colour, --accent resolved"
    assert re.search(r'<tr class="soldout"[^>]*>(?:(?!</tr>).)*color: #b3261e', email_html(report), re.S)


def test_html_css_asks_for_the_cjk_fonts_first(zh_page: Page) -> None:
    css = "\n".join(zh_page.styles)
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif' in css


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_has_the_six_section_headings_in_the_report_language(lang: str) -> None:
    page = Page(render_html(sample_report(lang)))
    assert [text.strip() for text in page.h2 if text.strip()] == HEADINGS[lang]
    assert list(page.sections) == list(SECTION_KEYS)


def test_header_states_the_week_partial_and_generated_time() -> None:
    report = sample_report("zh")
    html = render_html(replace(report, week=replace(report.week, partial=True)))
    assert "2024-07-15（周一）至 2024-07-21（周日）" in html
    assert "本周尚未结束" in html
    assert "生成于 2024-07-22 08:00（Asia/Shanghai）" in html, "generated_at shown in the report's zone"
    english = render_html(sample_report("en"))
    assert "2024-07-15 (Mon) to 2024-07-21 (Sun)" in english and "Partial week" not in english


def test_report_notes_are_listed_in_the_header() -> None:
    html = render_html(sample_report("zh"))
    header = html[html.index("<header>") : html.index("</header>")]
    assert "<li>算力走势按 2024-07-01 的 [fx] 汇率换算</li>" in header


# --- sections without data -----------------------------------------------------------------------------


def test_empty_sections_say_why_and_show_no_table_or_chart() -> None:
    report = sample_report("zh", empty=True)
    page = Page(render_html(report))
    for key, section in (("gpu", report.gpu), ("traffic", report.traffic), ("funding", report.funding),
                         ("market", report.market), ("watch", report.watch)):  # fmt: skip
        assert section.empty is not None
        assert "table" not in page.sections[key]["tags"], key
        assert "img" not in page.sections[key]["tags"], key
        assert no_data_text(section.empty.code, section.empty.detail, "zh") in page.text_of(key)
    assert "数据源本周运行失败（aliyun_gpu: HTTP 403; autodl_gpu: timeout）" in page.text_of("gpu")
    assert "没有配置数据源（similarweb_api_traffic needs an API key）" in page.text_of("traffic")
    assert "本周没有发生相关事件" in page.text_of("funding")
    assert "数据源还没有运行过" in page.text_of("market")
    assert "数据源已停用" in page.text_of("watch")
    assert "本周没有告警。" in page.text_of("health")
    assert "table" in page.sections["health"]["tags"], "data health is always shown"


@pytest.mark.parametrize("code", ["not_configured", "disabled", "never_ran", "failing", "nothing"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_data_text_gives_a_reason_for_every_code(code: str, lang: str) -> None:
    text = no_data_text(code, "kr36_funding: HTTP 403", lang)
    assert labels_for(lang)[f"nd_{code}"] in text and "kr36_funding: HTTP 403" in text
    assert text.startswith(labels_for(lang)["nd_prefix"])


def test_no_data_text_for_an_unknown_code_still_explains_instead_of_failing() -> None:
    assert no_data_text("exploded", "", "en") == "No data for this section: reason unknown (exploded)."


# --- the numbers in the tables -------------------------------------------------------------------------


def test_gpu_rows_show_prices_changes_sold_out_and_stale_marks(zh_page: Page) -> None:
    css, text = zh_page.row_with("H100 80G ×1")
    assert "21.00 CNY" in text and "+5.00%" in text and "5.000000" not in text
    assert "0.00%" in zh_page.row_with("gpu_8x_h100_sxm5")[1], "a zero change: no sign, no exponent (0E-26)"
    assert "1,800" in zh_page.row_with("gpu_8x_h100_sxm5")[1]
    assert "-8.33%" in zh_page.row_with("RTX 4090 ×1")[1]
    css, text = zh_page.row_with("ecs.gn7e-c16g1.4xlarge")
    assert css == "soldout" and "售罄" in text and "34.79 CNY | ‡" in text
    css, text = zh_page.row_with("GT4.4XLARGE96")
    assert css == "stale" and "† | 最后观测 2024-07-10" in text
    notes = zh_page.text_of("gpu")
    assert "† 本周未观测到该报价" in notes and "‡ 已售罄且当前无标价" in notes
    assert "缺少 [fx] 汇率的币种：HKD；其报价未计入走势图" in notes


def test_gpu_marks_are_explained_only_when_a_row_carries_them() -> None:
    report = sample_report("en")
    plain = [replace(line, stale=False, price_is_last_known=False) for line in report.gpu.lines]
    html = render_html(replace(report, gpu=replace(report.gpu, lines=plain)))
    assert "not observed this week" not in html and "last known price" not in html


def test_traffic_rows_show_visits_with_separators_and_durations_as_minutes(zh_page: Page) -> None:
    assert "723,456,789 | +3.21% | 6:52 | -1.20% | 8" in zh_page.row_with("chatgpt.com")[1]
    assert "6:29" in zh_page.row_with("doubao.com")[1], "388.5 s rounds half up to 6:29"
    assert "2,045 (Tranco)" in zh_page.row_with("kimi.moonshot.cn")[1]
    css, text = zh_page.row_with("yiyan.baidu.com")
    assert css == "muted" and "无数据" in text
    intro = zh_page.text_of("traffic")
    assert "周度数据，统计周期 2024-07-08 至 2024-07-14" in intro
    assert "SimilarWeb API (similarweb_api_traffic)" in intro


def test_stale_traffic_is_marked() -> None:
    report = sample_report("zh")
    page = Page(render_html(replace(report, traffic=replace(report.traffic, stale=True))))
    assert "† 最新的完整周期在本周开始前已结束" in page.text_of("traffic")
    assert page.row_with("chatgpt.com")[0] == "stale"


def test_funding_rows_keep_the_model_order_and_escape_company_names() -> None:
    report = sample_report("zh")
    evil = replace(report.funding.lines[1], company='<img src="https://x.test/a.png">')
    funding = replace(report.funding, lines=[report.funding.lines[0], evil, *report.funding.lines[2:]])
    html = render_html(replace(report, funding=funding))
    page = Page(html)
    assert len(page.images) == 3, "the company name stayed text"
    assert "&lt;img src=&#34;https://x.test/a.png&#34;&gt;" in html or "&lt;img src=&quot;" in html
    companies = [row[1].split(" | ")[0] for row in page.rows if "2024-07-17" in row[1]]
    assert companies == ["智谱AI", '<img src="https://x.test/a.png">', "Black & White Labs（计划中）", "深度求索"]
    assert "中关村科学城、美团" in page.row_with("智谱AI")[1]
    assert "30亿元 | 200亿元 | 2024-07-17 | 36氪, 投资界" in page.row_with("智谱AI")[1]


@pytest.mark.parametrize(("lang", "shown"), [("zh", "未披露轮次"), ("en", "Undisclosed")])
def test_a_round_of_unknown_kind_is_written_in_the_report_language(lang: str, shown: str) -> None:
    report = sample_report(lang)
    unnamed = replace(report.funding.lines[0], round="Undisclosed")
    page = Page(render_html(replace(report, funding=replace(report.funding, lines=[unnamed]))))
    assert shown in page.row_with("智谱AI")[1]
    if lang == "zh":
        assert "Undisclosed" not in page.text_of("funding")
        assert "Undisclosed" not in summary_text(replace(report, funding=replace(report.funding, lines=[unnamed])))


def test_market_shows_daily_changes_closed_days_and_the_weeks_extremes(zh_page: Page) -> None:
    text = zh_page.row_with("000300.SH")[1]
    assert "+0.12% | -0.36% | +1.05% | -0.57% | +0.30% | +0.53% | +1.05% 周三 | -0.57% 周四" in text
    assert "| — |" in zh_page.row_with("000688.SH")[1], "no stored close that day"
    section = zh_page.text_of("market")
    assert "本周最大单日涨幅：科创50（000688.SH）2024-07-17 周三 +2.31%" in section
    assert "本周最大单日跌幅：科创50（000688.SH）2024-07-19 周五 -1.92%" in section
    assert "BK0800 涨幅前 2" in section and "BK0800 跌幅前 1" in section
    assert "1 | 002230.SZ | 科大讯飞 | 41.20 | +6.52%" in " ".join(r[1] for r in zh_page.rows)
    assert "尚无成分股列表：BK1184" in section


def test_market_day_that_is_not_an_index_trading_day_is_closed() -> None:
    report = sample_report("en")
    closed = report.market.days[0]
    index = report.market.indices[0]
    daily = {day: pct for day, pct in index.daily_pct.items() if day != closed}
    market = replace(report.market, indices=[replace(index, daily_pct=daily), *report.market.indices[1:]])
    page = Page(render_html(replace(report, market=market)))
    assert page.row_with("000300.SH")[1].split(" | ")[2] == "closed"


def test_watch_list_shows_eps_pe_per_year_halts_and_stale_quotes(zh_page: Page) -> None:
    row = zh_page.row_with("科大讯飞 | 41.20 | 0.12")[1]
    assert row.endswith("41.20 | 0.12 | 0.45 | 343.33 | 91.56 | +6.52% | 买入 | 2024-07-19 15:00")
    css, text = zh_page.row_with("寒武纪 | 230.50 | †")
    assert css == "stale" and "230.50 | †" in text and "亏损 | n.m." in text
    assert "停牌" in zh_page.row_with("0700.HK")[1]
    assert "† 本周没有新的行情" in zh_page.text_of("watch")


def test_alerts_are_listed_in_the_report_time_zone(zh_page: Page) -> None:
    text = zh_page.row_with("14 failed runs")[1]
    assert text.startswith("2024-07-18 15:40 | source-failing | health | 触发"), "07:40 UTC is 15:40 in Shanghai"
    assert "已恢复" in zh_page.row_with("2024-07-19 10:00")[1]


def test_data_health_highlights_failing_and_stale_sources_and_counts_quarantine(zh_page: Page) -> None:
    css, text = zh_page.row_with("kr36_funding | funding")
    assert css == "problem" and "失败 | 0 | 14" in text and "blocked: 403 Forbidden" in text
    assert zh_page.row_with("tencent_gpu | gpu")[0] == "warn"
    assert zh_page.row_with("crunchbase_funding")[0] == "muted"
    section = zh_page.text_of("health")
    assert "有问题的数据源：tencent_gpu (过期), kr36_funding (失败)" in section
    assert "隔离的数据点（未通过校验，未进入报表）：3 个" in section


def test_a_long_error_is_clipped() -> None:
    report = sample_report("en")
    sources = [replace(s, last_error="x" * 500) if s.source == "kr36_funding" else s for s in report.health.sources]
    html = render_html(replace(report, health=replace(report.health, sources=sources)))
    assert "x" * 159 + "…" in html and "x" * 161 not in html


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (Decimal("5.000000000000000000000000000"), "+5.00%"),
        (Decimal("-8.333333333333333333333333333"), "-8.33%"),
        (Decimal("0E-26"), "0.00%"),
        (Decimal("-0.004"), "0.00%"),
        (Decimal("0.005"), "+0.01%"),
        (Decimal("1234.5"), "+1234.50%"),
    ],
)
def test_percentages_have_a_sign_and_two_decimals(value: Decimal | None, text: str) -> None:
    assert format_pct(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (Decimal("21"), "21.00"), (Decimal("1234.565"), "1,234.57"), (Decimal("0.245"), "0.245"),
     (Decimal("2.99000000"), "2.99"), (Decimal("1E+3"), "1,000.00")],
)  # fmt: skip
def test_prices_have_separators_and_cents(value: Decimal | None, text: str) -> None:
    assert format_money(value) == text


# --- Markdown --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("real_charts")
def test_markdown_writes_the_charts_it_references(tmp_path: Path) -> None:
    text = render_markdown(sample_report("zh"), tmp_path, "week")
    referenced = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert referenced == ["week-gpu.png", "week-traffic.png", "week-market.png"]
    for name in referenced:
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    for heading in HEADINGS["zh"]:
        assert re.search(rf"^## \d\. {re.escape(heading)}$", text, re.M), heading
    assert "| RTX4090-24G | autodl |" in text and "| ---: |" in text


def _cells(row: str) -> list[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_escapes_pipes_so_every_row_keeps_its_columns(tmp_path: Path) -> None:
    report = sample_report("en")
    piped = replace(report.funding.lines[0], company="Zhipu | 智谱AI", leads=["a|b"])
    text = render_markdown(replace(report, funding=replace(report.funding, lines=[piped])), tmp_path, "w")
    assert "Zhipu \\| 智谱AI" in text
    table = [line for line in text.splitlines() if line.startswith("| company")]
    [header] = table
    rows = [line for line in text.splitlines() if "Zhipu" in line]
    assert len(_cells(rows[0])) == len(_cells(header)) == 8


def test_markdown_of_an_empty_report_says_why_and_writes_no_chart(tmp_path: Path) -> None:
    text = render_markdown(sample_report("en", empty=True), tmp_path, "w")
    assert "> No data for this section: its source failed this week" in text
    assert not list(tmp_path.glob("*.png"))


# --- the chat summary ---------------------------------------------------------------------------------------


def test_summary_text_has_the_headline_numbers() -> None:
    text = summary_text(sample_report("zh"))
    lines = text.splitlines()
    assert len(lines) <= 15
    assert lines[0] == "AI 行业周报 2024-07-15 至 2024-07-21"
    assert "H100 最低：21.00 CNY/卡时（autodl，+5.00%）；2.69 USD/卡时（runpod，—）" in lines
    assert "A100 最低：7.98 CNY/卡时（autodl，+2.31%）；1.79 USD/卡时（lambda，-10.05%）" in lines
    assert "算力最大变动：A100-80G @ lambda -10.05%" in lines
    assert "流量：豆包 +12.50%，智谱清言 -4.75%，ChatGPT +3.21%" in lines
    assert "融资：4 笔，最大 智谱AI 30亿元（D轮）" in lines
    assert "行情：沪深300 +0.53%，科创50 -0.03%" in lines
    assert "最大涨幅 科创50 07-17 +2.31%；最大跌幅 科创50 07-19 -1.92%" in lines
    assert "告警：3 条（触发 2 条）" in lines
    assert "数据源：过期 tencent_gpu；失败 kr36_funding" in lines


def test_summary_leaves_sold_out_and_stale_offers_out_of_the_cheapest() -> None:
    report = sample_report("en")
    cheap_but_gone = [replace(line, per_gpu_hour=Decimal("0.5"), sold_out=True) if line.provider == "autodl" else line
                      for line in report.gpu.lines]  # fmt: skip
    text = summary_text(replace(report, gpu=replace(report.gpu, lines=cheap_but_gone)))
    assert "0.500" not in text and "Cheapest H100: 2.69 USD/GPU-h (runpod, —)" in text


def test_summary_of_an_empty_week_says_why_per_section() -> None:
    text = summary_text(sample_report("en", empty=True))
    assert "GPU rental prices: no data (its source failed this week)" in text
    assert "AI funding: no data (nothing happened this week)" in text
    assert "Alerts: 0 (0 fired)" in text
    assert len(text.splitlines()) <= 15


# --- errors and files ------------------------------------------------------------------------------------


def _french(report: WeeklyReport) -> WeeklyReport:
    return replace(report, language="fr")


def test_an_unknown_language_is_a_clear_error(tmp_path: Path) -> None:
    report = _french(sample_report())
    for call in (
        lambda: render_html(report),
        lambda: render_markdown(report, tmp_path, "x"),
        lambda: summary_text(report),
        lambda: write_report(report, tmp_path, ["html"], chromium_path=None, browser_args=[]),
        lambda: no_data_text("nothing", "", "fr"),
    ):
        with pytest.raises(UnknownLanguage, match=r"unknown report language 'fr': use one of en, zh"):
            call()
    assert issubclass(UnknownLanguage, ValueError)
    assert not list(tmp_path.iterdir()), "nothing written"


def test_both_languages_have_the_same_words() -> None:
    assert set(LABELS) == {"zh", "en"}
    assert LABELS["zh"].keys() == LABELS["en"].keys()
    assert [LABELS[lang][f"sec_{key}"] for lang in ("zh",) for key in SECTION_KEYS] == HEADINGS["zh"]


def test_write_report_names_files_by_monday_and_language(tmp_path: Path) -> None:
    written = write_report(sample_report("en"), tmp_path / "out", ["html", "md"], chromium_path=None, browser_args=[])
    assert written == {
        "html": tmp_path / "out" / f"aipulse-weekly-{MONDAY}-en.html",
        "md": tmp_path / "out" / f"aipulse-weekly-{MONDAY}-en.md",
    }
    assert written["html"].read_text(encoding="utf-8").startswith("<!doctype html>")
    assert f"](aipulse-weekly-{MONDAY}-en-gpu.png)" in written["md"].read_text(encoding="utf-8")
    assert (tmp_path / "out" / f"aipulse-weekly-{MONDAY}-en-gpu.png").is_file()


def test_write_report_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown report format 'docx': use html, md, pdf"):
        write_report(sample_report(), tmp_path, ["html", "docx"], chromium_path=None, browser_args=[])


# --- charts ------------------------------------------------------------------------------------------------


@pytest.fixture
def strict_warnings() -> Iterator[None]:
    """Any warning (matplotlib's "Glyph … missing from font(s)" above all) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.usefixtures("strict_warnings", "real_charts")
def test_charts_render_chinese_text_without_a_missing_glyph(lang: str) -> None:
    report = sample_report(lang)
    for chart in (
        charts.gpu_trend_png(report.gpu, lang),
        charts.traffic_change_png(report.traffic, lang),
        charts.index_week_png(report.market, lang),
    ):
        assert chart is not None and chart.startswith(PNG_MAGIC) and len(chart) > 5_000


def test_the_cjk_font_comes_after_dejavu_sans() -> None:
    family = charts.font_family()
    assert family[0] == "DejaVu Sans"
    assert family[1].startswith("Noto Sans CJK"), "fonts-noto-cjk is installed on the test machines"


@pytest.mark.usefixtures("strict_warnings", "real_charts")
def test_charts_are_the_same_bytes_for_the_same_data() -> None:
    report = sample_report("zh")
    assert charts.gpu_trend_png(report.gpu, "zh") == charts.gpu_trend_png(report.gpu, "zh")
    assert charts.index_week_png(report.market, "zh") == charts.index_week_png(report.market, "zh")


@pytest.mark.usefixtures("real_charts")
def test_charts_are_none_when_there_is_nothing_to_draw() -> None:
    empty = sample_report("zh", empty=True)
    assert charts.gpu_trend_png(empty.gpu, "zh") is None
    assert charts.traffic_change_png(empty.traffic, "zh") is None
    assert charts.index_week_png(empty.market, "zh") is None
    report = sample_report("zh")
    unchanged = [replace(line, visits_change_pct=None, duration_change_pct=None) for line in report.traffic.lines]
    assert charts.traffic_change_png(replace(report.traffic, lines=unchanged), "zh") is None
    blank = [replace(week, daily_pct=dict.fromkeys(week.daily_pct)) for week in report.market.indices]
    assert charts.index_week_png(replace(report.market, indices=blank), "zh") is None
    assert charts.gpu_trend_png(replace(report.gpu, trend=[]), "zh") is None


@pytest.mark.usefixtures("strict_warnings", "real_charts")
def test_gpu_chart_draws_at_most_twelve_panels() -> None:
    report = sample_report("en")
    trend = [replace(report.gpu.trend[n % 3], model=f"GPU-{n // 2:02d}") for n in range(30)]
    png = charts.gpu_trend_png(replace(report.gpu, trend=trend), "en")
    assert png is not None
    assert _png_size(png) == (int(3 * charts.PANEL_SIZE_IN[0] * 100 + 90), int(4 * charts.PANEL_SIZE_IN[1] * 100 + 90))


def test_the_report_says_when_the_gpu_chart_leaves_models_out() -> None:
    report = sample_report("en")
    trend = [replace(report.gpu.trend[0], model=f"GPU-{n:02d}") for n in range(13)]
    assert "The chart shows the first 12 models." in render_html(replace(report, gpu=replace(report.gpu, trend=trend)))
    assert "The chart shows the first" not in render_html(report)


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.fixture
def fresh_font_lookup() -> Iterator[None]:
    charts.cjk_font_name.cache_clear()
    yield
    charts.cjk_font_name.cache_clear()


@pytest.mark.usefixtures("fresh_font_lookup")
def test_a_missing_cjk_font_is_one_clear_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(charts, "CJK_FONT_NAMES", ("No Such CJK Font",))
    with caplog.at_level(logging.WARNING, logger="monitor.report.charts"):
        assert charts.font_family() == ["DejaVu Sans"]
        assert charts.font_family() == ["DejaVu Sans"]
    [record] = caplog.records
    assert "fonts-noto-cjk" in record.getMessage() and "Chinese text would show as boxes" in record.getMessage()


@pytest.mark.usefixtures("fresh_font_lookup")
def test_a_cjk_font_installed_after_matplotlibs_font_list_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    stale = copy.copy(font_manager.fontManager)
    stale.ttflist = [entry for entry in font_manager.fontManager.ttflist if "CJK" not in entry.name]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    assert charts.cjk_font_name() == "Noto Sans CJK SC"
    assert any(entry.name == "Noto Sans CJK SC" for entry in stale.ttflist), "added from the font files"


def test_the_sample_week_is_a_monday_to_monday_in_shanghai() -> None:
    week = sample_report().week
    assert week.end - week.start == timedelta(days=7) and week.sunday.isoweekday() == 7
    assert isinstance(sample_report(empty=True).gpu.empty, NoData)
