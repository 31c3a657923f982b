"""The Overview page: the week's headline numbers, each block linking to its page.

Computing it reads every GPU series (`show gpu`'s rows), so the page is kept per "data version" (the newest
crawl run, alert transition and silence): a second view costs a lookup until a run or an alert changes the store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from monitor.show_gpu import GpuRow, gpu_rows
from monitor.web.context import MISSING, WebState, check_params, language_of, number, pct, state_of, when
from monitor.web.pages_gpu import biggest_moves, cheapest_by_region, series_link
from monitor.web.pages_more import funding_lines, traffic_data, watch_rows
from monitor.web.pages_ops import active_alerts, health_rows
from monitor.web.render import page
from storage.alert_models import AlertEvent, AlertSilence
from storage.models import CrawlRun

TOP = 5


@dataclass
class OverviewData:
    """What the Overview shows, independent of the page's language."""

    cheapest: dict[str, dict[str, GpuRow]]
    compared_in: str
    moves: list[GpuRow]
    traffic: Any
    rounds: list[Any]
    watch: list[tuple[Any, Any]]
    firing: list[Any]
    problems: list[Any]
    built_at: datetime


_cache: dict[int, tuple[tuple[Any, ...], OverviewData]] = {}
_lock = threading.Lock()


def data_version(session: Any) -> tuple[Any, ...]:
    """Changes whenever a run starts or ends, an alert transitions or a silence is added or ended."""
    runs = session.execute(select(func.max(CrawlRun.id), func.max(CrawlRun.finished_at), func.count(CrawlRun.id))).one()
    events = session.scalar(select(func.max(AlertEvent.id)))
    silences = session.execute(select(func.max(AlertSilence.id), func.min(AlertSilence.ends_at))).one()
    return (*runs, events, *silences)


def build_overview(request: Request, session: Any) -> OverviewData:
    state = state_of(request)
    fx = state.config.fx
    rows = gpu_rows(session, fx, state.now())
    section, by_symbol = watch_rows(request, session)
    watch = [(entry, by_symbol.get(entry.symbol)) for entry in section.watch]
    watch.sort(key=lambda pair: -abs(pair[1].change_pct or 0) if pair[1] is not None else 0)
    return OverviewData(
        cheapest=cheapest_by_region(rows),
        compared_in=fx.base,
        moves=biggest_moves(rows, TOP),
        traffic=traffic_data(request, session),
        rounds=funding_lines(request, session)[:TOP],
        watch=watch[:TOP],
        firing=active_alerts(session, ("firing",))[:20],
        problems=[h for h in health_rows(request, session) if h.state in ("failing", "stale")],
        built_at=state.now(),
    )


def overview_data(request: Request) -> OverviewData:
    """The Overview of the store as it is now (kept until the data version changes, or the hour does: the
    "vs 7 days ago" columns move with the clock)."""
    state: WebState = state_of(request)
    with state.session() as session:
        version = (*data_version(session), state.now().strftime("%Y%m%d%H"))
        with _lock:
            kept = _cache.get(id(state))
        if kept is not None and kept[0] == version:
            return kept[1]
        data = build_overview(request, session)
    with _lock:
        _cache[id(state)] = (version, data)
    return data


def overview_page(request: Request) -> Response:
    check_params(request)
    language_of(request)  # a bad ?lang= is a 400 before any work
    data = overview_data(request)
    traffic = data.traffic
    leaders = sorted((x for x in traffic.lines if x.visits), key=lambda x: -(x.visits or 0))[:TOP]
    movers = sorted((x for x in traffic.lines if x.visits_change_pct is not None),
                    key=lambda x: -abs(x.visits_change_pct or Decimal(0)))[:TOP]  # fmt: skip
    return page(
        request, "overview.html.j2", data=data, leaders=leaders, movers=movers, number=number, pct=pct,
        when=when, missing=MISSING, series_link=lambda offer: series_link(request, offer),
    )  # fmt: skip
