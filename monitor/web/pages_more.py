"""The Traffic, Funding, Quotes and Market pages: the `show` commands' tables, with a chart each."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.config.traffic import watched_apps
from core.durations import parse_duration
from monitor.show_funding import build_funding_table, parse_usd
from monitor.show_market import market_week
from monitor.show_quotes import exchange_time, pe_ratio, quotes_config
from monitor.show_traffic import build_traffic_table, format_duration_ms
from monitor.web.charts import Line, line_chart
from monitor.web.context import (
    MISSING,
    PageError,
    Table,
    WebState,
    check_params,
    date_param,
    flag_param,
    language_of,
    number,
    pct,
    state_of,
    tables_response,
)
from monitor.web.i18n import translate
from monitor.web.render import page
from storage.queries import history, latest

#: how many periods of visits the traffic chart shows
TRAFFIC_CHART_PERIODS = 12


def traffic_data(state: WebState, session: Any) -> Any:
    """`show traffic`'s table for the watched apps (the latest complete period)."""
    return build_traffic_table(session, watched_apps(state.config), None, state.now().date())


def traffic_table(table: Any, language: str) -> Table:
    headers = [translate(k, language) for k in ("app", "visits", "change", "duration", "change", "rank")]
    shown = [[line.app, number(line.visits, "1") if line.visits is not None else MISSING, pct(line.visits_change_pct),
              format_duration_ms(line.avg_visit_duration_s), pct(line.duration_change_pct),
              line.global_rank if line.global_rank is not None else MISSING] for line in table.lines]  # fmt: skip
    raw = [[line.app, line.visits, line.visits_change_pct, line.avg_visit_duration_s, line.duration_change_pct,
            line.global_rank] for line in table.lines]  # fmt: skip
    return Table("traffic", headers, shown, raw, frozenset({1, 2, 3, 4, 5}))


def traffic_page(request: Request) -> Response:
    check_params(request)
    language = language_of(request)
    state = state_of(request)
    with state.session() as session:
        data = traffic_data(state, session)
        lines = []
        if data.source is not None:
            since = datetime.combine(data.period_start, time(), UTC) - timedelta(weeks=TRAFFIC_CHART_PERIODS * 5)
            for line in sorted((x for x in data.lines if x.visits), key=lambda x: -(x.visits or 0))[:6]:
                rows = history(session, "traffic", {"source": data.source, "domain": line.domain,
                                                    "granularity": data.granularity}, since)  # fmt: skip
                points = [(datetime.combine(r.period_start, time(), UTC), float(r.visits)) for r in rows if r.visits]
                lines.append(Line(line.app, points[-TRAFFIC_CHART_PERIODS:]))
    answer, tables = tables_response(request, [traffic_table(data, language)])
    if answer is not None:
        return answer
    note = f"{data.source or MISSING} · {data.granularity} · {data.period_start or MISSING}"
    return page(
        request,
        "list.html.j2",
        heading=translate("traffic", language),
        tables=tables,
        note=note,
        chart=line_chart(lines, unit=translate("visits", language)),
        sortable=True,
        download=True,
    )


def funding_lines(request: Request, session: Any, default_since: str = "7d") -> list[Any]:
    """`show funding`'s rows for the request's `since`, `ai_only` and `min_usd`."""
    state = state_of(request)
    since_text = request.query_params.get("since", "").strip() or default_since
    try:
        since = state.now() - parse_duration(since_text)
    except ValueError:
        day = date_param(request, "since")  # a date works too
        assert day is not None
        since = datetime.combine(day, time(), UTC)
    min_text = request.query_params.get("min_usd", "").strip()
    try:
        min_usd = parse_usd(min_text) if min_text else None
    except ValueError as exc:
        raise PageError(400, f"min_usd={min_text!r}: {exc}") from None
    return build_funding_table(session, since=since, ai_only=flag_param(request, "ai_only"), min_usd=min_usd)


class Mentions(list[tuple[str, str, str]]):
    """A cell listing a round's articles: each outlet linked to its article, the headline on hover."""

    def __html__(self) -> str:
        # scraped URLs: only http(s) becomes a link (a javascript: one would run on a click)
        return ", ".join(
            f'<a href="{escape(url)}" title="{escape(headline)}" rel="noreferrer">{escape(outlet)}</a>'
            if url.startswith(("https://", "http://"))
            else escape(outlet)
            for outlet, headline, url in self
        )


def funding_table(lines: list[Any], language: str) -> Table:
    headers = [translate(k, language) for k in ("company", "round", "amount", "date", "outlets")] + ["USD"]
    shown = [[line.company + (" (planned)" if line.status == "planned" else ""), line.round, line.amount,
              f"{line.published:%Y-%m-%d}", Mentions(line.mentions),
              number(line.usd_high or line.usd_low, "1")] for line in lines]  # fmt: skip
    raw = [[line.company, line.round, line.amount, line.published, ", ".join(line.outlets),
            line.usd_high or line.usd_low] for line in lines]  # fmt: skip
    return Table("funding", headers, shown, raw, frozenset({5}))


