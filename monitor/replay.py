"""A local HTTP server on 127.0.0.1 that replays recorded responses (for `aipulse demo` and the tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import spiders
from spiders import cases

#: the keys a fixture's meta.json `request` may hold (one definition: the case format in spiders.cases)
REQUEST_KEYS = cases.REQUEST_KEYS


def fixtures_root() -> Path:
    """The folder of recorded cases, `<source_id>/<case>/{response.*, meta.json, expected.json}`.

    The one place that knows where the fixtures live: the demo, the replay routes, the fixture runner and
    the tools all ask here. They ship inside the `spiders` package (package data), so `aipulse demo` and
    `aipulse verify` work from an installed wheel as well as from a checkout.
    """
    return Path(spiders.__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Reply:
    """One recorded answer: status, headers, body; `delay_s` holds it back (to provoke timeouts)."""

    body: bytes = field(default=b"", repr=False)
    status: int = 200
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    @classmethod
    def file(cls, path: Path, **kwargs: object) -> Reply:
        """A reply whose body is a recorded file."""
        return cls(body=path.read_bytes(), **kwargs)  # type: ignore[arg-type]


@dataclass
class Route:
    """Answers requests to `path` whose query has `query` (value None: the key must be absent).

    Replies are served in order; the last one repeats (so `[Reply(status=429), Reply(body)]` is a retry).
    """

    path: str
    replies: Sequence[Reply]
    query: Mapping[str, str | None] = field(default_factory=dict)
    method: str = "GET"
    served: int = 0

    def matches(self, method: str, path: str, query: Mapping[str, str]) -> bool:
        if method != self.method or path != self.path:
            return False
        for key, value in self.query.items():
            if value is None and key in query:
                return False
            if value is not None and query.get(key) != value:
                return False
        return True

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


@dataclass(frozen=True)
class SeenRequest:
    """A request the server received, for assertions."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _Recorded:
    source: str
    case: str
    method: str
    path: str
    query: dict[str, str]
    reply: Reply


def _recorded(root: Path, source: str, case: str) -> _Recorded:
    recorded = cases.load_case(root / source / case)  # the one reading of a case folder; CaseError names the key
    if recorded.body is None:
        raise cases.CaseError(f"{recorded.folder}: no response.* file to replay")
    request: dict[str, Any] = recorded.meta["request"]
    reply = Reply(
        recorded.body, status=int(request.get("status", 200)), content_type=str(request["content_type"]),
        headers=dict(request.get("response_headers", {})),
    )  # fmt: skip
    query = {str(k): str(v) for k, v in dict(request.get("query", {})).items()}
    return _Recorded(source, case, str(request["method"]).upper(), str(request["path"]), query, reply)


def fixture_routes(cases: Mapping[str, Iterable[str]], root: Path | None = None) -> list[Route]:
    """Routes that answer each listed case's recorded request (`meta.json` `request`) with its response file.

    Cases on the same method and path are told apart by the query keys whose values differ between them
    (absent counts as a value); cases that cannot be told apart are one route whose replies are served in
    the order given (page 1, then page 2 of a POSTed list). Two sources on one such route are an error.
    """
    recorded = [_recorded(root or fixtures_root(), s, c) for s, names in cases.items() for c in names]
    groups: dict[tuple[str, str], list[_Recorded]] = {}
    for item in recorded:
        groups.setdefault((item.method, item.path), []).append(item)
    routes: list[Route] = []
    for (method, path), items in groups.items():
        keys = sorted({k for i in items for k in i.query if len({j.query.get(k) for j in items}) > 1})
        merged: dict[tuple[tuple[str, str | None], ...], list[_Recorded]] = {}
        for item in items:
            merged.setdefault(tuple((k, item.query.get(k)) for k in keys), []).append(item)
        for query, same in merged.items():
            if len({i.source for i in same}) > 1:
                names = ", ".join(f"{i.source}/{i.case}" for i in same)
                raise ValueError(f"{names} all answer {method} {path}{dict(query)}: replay them on separate servers")
            routes.append(Route(path, [i.reply for i in same], dict(query), method=method))
    return routes


def case_reply(source: str, case: str, *, root: Path | None = None, **overrides: Any) -> Reply:
    """A recorded case's answer (body, status, content type, headers from meta.json), fields overridden.

    For a test that needs the recorded body in another situation: `case_reply(s, c, delay_s=3)` for a
    timeout, `case_reply(s, c, status=401)` for a refusal. The request side comes with `case_route`.
    """
    return replace(_recorded(root or fixtures_root(), source, case).reply, **overrides)


def case_route(
    source: str, case: str, *replies: Reply, root: Path | None = None, query: Mapping[str, str | None] | None = None
) -> Route:
    """A route on a recorded case's method and path, answering with `replies` (default: the recorded answer).

    `query` narrows the route (e.g. one region of a per-region API); by default any query matches, as a
    spider's volatile query keys (timestamps, cache busters) were recorded once and differ on every run.
    """
    recorded = _recorded(root or fixtures_root(), source, case)
    answers = list(replies) or [recorded.reply]
    return Route(recorded.path, answers, dict(query or {}), method=recorded.method)


class ReplayServer:
    """`with ReplayServer(routes) as server:` serves the routes on http://127.0.0.1:<free port>."""

    @classmethod
    def from_fixtures(
        cls,
        cases: Mapping[str, Iterable[str]],
        *,
        root: Path | None = None,
        extra: Sequence[Route] = (),
        port: int = 0,
    ) -> ReplayServer:
        """A server replaying the recorded cases (`{source_id: [case, …]}`, see `fixture_routes`) plus `extra`."""
        return cls([*fixture_routes(cases, root), *extra], port=port)

    def __init__(self, routes: Sequence[Route] = (), *, port: int = 0) -> None:
        """Listen on 127.0.0.1:`port` (0: a free port); OSError when the port is taken."""
        self.routes: list[Route] = list(routes)
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:43123 (no trailing slash)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, route: Route) -> Route:
        with self._lock:
            self.routes.append(route)
        return route

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(SeenRequest(method, split.path, query, headers, body))
            candidates = [r for r in self.routes if r.matches(method, split.path, query)]
            if not candidates:
                return Reply(body=b'{"error": "no recorded response for this request"}', status=404)
            route = max(candidates, key=lambda r: len(r.query))  # the most specific route wins
            return route.next_reply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply = server._answer(self.command, self.path, dict(self.headers.items()), body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

        return Handler
