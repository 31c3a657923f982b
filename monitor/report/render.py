"""Renders a WeeklyReport as one self-contained HTML file, as Markdown with PNGs beside it, as a chat summary."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from monitor.report import charts
from monitor.report.labels import NO_DATA_CODES, labels_for, no_data_text
from monitor.report.model import (
    FundingSection,
    GpuLine,
    GpuSection,
    HealthSection,
    MarketSection,
    NoData,
    TrafficSection,
    WatchSection,
    WeeklyReport,
)
from monitor.report.pdf import html_to_pdf
from monitor.show_traffic import SOURCE_NAMES, format_duration_ms

__all__ = [
    "FORMATS",
    "format_money",
    "format_pct",
    "render_html",
    "render_markdown",
    "report_stem",
    "stem_for",
    "summary_text",
    "write_report",
]

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "md", "pdf")
DASH = "—"
#: footnote markers: a row not observed this week / a price that is the last known one
STALE_MARK, LAST_KNOWN_MARK = "†", "‡"
_CENT = Decimal("0.01")
_MILL = Decimal("0.001")
_ERROR_CHARS = 160
_TOP_TRAFFIC = 3
_SUMMARY_GPU_FAMILIES = ("H100", "A100")
GPU_COLUMNS = ("col_model", "col_provider", "col_instance", "col_gpus", "col_vcpu", "col_memory", "col_disk",
               "col_price_h", "col_per_gpu", "col_gpu_change", "col_status")  # fmt: skip


# --- numbers ---------------------------------------------------------------------------------------


def format_pct(value: Decimal | None) -> str:
    """A change in percent with its sign and two decimals (+5.00%, -0.36%, 0.00%); — when unknown."""
    if value is None:
        return DASH
    rounded = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    return "0.00%" if rounded == 0 else f"{rounded:+f}%"


def format_money(value: Decimal | None) -> str:
    """A price with thousands separators and two decimals; three below 1, where a spot price's 0.245 matters."""
    if value is None:
        return DASH
    value = Decimal(value)
    rounded = value.quantize(_MILL if abs(value) < 1 else _CENT, rounding=ROUND_HALF_UP)
    return f"{rounded:,f}"


def _plain(value: Decimal | int | None) -> str:
    """A count or size without trailing zeros or exponent (8, 1800, 0.5)."""
    if value is None:
        return DASH
    if isinstance(value, int):
        return f"{value:,}"
    normal = value.normalize()
    return f"{normal:,f}" if normal != normal.to_integral_value() else f"{int(normal):,}"


def _two_places(value: Decimal | None) -> str:
    # Stored decimals lose trailing zeros (41.2); prices and EPS read better in cents, longer ones stay as given.
    if value is None:
        return DASH
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return f"{value.quantize(_CENT):f}"
    return f"{value:f}"


