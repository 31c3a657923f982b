"""The dashboard's actions (POST only, off unless `[web] token` is set): silence an alert, run a source now, send
a test notification. The token comes in `Authorization: Bearer <token>`, never a cookie, so a page of another
site cannot make a browser send it (no CSRF); it is compared in constant time and never logged or shown."""

from __future__ import annotations

import hmac
import json
import logging
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alerts.outbox import enqueue_test
from alerts.service import flush
from alerts.silences import silence
from core.durations import parse_duration
from monitor.web.context import PageError, WebState, state_of

logger = logging.getLogger(__name__)

#: the trigger recorded for a run started from the dashboard (crawl_runs.trigger)
WEB_TRIGGER = "web"


def authorised(request: Request) -> WebState:
    """The app's state when the request carries the token; 401 (actions off, or no/wrong token) otherwise."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if state.token is None:
        raise PageError(401, 'actions are off: set [web] token = "${AIPULSE_WEB_TOKEN}" to enable them')
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), state.token.encode()):
        raise PageError(401, "this action needs the header Authorization: Bearer <the [web] token>")
    return state


async def _fields(request: Request) -> dict[str, Any]:
    """The request's fields: a JSON object, or a form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise PageError(400, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise PageError(400, "the body must be a JSON object")
        return body
    return dict(await request.form())


async def silence_action(request: Request) -> Response:
    """`rule`, `for` (a duration, default 2h), optional `series` (an object of labels) and `comment`."""
    state = authorised(request)
    fields = await _fields(request)
    rule = str(fields.get("rule", "")).strip()
    known = {r.name for r in state.config.alerts.rules}
    if rule not in known:
        raise PageError(404, f"unknown alert rule {rule!r} (rules: {', '.join(sorted(known)) or 'none'})")
    try:
        length = parse_duration(str(fields.get("for") or "2h"))
    except ValueError as exc:
        raise PageError(400, f"for: {exc}") from None
    series = fields.get("series") or {}
    if isinstance(series, str):
        try:
            series = json.loads(series) if series.strip() else {}
        except ValueError:
            raise PageError(400, "series: not a JSON object of labels") from None
    if not isinstance(series, dict):
        raise PageError(400, "series: must be an object of labels")
    now = state.now()
    with state.sessions.begin() as session:
        row = silence(session, rule, series, now + length, now=now, comment=str(fields.get("comment") or "") or None)
        created = {"id": row.id, "rule": row.rule, "ends_at": row.ends_at.isoformat()}
    logger.info("web: silenced %s until %s", rule, created["ends_at"])
    return JSONResponse(created, status_code=201)


async def run_action(request: Request) -> Response:
    """Start a run of the source now (in the background: the answer does not wait for the crawl)."""
    state = authorised(request)
    source = request.path_params["source"]
    if source not in state.kinds:
        raise PageError(404, f"unknown source {source!r} (known: {', '.join(sorted(state.kinds))})")
    if state.runner is None:
        from monitor.crawling import CrawlRunner

        state.runner = CrawlRunner(state.config, state.engine)
    runner = state.runner
    thread = threading.Thread(target=runner.run, args=(source, WEB_TRIGGER), name=f"web run {source}", daemon=True)
    thread.start()
    state.background.append(thread)
    logger.info("web: run of %s started", source)
    return JSONResponse({"source": source, "started": True}, status_code=202)


async def test_notification_action(request: Request) -> Response:
    """Queue a test message to `target` (from [alerts.targets]) and deliver the outbox once."""
    state = authorised(request)
    fields = await _fields(request)
    target = str(fields.get("target", "")).strip()
    alerts = state.config.alerts
    if target not in alerts.targets:
        raise PageError(404, f"unknown target {target!r} (targets: {', '.join(sorted(alerts.targets)) or 'none'})")
    now = state.now()
    with state.sessions.begin() as session:
        queued = len(enqueue_test(session, alerts, target, now))
    report = flush(state.sessions, alerts, now=now)
    return JSONResponse({"target": target, "queued": queued, "errors": len(report.errors)}, status_code=202)
