"""The Overview page: the week's headline numbers, each block linking to its page.

Computing it reads every GPU series (`show gpu`'s rows), so the page is kept per "data version" (the newest
crawl run, alert transition and silence): a second view costs a lookup until a run or an alert changes the store,
and the served app's OverviewWarmer rebuilds it in the background when that happens.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from monitor.show_funding import build_funding_table
from monitor.show_gpu import GpuRow, gpu_rows
from monitor.web.context import MISSING, WebState, check_params, language_of, number, pct, state_of, when
from monitor.web.pages_gpu import biggest_moves, cheapest_by_region, series_link
from monitor.web.pages_more import traffic_data, watch_rows
from monitor.web.pages_ops import active_alerts, health_rows
from monitor.web.render import page

TOP = 5
WEEK = timedelta(days=7)
logger = logging.getLogger(__name__)


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


def build_overview(state: WebState, session: Any) -> OverviewData:
    """The Overview from the store now (the same functions as the `show` commands and `aipulse status`)."""
    fx = state.config.fx
    now = state.now()
    rows = gpu_rows(session, fx, now)
    section, by_symbol = watch_rows(state, session)
    watch = [(entry, by_symbol.get(entry.symbol)) for entry in section.watch]
    watch.sort(key=lambda pair: -abs(pair[1].change_pct or 0) if pair[1] is not None else 0)
    return OverviewData(
        cheapest=cheapest_by_region(rows),
        compared_in=fx.base,
        moves=biggest_moves(rows, TOP),
        traffic=traffic_data(state, session),
        rounds=build_funding_table(session, since=now - WEEK, ai_only=state.config.report.funding_ai_only)[:TOP],
        watch=watch[:TOP],
        firing=active_alerts(session, ("firing",))[:20],
        problems=[h for h in health_rows(state, session) if h.state in ("failing", "stale")],
        built_at=now,
    )


def overview_data(state: WebState) -> OverviewData:
    """The Overview of the store as it is now (kept per data version: WebState.kept)."""
    return state.kept("overview", lambda session: build_overview(state, session))


class OverviewWarmer:
    """Rebuilds the kept Overview in the background whenever the data version changes (every `every_s`), so a
    visitor after a crawl run does not wait for it; served pages never block on this thread."""

    def __init__(self, state: WebState, every_s: float = 15.0) -> None:
        self.state, self.every_s = state, every_s
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="web overview", daemon=True)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                overview_data(self.state)
            except Exception as exc:  # the database away: the page says so when asked; try again later
                logger.debug("overview warm-up failed: %s", str(exc).splitlines()[0] if str(exc) else exc)
            self.stopping.wait(self.every_s)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()


def overview_page(request: Request) -> Response:
    check_params(request)
    language_of(request)  # a bad ?lang= is a 400 before any work
    data = overview_data(state_of(request))
    traffic = data.traffic
    leaders = sorted((x for x in traffic.lines if x.visits), key=lambda x: -(x.visits or 0))[:TOP]
    movers = sorted((x for x in traffic.lines if x.visits_change_pct is not None),
                    key=lambda x: -abs(x.visits_change_pct or Decimal(0)))[:TOP]  # fmt: skip
    return page(
        request, "overview.html.j2", data=data, leaders=leaders, movers=movers, number=number, pct=pct,
        when=when, missing=MISSING, series_link=lambda offer: series_link(request, offer),
    )  # fmt: skip