def _local(moment: datetime | None, zone: ZoneInfo, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return DASH if moment is None else moment.astimezone(zone).strftime(pattern)


def _clip(text: str, limit: int = _ERROR_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the view: what both templates show ------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, a footnote marker, and a second, smaller line (`sub`)."""

    text: str
    mark: str = ""
    sub: str = ""


@dataclass(frozen=True)
class Row:
    """One table row and how it is highlighted."""

    cells: list[Cell]
    #: stale, soldout, problem, warn or muted: how the HTML highlights the row
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table as both templates write it."""

    headers: list[str]
    rows: list[Row]
    #: right-aligned (numeric) column indexes
    numeric: frozenset[int] = frozenset()
    caption: str = ""
    compact: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart's PNG, its file-name part (gpu, traffic, market) and its alt text."""

    name: str
    png: bytes
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Part:
    """A piece of a section in reading order: kind is subheading, text, note, table or chart."""

    kind: str
    text: str = ""
    table: Table | None = None
    chart: Chart | None = None


@dataclass
class SectionView:
    """One numbered section: its heading, and either why it is empty or its parts."""

    key: str
    number: int
    title: str
    empty_text: str | None = None
    parts: list[Part] = field(default_factory=list)

    def add(self, kind: str, text: str = "", *, table: Table | None = None, chart: Chart | None = None) -> None:
        self.parts.append(Part(kind, text, table, chart))

    @property
    def charts(self) -> list[Chart]:
        return [part.chart for part in self.parts if part.chart is not None]


def _cells(*values: str | Cell) -> list[Cell]:
    return [value if isinstance(value, Cell) else Cell(value) for value in values]


def _empty(section: SectionView, empty: NoData | None, lang: str) -> bool:
    if empty is None:
        return False
    section.empty_text = no_data_text(empty.code, empty.detail, lang)
    return True


def _gpu_row(line: GpuLine, words: dict[str, str], zone: ZoneInfo) -> Row:
    mark = LAST_KNOWN_MARK if line.price_is_last_known and line.price is not None else ""
    billing = "" if line.billing == "on_demand" else line.billing
    status = Cell(
        words["sold_out"] if line.sold_out else words["available"],
        STALE_MARK if line.stale else "",
        words["last_seen"].format(date=_local(line.last_seen, zone, "%Y-%m-%d")) if line.stale else "",
    )
    cells = _cells(
        line.model,
        line.provider,
        Cell(line.instance, sub=" · ".join(filter(None, (line.region, billing)))),
        _plain(line.gpus),
        _plain(line.vcpus),
        _plain(line.memory_gb),
        line.disk or DASH,
        Cell(f"{format_money(line.price)} {line.currency}" if line.price is not None else DASH, mark),
        Cell(f"{format_money(line.per_gpu_hour)} {line.currency}" if line.per_gpu_hour is not None else DASH, mark),
        format_pct(line.change_pct),
        status,
    )
    return Row(cells, "stale" if line.stale else "soldout" if line.sold_out else "")


def _gpu_view(gpu: GpuSection, lang: str, zone: ZoneInfo, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("gpu", number, words["sec_gpu"])
    if _empty(view, gpu.empty, lang):
        return view
    png = charts.gpu_trend_png(gpu, lang)
    if png is not None:
        view.add("chart", chart=Chart("gpu", png, words["alt_gpu"]))
    headers = [words[k] for k in GPU_COLUMNS]
    rows = [_gpu_row(line, words, zone) for line in gpu.lines]
    view.add("table", table=Table(headers, rows, frozenset({3, 4, 5, 7, 8, 9})))
    view.add("note", words["note_gpu_change"])
    if any(line.stale for line in gpu.lines):
        view.add("note", words["note_gpu_stale"])
    if any(line.price_is_last_known and line.price is not None for line in gpu.lines):
        view.add("note", words["note_last_known"])
    if png is not None:
        view.add("note", words["note_trend"].format(currency=gpu.trend_currency))
        if len({trend.model for trend in gpu.trend if trend.points}) > charts.MAX_TREND_PANELS:
            view.add("note", words["note_panels_capped"].format(n=charts.MAX_TREND_PANELS))
        if gpu.fx_date:
            view.add("note", words["note_fx_date"].format(date=gpu.fx_date))
    if gpu.unconverted:
        view.add("note", words["note_unconverted"].format(currencies=", ".join(gpu.unconverted)))
    return view


def _traffic_view(traffic: TrafficSection, lang: str, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("traffic", number, words["sec_traffic"])
    if _empty(view, traffic.empty, lang):
        return view
    source = DASH
    if traffic.source:
        source = f"{SOURCE_NAMES.get(traffic.source, traffic.source)} ({traffic.source})"
    view.add(
        "text",
        words["traffic_period"].format(
            granularity=words.get(f"gran_{traffic.granularity}", traffic.granularity),
            start=traffic.period_start or DASH,
            end=traffic.period_end or DASH,
            source=source,
        ),
    )
    if traffic.stale:
        view.add("text", words["traffic_stale"])
    png = charts.traffic_change_png(traffic, lang)
    if png is not None:
        view.add("chart", chart=Chart("traffic", png, words["alt_traffic"]))
    mark = STALE_MARK if traffic.stale else ""
    rows = []
    for line in traffic.lines:
        if not line.has_data:
            rows.append(Row(_cells(Cell(line.app, sub=line.domain), words["no_data_app"], *[DASH] * 4), "muted"))
            continue
        rank = DASH if line.global_rank is None else f"{line.global_rank:,}"
        rows.append(
            Row(
                _cells(
                    Cell(line.app, sub=line.domain),
                    Cell(_plain(line.visits), mark),
                    format_pct(line.visits_change_pct),
                    format_duration_ms(line.avg_visit_duration_s),
                    format_pct(line.duration_change_pct),
                    rank + (" (Tranco)" if line.rank_from_tranco and line.global_rank is not None else ""),
                ),
                "stale" if traffic.stale else "",
            )
        )
    headers = [words[k] for k in ("col_app", "col_visits", "col_visits_change", "col_duration",
                                  "col_duration_change", "col_rank")]  # fmt: skip
    view.add("table", table=Table(headers, rows, frozenset({1, 2, 3, 4, 5})))
    view.add("note", words["note_traffic"])
    if any(line.rank_from_tranco for line in traffic.lines):
        view.add("note", words["note_tranco"])
    return view


def _funding_view(funding: FundingSection, lang: str, zone: ZoneInfo, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("funding", number, words["sec_funding"])
    if _empty(view, funding.empty, lang):
        return view
    joiner = "、" if lang == "zh" else ", "
    rows = [
        Row(
            _cells(
                line.company + (words["planned"] if line.status == "planned" else ""),
                line.sector or DASH,
                joiner.join(line.leads) or DASH,
                line.round or DASH,
                line.amount or DASH,
                line.valuation or DASH,
                _local(line.published, zone, "%Y-%m-%d"),
                ", ".join(line.outlets) or DASH,
            ),
            "muted" if line.status == "planned" else "",
        )
        for line in funding.lines
    ]
    headers = [words[k] for k in ("col_company", "col_sector", "col_leads", "col_round", "col_amount",
                                  "col_valuation", "col_date", "col_outlets")]  # fmt: skip
    view.add("table", table=Table(headers, rows, frozenset({4, 5})))
    view.add("note", words["note_funding_order"].format(date=funding.fx_as_of))
    return view


def _weekday(day: date, words: dict[str, str]) -> str:
    return words["weekdays"].split(",")[day.weekday()]


def _movers_table(caption: str, quotes: Sequence[Any], words: dict[str, str]) -> Table:
    headers = [words[k] for k in ("col_rank_no", "col_code", "col_name", "col_quote_price", "col_day_change")]
    rows = [
        Row(_cells(str(i), str(q.symbol), str(q.name or DASH), _two_places(q.price), format_pct(q.change_pct)))
        for i, q in enumerate(quotes, 1)
    ]
    return Table(headers, rows, frozenset({0, 3, 4}), caption=caption, compact=True)


def _market_view(market: MarketSection, lang: str, zone: ZoneInfo, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("market", number, words["sec_market"])
    if _empty(view, market.empty, lang):
        return view
    png = charts.index_week_png(market, lang)
    if png is not None:
        view.add("chart", chart=Chart("market", png, words["alt_market"]))
    if market.indices and market.days:
        headers = [words["col_index"], *(f"{_weekday(d, words)} {d:%m-%d}" for d in market.days),
                   words["col_week_pct"], words["col_best"], words["col_worst"]]  # fmt: skip
        rows = []
        for week in market.indices:
            days = [format_pct(week.daily_pct[d]) if d in week.daily_pct else words["closed"] for d in market.days]
            best = DASH if week.best is None else f"{format_pct(week.best[1])} {_weekday(week.best[0], words)}"
            worst = DASH if week.worst is None else f"{format_pct(week.worst[1])} {_weekday(week.worst[0], words)}"
            rows.append(Row(_cells(Cell(week.name, sub=week.symbol), *days, format_pct(week.week_pct), best, worst)))
        view.add("table", table=Table(headers, rows, frozenset(range(1, len(headers)))))
        view.add("note", words["note_market"])
    for move, key in ((market.largest_rise, "largest_rise"), (market.largest_fall, "largest_fall")):
        if move is not None:
            day = f"{move.day:%Y-%m-%d} {_weekday(move.day, words)}"
            view.add("text", words[key].format(name=move.name, symbol=move.symbol, day=day, pct=format_pct(move.pct)))
    for board in market.boards:
        view.add(
            "subheading",
            words["board_quoted"].format(
                board=board.board, members=board.members, quoted=board.quoted, at=_local(board.as_of, zone)
            ),
        )
        for key, quotes in (("board_gainers", board.gainers), ("board_losers", board.losers)):
            caption = words[key].format(board=board.board, n=len(quotes))
            if quotes:
                view.add("table", table=_movers_table(caption, quotes, words))
            else:
                view.add("text", f"{caption}: {words['none']}")
    if market.boards_missing:
        view.add("note", words["boards_missing"].format(boards=", ".join(market.boards_missing)))
    return view


def _watch_view(watch: WatchSection, lang: str, zone: ZoneInfo, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("watch", number, words["sec_watch"])
    if _empty(view, watch.empty, lang):
        return view
    headers = [words["col_code"], words["col_name"], words["col_quote_price"],
               *(words["col_eps"].format(year=y) for y in watch.years),
               *(words["col_pe"].format(year=y) for y in watch.years),
               words["col_day_change"], words["col_rating"], words["col_quote_time"]]  # fmt: skip
    rows = []
    for line in watch.lines:
        change = words["halted"] if line.halted else format_pct(line.change_pct)
        rows.append(
            Row(
                _cells(
                    line.symbol,
                    line.name or DASH,
                    Cell(_two_places(line.price), STALE_MARK if line.stale else ""),
                    *(_two_places(line.eps.get(y)) for y in watch.years),
                    *(line.pe.get(y) or DASH for y in watch.years),
                    change,
                    line.rating or DASH,
                    _local(line.quote_time, zone),
                ),
                "stale" if line.stale else "",
            )
        )
    numeric = frozenset(range(2, 3 + 2 * len(watch.years) + 1))
    view.add("table", table=Table(headers, rows, numeric))
    view.add("note", words["note_pe"])
    if any(line.stale for line in watch.lines):
        view.add("note", words["note_watch_stale"])
    return view


_STATE_CSS = {"failing": "problem", "stale": "warn", "never": "warn", "disabled": "muted"}


def _health_view(report: WeeklyReport, lang: str, zone: ZoneInfo, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("health", number, words["sec_health"])
    view.add("subheading", words["sub_alerts"])
    if report.alerts:
        headers = [words[k] for k in ("col_time", "col_rule", "col_transition", "col_what")]
        rows = [
            Row(
                _cells(
                    _local(a.at, zone),
                    Cell(a.rule, sub=a.rule_kind),
                    words.get(f"tr_{a.transition}", a.transition),
                    a.label,
                )
            )
            for a in sorted(report.alerts, key=lambda a: a.at)
        ]
        view.add("table", table=Table(headers, rows))
    else:
        view.add("text", words["no_alerts"])
    view.add("subheading", words["sub_health"])
    health: HealthSection = report.health
    if health.sources:
        headers = [words[k] for k in ("col_source", "col_kind", "col_state", "col_runs_ok", "col_runs_failed",
                                      "col_last_success", "col_last_error")]  # fmt: skip
        rows = [
            Row(
                _cells(
                    s.source,
                    s.kind,
                    words.get(f"state_{s.state}", s.state),
                    str(s.succeeded),
                    str(s.failed),
                    _local(s.last_success, zone),
                    _clip(s.last_error) if s.last_error else DASH,
                ),
                _STATE_CSS.get(s.state, ""),
            )
            for s in health.sources
        ]
        view.add("table", table=Table(headers, rows, frozenset({3, 4})))
        problems = health.problems
        if problems:
            names = ", ".join(f"{s.source} ({words.get(f'state_{s.state}', s.state)})" for s in problems)
            view.add("note", words["health_problems"].format(names=names))
        else:
            view.add("note", words["health_all_ok"])
    else:
        view.add("text", words["no_sources"])
    view.add("note", words["quarantined"].format(n=health.quarantined))
    return view


def _sections(report: WeeklyReport) -> list[SectionView]:
    lang, zone = report.language, report.week.zone
    return [
        _gpu_view(report.gpu, lang, zone, 1),
        _traffic_view(report.traffic, lang, 2),
        _funding_view(report.funding, lang, zone, 3),
        _market_view(report.market, lang, zone, 4),
        _watch_view(report.watch, lang, zone, 5),
        _health_view(report, lang, zone, 6),
    ]


def _header(report: WeeklyReport) -> dict[str, Any]:
    words = labels_for(report.language)
    week = report.week
    return {
        "lang": report.language,
        "html_lang": "zh-CN" if report.language == "zh" else report.language,
        "title": words["title"],
        "week_text": words["week"].format(monday=week.monday.isoformat(), sunday=week.sunday.isoformat()),
        "partial_text": words["partial"] if week.partial else "",
        "generated_text": words["generated"].format(at=_local(report.generated_at, week.zone), zone=week.zone.key),
        "notes_title": words["notes"],
        "notes": list(report.notes),
    }


# --- templates -------------------------------------------------------------------------------------


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
    return _html(report, _sections(report), charts_attached=charts_attached)


def _html(report: WeeklyReport, sections: list[SectionView], *, charts_attached: bool = False) -> str:
    template = _environment(False).get_template("report.html.j2")
    attached = labels_for(report.language)["charts_attached"]
    return template.render(
        **_header(report), sections=sections, charts_attached=charts_attached, charts_attached_text=attached
    )


def render_markdown(report: WeeklyReport, out_dir: Path, stem: str) -> str:
    """The report as GitHub-flavoured Markdown; its charts are written to `out_dir` as `{stem}-<chart>.png`."""
    labels_for(report.language)
    return _markdown(report, _sections(report), out_dir, stem)


def _markdown(report: WeeklyReport, sections: list[SectionView], out_dir: Path, stem: str) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for section in sections:
        for chart in section.charts:
            name = f"{stem}-{chart.name}.png"
            (out_dir / name).write_bytes(chart.png)
            files[chart.name] = name
    template = _environment(True).get_template("report.md.j2")
    return template.render(**_header(report), sections=sections, files=files)


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
    sections = _sections(report)  # the charts are drawn once for every format
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


# --- the chat summary ------------------------------------------------------------------------------


def _no_data_reason(empty: NoData, words: dict[str, str]) -> str:
    return words[f"nd_{empty.code}"] if empty.code in NO_DATA_CODES else words["nd_unknown"].format(code=empty.code)


def _gpu_summary(gpu: GpuSection, words: dict[str, str]) -> list[str]:
    lines: list[str] = []
    usable = [g for g in gpu.lines if g.per_gpu_hour is not None and not g.sold_out and not g.stale]
    for family in _SUMMARY_GPU_FAMILIES:
        cheapest: dict[str, GpuLine] = {}
        for line in sorted(usable, key=lambda g: (g.per_gpu_hour or 0, g.provider), reverse=True):
            if line.model.upper().startswith(family):
                cheapest[line.currency] = line  # the dearest first: the cheapest is written last
        # Prices stay in their own currency (no FX here): one cheapest per currency, the trend's currency first.
        order = sorted(cheapest, key=lambda c: (c != gpu.trend_currency, c))
        items = [
            words["sum_cheapest_item"].format(
                price=format_money(cheapest[c].per_gpu_hour),
                currency=c,
                provider=cheapest[c].provider,
                change=format_pct(cheapest[c].change_pct),
            )
            for c in order
        ]
        if items:
            lines.append(words["sum_cheapest"].format(family=family, items=words["item_sep"].join(items)))
    moves = [g for g in gpu.lines if g.change_pct is not None and g.change_pct != 0]
    if moves:
        move = max(moves, key=lambda g: (abs(g.change_pct or Decimal(0)), g.model, g.provider))
        change = format_pct(move.change_pct)
        lines.append(words["sum_gpu_move"].format(model=move.model, provider=move.provider, change=change))
    return lines


def _section_summary(
    title_key: str, empty: NoData | None, words: dict[str, str], build: Callable[[], list[str]]
) -> list[str]:
    if empty is not None:
        return [words["sum_no_data"].format(section=words[title_key], reason=_no_data_reason(empty, words))]
    return build()


def summary_text(report: WeeklyReport) -> str:
    """A short plain-text message for chat targets: the week's headline numbers, at most about 15 lines."""
    words = labels_for(report.language)
    sep = words["list_sep"]
    week = report.week
    title = words["sum_title"].format(monday=week.monday.isoformat(), sunday=week.sunday.isoformat())
    lines = [title + (words["sum_partial"] if week.partial else "")]
    lines += _section_summary("sec_gpu", report.gpu.empty, words, lambda: _gpu_summary(report.gpu, words))

    def traffic() -> list[str]:
        moved = [t for t in report.traffic.lines if t.visits_change_pct is not None]
        top = sorted(moved, key=lambda t: (-abs(t.visits_change_pct or Decimal(0)), t.app))[:_TOP_TRAFFIC]
        items = sep.join(f"{t.app} {format_pct(t.visits_change_pct)}" for t in top)
        return [words["sum_traffic"].format(items=items)] if items else []

    def funding() -> list[str]:
        rounds = report.funding.lines
        if not rounds:
            return [words["sum_funding_none"]]
        first = rounds[0]
        text = words["sum_funding"].format(n=len(rounds), company=first.company, amount=first.amount, round=first.round)
        return [text]

    def market() -> list[str]:
        found = []
        items = sep.join(f"{w.name} {format_pct(w.week_pct)}" for w in report.market.indices)
        if items:
            found.append(words["sum_market"].format(items=items))
        rise, fall = report.market.largest_rise, report.market.largest_fall
        if rise is not None or fall is not None:
            found.append(
                words["sum_rise_fall"].format(
                    rise=DASH if rise is None else f"{rise.name} {rise.day:%m-%d} {format_pct(rise.pct)}",
                    fall=DASH if fall is None else f"{fall.name} {fall.day:%m-%d} {format_pct(fall.pct)}",
                )
            )
        return found

    lines += _section_summary("sec_traffic", report.traffic.empty, words, traffic)
    lines += _section_summary("sec_funding", report.funding.empty, words, funding)
    lines += _section_summary("sec_market", report.market.empty, words, market)
    fired = sum(1 for a in report.alerts if a.transition in ("firing", "event"))
    lines.append(words["sum_alerts"].format(n=len(report.alerts), fired=fired))
    problems = report.health.problems
    if problems:
        by_state: dict[str, list[str]] = {}
        for source in problems:
            by_state.setdefault(source.state, []).append(source.source)
        items = words["item_sep"].join(
            f"{words.get(f'state_{s}', s)} {', '.join(names)}" for s, names in by_state.items()
        )
        lines.append(words["sum_health"].format(items=items))
    else:
        lines.append(words["sum_health_ok"])
    return "\n".join(lines)
