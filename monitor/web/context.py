"""What every page shares: the app's state, strict query parameters, tables with paging, sorting and downloads."""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from core.config import AppConfig
from monitor.export import write_csv, write_xlsx
from monitor.web.i18n import LANGUAGES
from storage.alert_models import AlertEvent, AlertSilence
from storage.models import CrawlRun

#: rows per page of every table (the pages paginate instead of rendering thousands of rows)
PAGE_SIZE = 50
#: parameters every page takes besides its own
COMMON_PARAMS = frozenset({"lang", "format", "table", "page", "sort", "desc"})
DOWNLOAD_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MISSING = "—"
#: how many computed results (Overview, GPU rows per filter) a WebState keeps
KEPT_RESULTS = 64
T = TypeVar("T")


class PageError(Exception):
    """A request that cannot be answered as asked: `status` 400 or 404, `reason` shown on the error page."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class WebState:
    """The app's state: configuration, the store, and (when served by the daemon) its scheduler and runner."""

    config: AppConfig
    engine: Engine
    sessions: sessionmaker[Session]
    kinds: dict[str, str]
    token: str | None = None
    scheduler: Any = None
    runner: Any = None
    #: threads the actions started (runs now), joined on shutdown
    background: list[Any] = field(default_factory=list)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    #: results kept per data version (see `kept`): key -> (version, value)
    results: dict[Any, tuple[tuple[Any, ...], Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def kept(self, key: Any, build: Callable[[Session], T]) -> T:
        """`build(session)`, computed again only when the data version (see data_version) or the hour changes:
        the store changes only when a run, an alert transition or a silence does, and "vs 7 days ago" moves
        with the clock. At most KEPT_RESULTS keys are kept."""
        with self.session() as session:
            version = (*data_version(session), self.now().strftime("%Y%m%d%H"))
            with self._lock:
                hit = self.results.get(key)
            if hit is not None and hit[0] == version:
                value: T = hit[1]
                return value
            value = build(session)
        with self._lock:
            if len(self.results) >= KEPT_RESULTS:
                self.results.clear()
            self.results[key] = (version, value)
        return value

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (closed at the end without a commit: pages never write; the rows read stay
        loaded for the template)."""
        with self.sessions() as session:
            yield session


def data_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a run starts or ends, an alert transitions or a silence is added or ended."""
    runs = session.execute(select(func.max(CrawlRun.id), func.max(CrawlRun.finished_at), func.count(CrawlRun.id))).one()
    events = session.scalar(select(func.max(AlertEvent.id)))
    silences = session.execute(select(func.max(AlertSilence.id), func.min(AlertSilence.ends_at))).one()
    return (*runs, events, *silences)


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def language_of(request: Request) -> str:
    """`?lang=` when given (zh or en), else `[report] language`."""
    wanted = request.query_params.get("lang")
    if wanted is None:
        return state_of(request).config.report.language
    if wanted not in LANGUAGES:
        raise PageError(400, f"lang={wanted!r}: use one of {', '.join(LANGUAGES)}")
    return wanted


def check_params(request: Request, allowed: Sequence[str] = ()) -> None:
    """400 for any query parameter the page does not take (a typo must not silently show unfiltered rows)."""
    known = COMMON_PARAMS | set(allowed)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise PageError(400, f"unknown query parameter {unknown[0]!r} (this page takes: {', '.join(sorted(known))})")


def values(request: Request, name: str) -> list[str]:
    """Every non-empty value of a repeatable parameter (`?model=A100-80G&model=H100-80G`)."""
    return [v.strip() for v in request.query_params.getlist(name) if v.strip()]


def date_param(request: Request, name: str) -> date | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PageError(400, f"{name}={text!r} is not a date like 2026-11-16") from None


def flag_param(request: Request, name: str) -> bool:
    text = request.query_params.get(name, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise PageError(400, f"{name}={text!r}: use 1 or 0")


def page_param(request: Request) -> int:
    text = request.query_params.get("page", "1").strip()
    if not text.isdigit() or int(text) < 1:
        raise PageError(400, f"page={text!r} is not a page number (1, 2, …)")
    return int(text)


@dataclass
class Table:
    """One table of a page: display cells (a cell is text, or (text, link)), the raw values for download, and
    which columns sort as numbers. `rows` and `raw` line up."""

    name: str
    headers: list[str]
    rows: list[list[Any]]
    raw: list[list[Any]] | None = None
    numeric: frozenset[int] = frozenset()
    page: int = 1
    pages: int = 1
    total: int = 0
    sort: int | None = None
    desc: bool = False


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None or value == MISSING:
        return (1, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float | Decimal):
        return (0, Decimal(str(value)))
    if isinstance(value, datetime):
        return (0, value.timestamp())
    return (0, str(value))


def _addressed(request: Request, table: Table, primary: bool) -> bool:
    named = request.query_params.get("table")
    return named == table.name if named is not None else primary


def sorted_rows(request: Request, table: Table, *, primary: bool = True) -> Table:
    """The table sorted by `?sort=<column>&desc=1` (on its raw values) when the request addresses it (`table=`
    its name, or none and it is the page's primary table); a column it has not is a 400."""
    raw = table.raw if table.raw is not None else table.rows
    order = list(range(len(table.rows)))
    sort = request.query_params.get("sort")
    if sort is not None and _addressed(request, table, primary):
        if not sort.isdigit() or int(sort) >= len(table.headers):
            raise PageError(400, f"sort={sort!r}: a column number from 0 to {len(table.headers) - 1}")
        table.sort, table.desc = int(sort), flag_param(request, "desc")
        order.sort(key=lambda i: _sort_value(raw[i][int(sort)]), reverse=table.desc)
    table.rows, table.raw, table.total = [table.rows[i] for i in order], [raw[i] for i in order], len(order)
    return table


def paged(request: Request, table: Table, *, primary: bool = True) -> Table:
    """The sorted table cut to `?page=` (when addressed, else its first page); a page past the end is a 404."""
    table = sorted_rows(request, table, primary=primary)
    page = page_param(request) if _addressed(request, table, primary) else 1
    table.pages = max(1, -(-table.total // PAGE_SIZE))
    if page > table.pages:
        raise PageError(404, f"page {page} is past the end: this table has {table.pages} page(s)")
    table.page = page
    start = (page - 1) * PAGE_SIZE
    assert table.raw is not None
    table.rows, table.raw = table.rows[start : start + PAGE_SIZE], table.raw[start : start + PAGE_SIZE]
    return table


def tables_response(request: Request, tables: Sequence[Table]) -> tuple[Response | None, list[Table]]:
    """A download when asked for (`?format=`), else the tables sorted and paged for the page (first primary)."""
    if "format" in request.query_params:
        return download(request, *[sorted_rows(request, t, primary=i == 0) for i, t in enumerate(tables)]), []
    return None, [paged(request, t, primary=i == 0) for i, t in enumerate(tables)]


def download(request: Request, *tables: Table) -> Response | None:
    """`?format=csv|xlsx[&table=NAME]`: the whole table (every page, in its sort order; the page's first one
    unless `table` names another) through monitor.export's writers; None without `format`."""
    wanted = request.query_params.get("format")
    if wanted is None:
        return None
    name = request.query_params.get("table", tables[0].name)
    found = [t for t in tables if t.name == name]
    if not found:
        raise PageError(404, f"table={name!r}: this page has {', '.join(t.name for t in tables)}")
    table = found[0]
    if wanted not in DOWNLOAD_FORMATS:
        raise PageError(400, f"format={wanted!r}: use csv or xlsx")
    raw = table.raw if table.raw is not None else table.rows
    headers = table.headers
    filename = f"aipulse-{table.name}.{wanted}"
    if wanted == "csv":
        stream = io.StringIO()
        write_csv(stream, headers, raw)
        body: bytes = ("\ufeff" + stream.getvalue()).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / filename
            write_xlsx(path, headers, raw, table.name[:31])
            body = path.read_bytes()
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=DOWNLOAD_FORMATS[wanted], headers=disposition)


def link(request: Request, path: str, params: Mapping[str, Any] | None = None, *, keep: bool = False) -> str:
    """A URL on this site keeping `?lang=` (and with `keep`, the current parameters) with `params` set."""
    query: dict[str, Any] = dict(request.query_params.multi_items()) if keep else {}
    if not keep and "lang" in request.query_params:
        query["lang"] = request.query_params["lang"]
    for name, value in (params or {}).items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return path + ("?" + urlencode(query) if query else "")


def when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else MISSING


def number(value: Decimal | int | float | None, places: str = "0.01") -> str:
    if value is None:
        return MISSING
    return f"{Decimal(str(value)).quantize(Decimal(places)):,}"


def pct(value: Decimal | None) -> str:
    return MISSING if value is None else f"{value.quantize(Decimal('0.1')):+}%"
