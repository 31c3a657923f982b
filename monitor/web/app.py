"""The ASGI app of the dashboard and `/metrics`, and the server that runs it.

Starlette on uvicorn: the app needs routing, Jinja2 pages, static files and a test client, which Starlette has in
a small dependency; FastAPI would add pydantic request models and OpenAPI we do not use (the pages validate their
few query parameters themselves, with reasons on a 400 page). ASGI on uvicorn runs in a thread beside the
daemon's scheduler, and stops with it. Charts are server-side SVG (monitor/web/charts.py): nothing to vendor.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from core.config import AppConfig
from core.config.web import parse_listen
from monitor.web.actions import run_action, silence_action, test_notification_action
from monitor.web.context import PageError, WebState, state_of
from monitor.web.metrics import registry_for
from monitor.web.pages_gpu import gpu_page, gpu_series_page
from monitor.web.pages_more import funding_page, market_page, quotes_page, traffic_page
from monitor.web.pages_ops import alerts_page, report_file, reports_page, source_page, sources_page
from monitor.web.pages_overview import OverviewWarmer, overview_page
from monitor.web.render import error_page
from storage.db import DatabaseError, session_factory

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def database_reachable(state: WebState) -> str | None:
    """None when `SELECT 1` works, else the first line of the error (no URL, no password)."""
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return None


def healthz(request: Request) -> Response:
    """200 while the process is up and the database answers; 503 otherwise."""
    problem = database_reachable(state_of(request))
    if problem is not None:
        return JSONResponse({"status": "unavailable", "database": problem}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def readyz(request: Request) -> Response:
    """Ready to serve pages: the database answers and its schema has the tables the pages read."""
    state = state_of(request)
    problem = database_reachable(state)
    if problem is None:
        try:
            with state.session() as session:
                session.execute(text("SELECT count(*) FROM crawl_runs WHERE 1 = 0"))
        except SQLAlchemyError:
            problem = "the schema is not migrated (run `aipulse init` or `alembic upgrade head`)"
    if problem is not None:
        return JSONResponse({"status": "not ready", "reason": problem}, status_code=503)
    return JSONResponse({"status": "ready"})


def metrics(request: Request) -> Response:
    """The Prometheus text format, read from the store now; 503 while the database is away."""
    try:
        body = generate_latest(request.app.state.registry)
    except SQLAlchemyError as exc:
        logger.warning("/metrics: the database is unavailable: %s", str(exc).splitlines()[0])
        return PlainTextResponse("# the database is unavailable\n", status_code=503)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    if request.url.path.startswith("/actions/"):
        return JSONResponse({"error": exc.reason}, status_code=exc.status)
    return error_page(request, exc.status, exc.reason)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    reason = {404: f"no page at {request.url.path}", 405: f"{request.method} is not allowed on {request.url.path}"}
    return error_page(request, exc.status_code, reason.get(exc.status_code, str(exc.detail)))


async def _database_error(request: Request, exc: Exception) -> Response:
    logger.warning("web %s: the database is unavailable: %s", request.url.path, str(exc).splitlines()[0])
    return error_page(request, 503, "the database is unavailable: the pages come back when it answers again")


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("web %s failed", request.url.path)
    return error_page(request, 500, "this page failed; the server log has the details")


def create_app(
    config: AppConfig, engine: Engine, kinds: dict[str, str], *, scheduler: Any = None, runner: Any = None
) -> Starlette:
    """The dashboard over `engine`; `scheduler` and `runner` when the daemon serves it (next-run lag, run now)."""
    token = config.web.token.resolve() if config.web.token is not None else None
    state = WebState(config, engine, session_factory(engine), kinds, token=token, scheduler=scheduler, runner=runner)
    routes = [
        Route("/", overview_page),
        Route("/gpu", gpu_page),
        Route("/gpu/series", gpu_series_page),
        Route("/traffic", traffic_page),
        Route("/funding", funding_page),
        Route("/quotes", quotes_page),
        Route("/market", market_page),
        Route("/alerts", alerts_page),
        Route("/sources", sources_page),
        Route("/sources/{source}", source_page),
        Route("/reports", reports_page),
        Route("/reports/{name:path}", report_file),
        Route("/metrics", metrics),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/actions/silence", silence_action, methods=["POST"]),
        Route("/actions/run/{source}", run_action, methods=["POST"]),
        Route("/actions/test-notification", test_notification_action, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers: dict[Any, Any] = {
        PageError: _page_error,
        HTTPException: _http_error,
        DBAPIError: _database_error,
        DatabaseError: _database_error,
        Exception: _server_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.web = state
    app.state.registry = registry_for(state)
    return app


def _ignore(_signum: int, _frame: Any) -> None:
    """The stand-in handler uvicorn re-raises its caught signal through."""


class WebServer:
    """uvicorn serving the app in a thread of its own (the daemon's), stopped with `stop()`."""

    def __init__(self, app: Starlette, listen: str) -> None:
        host, port = parse_listen(listen)
        # access_log off: a request line may carry query values; uvicorn's own log setup is left to ours
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)
        self.warmer = OverviewWarmer(app.state.web)

    def start(self) -> None:
        self.warmer.start()
        self.thread.start()

    def serve(self) -> None:
        """Serve in the calling thread until Ctrl-C / SIGTERM, then return (exit code 0).

        uvicorn stops on both and raises the signal again through the handler it found; a handler that does
        nothing lets the command end normally instead of dying of the signal."""
        previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.warmer.start()
        try:
            self.server.run()
        finally:
            self.warmer.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self, timeout: float = 5.0) -> None:
        self.warmer.stop()
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)

    @property
    def started(self) -> bool:
        return bool(self.server.started)
