"""The operator's pages: Alerts (firing, pending, history, silences), Sources (schedule, runs), Reports."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from alerts.silences import active_silences, silenced
from monitor.health import source_health
from monitor.web.action_views import action_panel, run_button, silence_button, with_buttons
from monitor.web.context import (
    MISSING,
    PageError,
    Table,
    WebState,
    check_params,
    language_of,
    link,
    state_of,
    tables_response,
    when,
)
from monitor.web.i18n import schedule_label, translate, value_label
from monitor.web.render import page
from storage.alert_models import AlertEvent, AlertState
from storage.runs import recent_runs

HISTORY_LIMIT = 500
REPORT_SUFFIXES = (".html", ".pdf", ".md")


def _label(series: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((series or {}).items()))


def active_alerts(session: Any, states: tuple[str, ...] = ("firing", "pending")) -> list[AlertState]:
    """Alert states now `firing` or `pending`, firing first, newest first."""
    rows = session.scalars(select(AlertState).where(AlertState.state.in_(states)))
    return sorted(rows, key=lambda s: (s.state != "firing", -(s.active_since or s.updated_at).timestamp()))


def alerts_page(request: Request) -> Response:
    check_params(request, ("rule",))
    language = language_of(request)
    state = state_of(request)
    rule = request.query_params.get("rule")
    known = {r.name for r in state.config.alerts.rules}
    with state.session() as session:
        if (
            rule is not None
            and rule not in known
            and session.scalar(select(AlertEvent.id).where(AlertEvent.rule == rule).limit(1)) is None
        ):
            raise PageError(404, f"rule={rule!r}: no such alert rule (rules: {', '.join(sorted(known)) or 'none'})")
        active = [a for a in active_alerts(session) if rule is None or a.rule == rule]
        query = select(AlertEvent).order_by(AlertEvent.at.desc(), AlertEvent.id.desc()).limit(HISTORY_LIMIT)
        if rule is not None:
            query = query.where(AlertEvent.rule == rule)
        events = list(session.scalars(query))
        silences = active_silences(session, state.now())

    def w(key: str) -> str:
        return translate(key, language)

    def rule_cell(name: str) -> tuple[str, str]:
        return (name, link(request, "/alerts", {"rule": name}))

    def states(e: AlertEvent) -> str:
        return " → ".join(value_label("alert_state", s, language) for s in (e.from_state, e.to_state))

    def state_cell(a: AlertState) -> str:
        muted = silenced(silences, a.rule, a.series or {})
        shown = value_label("alert_state", a.state, language)
        return shown if muted is None else f"{shown} · {value_label('notification', 'silenced', language)} #{muted.id}"

    def notification(e: AlertEvent) -> str:
        reason = "notified" if e.notified else e.suppressed
        return value_label("notification", reason, language)

    tables = [
        Table("alerts_active", [w("rule"), w("series"), w("state"), w("since_at")],
              [[rule_cell(a.rule), _label(a.series), state_cell(a), when(a.active_since)] for a in active],
              [[a.rule, _label(a.series), a.state, a.active_since] for a in active]),
        Table("alerts_history", [w("at"), w("rule"), w("series"), w("transition"), w("state"), w("notification")],
              [[when(e.at), rule_cell(e.rule), _label(e.series), value_label("transition", e.transition, language),
                states(e), notification(e)] for e in events],
              [[e.at, e.rule, _label(e.series), e.transition, e.to_state, "notified" if e.notified else e.suppressed]
               for e in events]),
        Table("silences", ["id", w("rule"), w("series"), w("ends_at"), w("comment")],
              [[s.id, rule_cell(s.rule), _label(s.matchers), when(s.ends_at), s.comment or ""] for s in silences],
              [[s.id, s.rule, _label(s.matchers), s.ends_at, s.comment] for s in silences]),
    ]  # fmt: skip
    answer, tables = tables_response(request, tables)
    if answer is not None:
        return answer
    actions = action_panel(state, silence=True, test=True)
    if actions.on:
        series_of = {(a.rule, _label(a.series)): a.series for a in active}
        shown = tables[0].raw or []
        with_buttons(tables[0], [silence_button(r[0], series_of.get((r[0], r[1])), language) for r in shown])
    titles = [f"{w('firing')} / {w('pending')}", w("alert_history"), w("silences")]
    return page(
        request,
        "list.html.j2",
        heading=w("alerts") + (f": {rule}" if rule else ""),
        tables=tables,
        tbl_titles=titles,
        sortable=True,
        download=True,
        actions=actions,
    )


def health_rows(state: WebState, session: Any) -> list[Any]:
    """`aipulse sources`/`status`'s health of every source (monitor.health)."""
    return source_health(session, state.config, state.kinds, state.now())


def scheduled_runs(state: WebState) -> dict[str, datetime]:
    """source -> the scheduler's next run time, when the daemon serves the page (else the schedule's estimate)."""
    if state.scheduler is None:
        return {}
    jobs = ((job.id, getattr(job, "next_run_time", None)) for job in state.scheduler.get_jobs())
    return {source: due for source, due in jobs if due is not None}