def funding_page(request: Request) -> Response:
    check_params(request, ("since", "ai_only", "min_usd"))
    language = language_of(request)
    with state_of(request).session() as session:
        lines = funding_lines(request, session)
    answer, tables = tables_response(request, [funding_table(lines, language)])
    if answer is not None:
        return answer
    by_day: dict[datetime, float] = {}
    for line in lines:
        day = datetime.combine(line.published.astimezone(UTC).date(), time(), UTC)
        by_day[day] = by_day.get(day, 0.0) + float(line.usd_high or line.usd_low or Decimal(0)) / 1e6
    chart = line_chart([Line("USD M / day", sorted(by_day.items()))], unit="USD M", bars=True)
    filters = [
        {"name": "since", "label": translate("since", language), "kind": "text", "placeholder": "7d, 30d, 2026-11-01",
         "value": request.query_params.get("since")},
        {"name": "ai_only", "label": translate("ai_only", language), "kind": "check",
         "value": flag_param(request, "ai_only")},
        {"name": "min_usd", "label": translate("min_usd", language), "kind": "text", "placeholder": "10M",
         "value": request.query_params.get("min_usd")},
    ]  # fmt: skip
    return page(
        request,
        "list.html.j2",
        heading=translate("funding", language),
        tables=tables,
        filters=filters,
        chart=chart,
        sortable=True,
        download=True,
        lang_param=request.query_params.get("lang"),
    )


def watch_rows(state: WebState, session: Any) -> tuple[Any, dict[str, Any]]:
    """The watch list and the latest stored quote of each of its symbols (as `show quotes`)."""
    section = quotes_config(state.config)
    rows = latest(session, "quotes", symbol=[entry.symbol for entry in section.watch]) if section.watch else []
    return section, {row.symbol: row for row in rows}


def quotes_table(section: Any, by_symbol: dict[str, Any], language: str) -> Table:
    years = sorted({year for entry in section.watch for year in entry.eps})
    headers = [translate(k, language) for k in ("symbol", "name", "price")]
    headers += [f"EPS {y}" for y in years] + [f"PE {y}" for y in years]
    headers += [translate(k, language) for k in ("change", "rating", "quote_time")]
    shown, raw = [], []
    for entry in section.watch:
        row = by_symbol.get(entry.symbol)
        price = None if row is None else (row.price if row.price is not None else row.prev_close)
        eps = [entry.eps.get(y) for y in years]
        change = row.change_pct if row is not None else None
        name = entry.name or (row.name if row is not None else "")
        shown.append([entry.symbol, name, number(price, "0.01"), *(number(e) for e in eps),
                      *(pe_ratio(price, e) for e in eps), pct(change), entry.rating or "",
                      exchange_time(entry.symbol, row.quote_time) if row is not None else MISSING])  # fmt: skip
        raw.append([entry.symbol, name, price, *eps, *(pe_ratio(price, e) for e in eps), change, entry.rating,
                    row.quote_time if row is not None else None])  # fmt: skip
    return Table("quotes", headers, shown, raw, frozenset(range(2, 4 + 2 * len(years))))


def quotes_page(request: Request) -> Response:
    check_params(request)
    language = language_of(request)
    state = state_of(request)
    now = state.now()
    with state.session() as session:
        section, by_symbol = watch_rows(state, session)
        lines = []
        for entry in section.watch[:6]:
            rows = [
                r for r in history(session, "quotes", {"symbol": entry.symbol}, now - timedelta(days=30)) if r.price
            ]
            base = float(rows[0].price) if rows else 1.0  # each symbol as an index of its first price: comparable
            lines.append(Line(entry.name or entry.symbol, [(r.quote_time, float(r.price) / base * 100) for r in rows]))
    answer, tables = tables_response(request, [quotes_table(section, by_symbol, language)])
    if answer is not None:
        return answer
    return page(
        request,
        "list.html.j2",
        heading=translate("quotes", language),
        tables=tables,
        chart=line_chart([x for x in lines if x.points], unit="(first = 100)"),
        chart_caption="30d · first price = 100",
        sortable=True,
        download=True,
    )


def market_page(request: Request) -> Response:
    check_params(request, ("week",))
    language = language_of(request)
    week = date_param(request, "week")
    state = state_of(request)
    with state.session() as session:
        data = market_week(session, quotes_config(state.config), week)
    headers = [translate("symbol", language), translate("name", language)]
    headers += [f"{day:%m-%d}" for day in data.days] + [translate("week", language)]
    shown = [[w.symbol, w.name, *(pct(w.daily_pct.get(d)) for d in data.days), pct(w.week_pct)] for w in data.indices]
    raw = [[w.symbol, w.name, *(w.daily_pct.get(d) for d in data.days), w.week_pct] for w in data.indices]
    tables = [Table("index_week", headers, shown, raw, frozenset(range(2, 3 + len(data.days))))]
    chart_lines = []
    for w in data.indices:
        level, points = 100.0, []
        for day in data.days:
            change = w.daily_pct.get(day)
            if change is not None:
                level *= 1 + float(change) / 100
                points.append((datetime.combine(day, time(), UTC), level))
        chart_lines.append(Line(w.name or w.symbol, points))
    for movers in data.boards:
        rows = [*movers.gainers, *movers.losers]
        tables.append(Table(f"board_{movers.board}", [translate(k, language) for k in ("symbol", "name", "change")],
                            [[r.symbol, r.name, pct(r.change_pct)] for r in rows],
                            [[r.symbol, r.name, r.change_pct] for r in rows], frozenset({2})))  # fmt: skip
    answer, tables = tables_response(request, tables)
    if answer is not None:
        return answer
    titles = [translate("index_week", language)] + [f"{translate('board_movers', language)} {b.board}"
                                                     for b in data.boards]  # fmt: skip
    return page(request, "list.html.j2", heading=translate("market", language), tables=tables, tbl_titles=titles,
                chart=line_chart([x for x in chart_lines if x.points], unit="index = 100"),
                note="; ".join(data.warnings), sortable=True, download=True)  # fmt: skip
