"""The running daemon's side of the status channel (monitor.status_channel): answers `aipulse status`.

A `socketserver.UnixStreamServer` in a thread of its own, one client at a time (an answer takes a few
milliseconds of queries on the daemon's open engine); a client that stalls is dropped after `CLIENT_WAIT`.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import socketserver
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.status_channel import (
    PROTOCOL,
    code_state,
    environment_digest,
    file_state,
    read_message,
    send_message,
    socket_path,
    status_key,
    trusted_dir,
)  # fmt: skip

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.config import AppConfig

__all__ = ["CLIENT_WAIT", "StatusServer", "answer_environment", "start_answering"]

logger = logging.getLogger(__name__)

#: how long the daemon waits on a client's next message
CLIENT_WAIT = 5.0
#: how long stop() waits for the answering thread (it is a daemon thread: it never holds the process up)
STOP_WAIT = 2.0


def answer_environment(config: AppConfig) -> list[str]:
    """The environment variables the status answer depends on: those that choose the database."""
    from core.config_file import DATABASE_ENV
    from core.secrets import SecretRef

    url = config.database.url
    return [DATABASE_ENV, *([url.env] if isinstance(url, SecretRef) else [])]


class StatusServer:
    """Answers `aipulse status` for `config` from this process; start() after the engine is open, stop() at exit."""

    def __init__(self, config: AppConfig, engine: Engine) -> None:
        from core.config import BUNDLED_CONFIG

        self.config, self.engine = config, engine
        bundled = config.path in (None, BUNDLED_CONFIG)
        self.key = status_key(config.path, bundled=bundled)
        self.path = socket_path(self.key)
        self.environment = answer_environment(config)
        # as the daemon started: the answer follows the database chosen then, whatever the environment is now
        self._environ = {name: os.environ[name] for name in self.environment if name in os.environ}
        self._config_file = None if bundled else config.path  # the bundled config is code: the version check has it
        self._config_state = file_state(self._config_file)
        self._code_state = code_state()  # as the code was when loaded: an upgrade on disk is another version
        self._server: socketserver.UnixStreamServer | None = None
        self._thread: threading.Thread | None = None
        self._inode: int | None = None

    def start(self) -> bool:
        """Listen on the socket; False (logged, the daemon runs on) when it cannot or another daemon answers."""
        try:
            self._make_dir()
            if self.path.exists():
                if _answers(self.path):
                    logger.warning("status: another daemon with this configuration answers on %s", self.path)
                    return False
                self.path.unlink()
            self._server = _Server(str(self.path), self)
        except OSError as exc:
            logger.warning("status: not answering `aipulse status` (socket %s: %s)", self.path, exc)
            return False
        self._inode = self.path.stat().st_ino
        self._thread = threading.Thread(target=self._serve, args=(self._server,), name="status-socket", daemon=True)
        self._thread.start()
        logger.info("status: answering `aipulse status` on %s", self.path)
        return True

    def _serve(self, server: socketserver.UnixStreamServer) -> None:
        from monitor.status_view import status_answer

        try:  # the first answer imports and prepares what every answer needs: done before anyone waits on it
            status_answer(self.config, self.engine, as_json=False)
        except Exception as exc:
            logger.debug("status: warming up failed (%s)", exc)
        server.serve_forever(poll_interval=0.5)

    def stop(self) -> None:
        """Stop answering and remove the socket (only our own: a later daemon's stays)."""
        if self._server is None:
            return
        # shutdown() waits for serve_forever(), which a warm-up stuck on the database may not have reached yet
        threading.Thread(target=self._server.shutdown, name="status-shutdown", daemon=True).start()
        if self._thread is not None:
            self._thread.join(timeout=STOP_WAIT)
        self._server.server_close()
        try:
            if self.path.stat().st_ino == self._inode:
                self.path.unlink()
        except OSError:
            pass
        self._server = None

    def _make_dir(self) -> None:
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not trusted_dir(directory):
            raise OSError(f"{directory} is not this user's alone (owner or mode): not used")

    def refusal(self, ask: dict[str, object] | None) -> str | None:
        """Why this request is not answered here (None: answer it)."""
        if not ask or ask.get("protocol") != PROTOCOL:
            return "another protocol"
        if ask.get("key") != self.key:
            return "another configuration"
        if ask.get("code") != self._code_state:
            return "another version of aipulse"
        if self._config_file is not None and file_state(self._config_file) != self._config_state:
            return "the configuration file changed since the daemon started"
        return None

    def handle(self, conn: socket.socket) -> None:
        """One client: its request, the environment check, the answer."""
        from monitor.status_view import status_answer

        conn.settimeout(CLIENT_WAIT)
        stream = conn.makefile("rb")
        ask = read_message(stream)
        refused = self.refusal(ask)
        if refused:
            send_message(conn, {"refused": refused})
            return
        salt = secrets.token_hex(16)
        send_message(conn, {"protocol": PROTOCOL, "environment": self.environment, "salt": salt})
        reply = read_message(stream)
        if not reply or reply.get("environment") != environment_digest(self.environment, salt, self._environ):
            send_message(conn, {"refused": "another environment"})
            return
        try:
            answer = status_answer(self.config, self.engine, as_json=bool(ask and ask.get("json")))
        except Exception as exc:  # the command, computing it itself, reports the error as it would
            logger.warning("status: could not answer (%s: %s)", type(exc).__name__, exc)
            send_message(conn, {"refused": "could not answer"})
            return
        send_message(conn, {"code": answer.code, "stdout": answer.stdout, "stderr": answer.stderr, "pid": os.getpid()})


def start_answering(config: AppConfig, engine: Engine) -> StatusServer | None:
    """With `[daemon] status_socket` (the default), a StatusServer answering from this process (stop() it at exit)."""
    if not config.daemon.status_socket:
        return None
    server = StatusServer(config, engine)
    return server if server.start() else None


class _Server(socketserver.UnixStreamServer):
    def __init__(self, path: str, status: StatusServer) -> None:
        self.status = status
        super().__init__(path, _Handler)

    def server_bind(self) -> None:
        super().server_bind()
        self.status.path.chmod(0o600)  # before listen(): nobody connects in between

    def handle_error(self, request: object, client_address: object) -> None:
        logger.debug("status: a client went away", exc_info=True)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.status.handle(self.request)


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True
