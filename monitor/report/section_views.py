"""Each report section as a view: its heading, then its paragraphs, tables, charts and notes in reading order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from core.zh_text import zh_round
from monitor.report import charts
from monitor.report.formatting import (
    DASH,
    LAST_KNOWN_MARK,
    STALE_MARK,
    clip_text,
    format_cents,
    format_count,
    format_local,
    format_money,
    format_pct,
)
from monitor.report.labels import labels_for
from monitor.report.model import (
    FundingSection,
    GpuLine,
    GpuSection,
    HealthSection,
    MarketSection,
    TrafficSection,
    WatchSection,
    WeeklyReport,
)
from monitor.report.views import Cell, Chart, Row, SectionView, Table, make_cells, show_empty
from monitor.show_traffic import SOURCE_NAMES, format_duration_ms

__all__ = ["GPU_COLUMNS", "build_sections", "header_fields"]

GPU_COLUMNS = ("col_model", "col_provider", "col_instance", "col_gpus", "col_vcpu", "col_memory", "col_disk",
               "col_price_h", "col_per_gpu", "col_gpu_change", "col_status")  # fmt: skip


def _gpu_row(line: GpuLine, words: dict[str, str], zone: ZoneInfo) -> Row:
    mark = LAST_KNOWN_MARK if line.price_is_last_known and line.price is not None else ""
    billing = "" if line.billing == "on_demand" else line.billing
    status = Cell(
        words["sold_out"] if line.sold_out else words["available"],
        STALE_MARK if line.stale else "",
        words["last_seen"].format(date=format_local(line.last_seen, zone, "%Y-%m-%d")) if line.stale else "",
    )
    cells = make_cells(
        line.model,
        line.provider,
        Cell(line.instance, sub=" · ".join(filter(None, (line.region, billing)))),
        format_count(line.gpus),
        format_count(line.vcpus),
        format_count(line.memory_gb),
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
    if show_empty(view, gpu.empty, lang):
        return view
    png = charts.gpu_trend_png(gpu, lang)
    if png is not None:
        view.add("chart", chart=Chart("gpu", png, words["alt_gpu"]))
    headers = [words[k] for k in GPU_COLUMNS]
    rows = [_gpu_row(line, words, zone) for line in gpu.lines]
    view.add("table", table=Table(headers, rows, frozenset({3, 4, 5, 7, 8, 9})))
    view.add("note", words["note_gpu_change"])
    if len({line.currency for line in gpu.lines}) > 1:
        view.add("note", words["note_gpu_rank"].format(currency=gpu.trend_currency))
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
    if show_empty(view, traffic.empty, lang):
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
            rows.append(Row(make_cells(Cell(line.app, sub=line.domain), words["no_data_app"], *[DASH] * 4), "muted"))
            continue
        rank = DASH if line.global_rank is None else f"{line.global_rank:,}"
        rows.append(
            Row(
                make_cells(
                    Cell(line.app, sub=line.domain),
                    Cell(format_count(line.visits), mark),
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
    if show_empty(view, funding.empty, lang):
        return view
    joiner = "、" if lang == "zh" else ", "
    rows = [
        Row(
            make_cells(
                line.company + (words["planned"] if line.status == "planned" else ""),
                line.sector or DASH,
                joiner.join(line.leads) or DASH,
                zh_round(line.round) if lang == "zh" else line.round or DASH,
                line.amount or DASH,
                line.valuation or DASH,
                format_local(line.published, zone, "%Y-%m-%d"),
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
        Row(make_cells(str(i), str(q.symbol), str(q.name or DASH), format_cents(q.price), format_pct(q.change_pct)))
        for i, q in enumerate(quotes, 1)
    ]
    return Table(headers, rows, frozenset({0, 3, 4}), caption=caption, compact=True)


def _market_view(market: MarketSection, lang: str, zone: ZoneInfo, number: int) -> SectionView:
    words = labels_for(lang)
    view = SectionView("market", number, words["sec_market"])
    if show_empty(view, market.empty, lang):
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
            rows.append(
                Row(make_cells(Cell(week.name, sub=week.symbol), *days, format_pct(week.week_pct), best, worst))
            )
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
                board=board.board, members=board.members, quoted=board.quoted, at=format_local(board.as_of, zone)
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
    if show_empty(view, watch.empty, lang):
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
                make_cells(
                    line.symbol,
                    line.name or DASH,
                    Cell(format_cents(line.price), STALE_MARK if line.stale else ""),
                    *(format_cents(line.eps.get(y)) for y in watch.years),
                    *(line.pe.get(y) or DASH for y in watch.years),
                    change,
                    line.rating or DASH,
                    format_local(line.quote_time, zone),
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
                make_cells(
                    format_local(a.at, zone),
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
                make_cells(
                    s.source,
                    s.kind,
                    words.get(f"state_{s.state}", s.state),
                    str(s.succeeded),
                    str(s.failed),
                    format_local(s.last_success, zone),
                    clip_text(s.last_error) if s.last_error else DASH,
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


def build_sections(report: WeeklyReport) -> list[SectionView]:
    lang, zone = report.language, report.week.zone
    return [
        _gpu_view(report.gpu, lang, zone, 1),
        _traffic_view(report.traffic, lang, 2),
        _funding_view(report.funding, lang, zone, 3),
        _market_view(report.market, lang, zone, 4),
        _watch_view(report.watch, lang, zone, 5),
        _health_view(report, lang, zone, 6),
    ]


def header_fields(report: WeeklyReport) -> dict[str, Any]:
    words = labels_for(report.language)
    week = report.week
    return {
        "lang": report.language,
        "html_lang": "zh-CN" if report.language == "zh" else report.language,
        "title": words["title"],
        "week_text": words["week"].format(monday=week.monday.isoformat(), sunday=week.sunday.isoformat()),
        "partial_text": words["partial"] if week.partial else "",
        "generated_text": words["generated"].format(
            at=format_local(report.generated_at, week.zone), zone=week.zone.key
        ),
        "notes_title": words["notes"],
        "notes": list(report.notes),
    }
