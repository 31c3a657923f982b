"""A local HTTP server on 127.0.0.1 that replays recorded responses (for `aipulse demo` and the tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Reply:
    """One recorded answer: status, headers, body; `delay_s` holds it back (to provoke timeouts)."""

    body: bytes = b""
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


class ReplayServer:
    """`with ReplayServer(routes) as server:` serves the routes on http://127.0.0.1:<free port>."""

    def __init__(self, routes: Sequence[Route] = ()) -> None:
        self.routes: list[Route] = list(routes)
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
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