def sources_page(request: Request) -> Response:
    check_params(request)
    language = language_of(request)
    state = state_of(request)
    with state.session() as session:
        health = health_rows(state, session)
    scheduled = scheduled_runs(state)

    def w(key: str) -> str:
        return translate(key, language)

    headers = [w(k) for k in ("source", "kind", "schedule", "health", "last_run", "status", "last_success",
                              "next_run", "error")]  # fmt: skip
    shown = [[(h.source, link(request, f"/sources/{h.source}")), value_label("kind", h.kind, language),
              schedule_label(h.schedule, language),
              value_label("health", h.state, language), when(h.last_run_at),
              value_label("run_status", h.last_status, language), when(h.last_success_at),
              when(scheduled.get(h.source, h.next_run_at)) if h.enabled else MISSING,
              (h.last_error or "")[:120]] for h in health]  # fmt: skip
    raw = [[h.source, h.kind, h.schedule, h.state, h.last_run_at, h.last_status, h.last_success_at,
            scheduled.get(h.source, h.next_run_at), h.last_error] for h in health]  # fmt: skip
    answer, tables = tables_response(request, [Table("sources", headers, shown, raw)])
    if answer is not None:
        return answer
    actions = action_panel(state)
    if actions.on:
        shown = tables[0].raw or []
        with_buttons(tables[0], [run_button(r[0], language) if r[0] in state.kinds else None for r in shown])
    return page(request, "list.html.j2", heading=w("sources"), tables=tables, sortable=True, download=True,
                actions=actions)  # fmt: skip


def source_page(request: Request) -> Response:
    check_params(request)
    language = language_of(request)
    state = state_of(request)
    source = request.path_params["source"]
    if source not in state.kinds and source not in state.config.sources:
        raise PageError(404, f"unknown source {source!r} (known: {', '.join(sorted(state.kinds))})")
    with state.session() as session:
        health = next((h for h in health_rows(state, session) if h.source == source), None)
        runs = recent_runs(session, source, limit=200)

    def w(key: str) -> str:
        return translate(key, language)

    headers = ["id", w("started"), w("trigger"), w("status"), "s", w("items"), w("dropped"), w("error")]

    def seconds(run: Any) -> float | None:
        return (run.finished_at - run.started_at).total_seconds() if run.finished_at else None

    shown = [[r.id, when(r.started_at), value_label("trigger", r.trigger, language),
              value_label("run_status", r.status, language), f"{seconds(r):.1f}" if seconds(r) is not None else MISSING,
              r.items_stored, r.items_dropped, (r.error or "")[:160]] for r in runs]  # fmt: skip
    raw = [[r.id, r.started_at, r.trigger, r.status, seconds(r), r.items_stored, r.items_dropped, r.error]
           for r in runs]  # fmt: skip
    answer, tables = tables_response(request, [Table("runs", headers, shown, raw, frozenset({0, 4, 5, 6}))])
    if answer is not None:
        return answer
    note = "" if health is None else (f"{value_label('kind', health.kind, language)} · "
                                      f"{schedule_label(health.schedule, language)} · "
                                      f"{w('health')}: {value_label('health', health.state, language)} · "
                                      f"{w('next_run')}: {when(health.next_run_at)}")  # fmt: skip
    return page(
        request,
        "list.html.j2",
        heading=f"{w('sources')}: {source}",
        note=note,
        tables=tables,
        tbl_titles=[w("runs")],
        sortable=True,
        download=True,
        actions=action_panel(state, run=source),
    )


def report_files(request: Request) -> list[Any]:
    """The files under `report.out_dir` a browser can open (HTML, PDF, Markdown), newest first."""
    folder = state_of(request).config.report_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix in REPORT_SUFFIXES]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def reports_page(request: Request) -> Response:
    check_params(request)
    language = language_of(request)
    folder = state_of(request).config.report_dir()
    files = report_files(request)
    headers = [translate(k, language) for k in ("file", "size", "modified")]
    shown = [[(str(p.relative_to(folder)), f"/reports/{p.relative_to(folder).as_posix()}"), f"{p.stat().st_size:,}",
              when(datetime.fromtimestamp(p.stat().st_mtime, UTC))] for p in files]  # fmt: skip
    raw = [[str(p.relative_to(folder)), p.stat().st_size, datetime.fromtimestamp(p.stat().st_mtime, UTC)]
           for p in files]  # fmt: skip
    answer, tables = tables_response(request, [Table("reports", headers, shown, raw, frozenset({1}))])
    if answer is not None:
        return answer
    return page(
        request,
        "list.html.j2",
        heading=translate("reports", language),
        note=str(folder),
        tables=tables,
        sortable=True,
        download=True,
    )


def report_file(request: Request) -> Response:
    """One file of the archive; a name outside `report.out_dir` (`..`) or not a report file is a 404."""
    check_params(request)
    folder = state_of(request).config.report_dir().resolve()
    name = request.path_params["name"]
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or path.suffix not in REPORT_SUFFIXES or not path.is_file():
        raise PageError(404, f"no report file {name!r} in {folder}")
    media = "text/markdown; charset=utf-8" if path.suffix == ".md" else mimetypes.guess_type(path.name)[0]
    return FileResponse(path, media_type=media)
