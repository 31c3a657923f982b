"""Jinja2 pages: the layout's navigation, the page's language, and the error page (no traceback, ever)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from monitor.web.context import PageError, language_of, link, state_of
from monitor.web.i18n import LANGUAGES, translate, value_label

#: every template is HTML: escape everything (scraped text, error messages) unless it is Markup; the `*.html.j2`
#: names are not what jinja2.select_autoescape() recognises, so autoescape is set, not selected
TEMPLATES = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
)
#: scripts only from this site's /static (no inline script, no other origin): the actions' token, kept in the
#: browser's sessionStorage, is readable only by our own actions.js; styles may be inline (the SVG charts')
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
#: (path, word key) of the navigation bar
NAV = [("/", "overview"), ("/gpu", "gpu"), ("/traffic", "traffic"), ("/funding", "funding"), ("/quotes", "quotes"),
       ("/market", "market"), ("/alerts", "alerts"), ("/sources", "sources"), ("/reports", "reports")]  # fmt: skip


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the words of the request's language and the site's links."""
    try:
        language = language_of(request)
    except PageError:
        language = state_of(request).config.report.language
    words = {key: translate(key, language) for key in _keys()}
    response: HTMLResponse = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": language, "t": words, "nav": NAV, "languages": LANGUAGES,
            "link": lambda path, params=None, keep=False: link(request, path, params, keep=keep),
            "value_label": lambda kind, value: value_label(kind, value, language),
            "path": request.url.path, "demo": context.pop("demo", False), **context,
        },
        status_code=status_code,
    )  # fmt: skip
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _keys() -> list[str]:
    from monitor.web.i18n import WORDS

    return list(WORDS)


def error_page(request: Request, status: int, reason: str) -> HTMLResponse:
    """The page of a request that failed: its status, what went wrong, a way back."""
    title = {400: "bad_request", 404: "not_found", 503: "unavailable"}.get(status, "server_error")
    return page(request, "error.html.j2", status_code=status, status=status, title_key=title, reason=reason)
