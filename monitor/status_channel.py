"""The local channel on which `aipulse status` asks the running daemon instead of starting up a database stack.

`aipulse status` is run by hand and by health checks every minute; importing SQLAlchemy and the pydantic config
models alone costs it ~0.4 s before a query runs, while the daemon has them loaded and its engine open. The daemon
therefore listens on a Unix socket and answers with exactly what the command would print. The command asks only
when the daemon's answer would be the command's own: same configuration file (the socket is named after it, and
the daemon refuses once the file has changed on disk), the same environment for every variable the answer
depends on (compared by salted digest, never sent), the same protocol; otherwise, or when no daemon answers within
`ANSWER_WAIT`, the command computes the answer itself. Standard library only: this module is the fast path.

The socket lives in `$AIPULSE_RUNTIME_DIR`, else `/run/aipulse` when this user owns it (the systemd unit's
RuntimeDirectory), else `$XDG_RUNTIME_DIR/aipulse`, else `/tmp/aipulse-<uid>` (TMPDIR honoured); a directory not
owned by this user, or writable by others, is never used, and the socket is 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

__all__ = [
    "ANSWER_WAIT", "PROTOCOL", "Reply", "ask_daemon", "code_state", "environment_digest", "file_state", "read_message",
    "runtime_dir", "send_message", "socket_path", "status_key", "trusted_dir",
]  # fmt: skip

RUNTIME_ENV = "AIPULSE_RUNTIME_DIR"
#: the service's runtime directory (deploy/aipulse.service: RuntimeDirectory=aipulse), used when it is this user's
SYSTEM_RUNTIME_DIR = Path("/run/aipulse")
#: bumped whenever a request or an answer changes shape: a daemon of another version is not asked
PROTOCOL = 1
#: how long the command waits for the daemon's answer before computing its own
ANSWER_WAIT = 10.0
_MAX_MESSAGE = 16 * 1024 * 1024


class Reply(NamedTuple):
    """The daemon's answer: exit code, stdout and stderr text, and who answered."""

    code: int
    stdout: str
    stderr: str
    pid: int


def runtime_dir() -> Path:
    """The directory of the status socket (see the module docstring)."""
    explicit = os.environ.get(RUNTIME_ENV)
    if explicit:
        return Path(explicit)
    if trusted_dir(SYSTEM_RUNTIME_DIR):  # systemd's RuntimeDirectory=aipulse, found by `sudo -u aipulse` too
        return SYSTEM_RUNTIME_DIR
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "aipulse"
    return Path(os.environ.get("TMPDIR") or "/tmp") / f"aipulse-{os.getuid()}"


def status_key(config_path: Path | None, *, bundled: bool = False) -> str:
    """What names a daemon: its config file's resolved path, or the bundled config in a working directory."""
    if config_path is None or bundled:
        return f"bundled:{Path.cwd().resolve()}"
    return str(config_path.resolve())


def socket_path(key: str) -> Path:
    """The socket of the daemon running with `key` (short enough for AF_UNIX's 108 bytes under most roots)."""
    return runtime_dir() / f"status-{hashlib.sha256(key.encode()).hexdigest()[:20]}.sock"


def trusted_dir(path: Path) -> bool:
    """Whether `path` is a directory of this user that nobody else can write into."""
    try:
        info = path.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def file_state(path: Path | None) -> list[int] | None:
    """A file's inode, size and modification time (None: absent), to tell whether it changed."""
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return [info.st_ino, info.st_size, info.st_mtime_ns] if info else None


def code_state() -> list[list[int] | None]:
    """The state of the modules whose code shapes the answer: a daemon of another installed version is not asked."""
    here = Path(__file__).parent
    return [file_state(here / name) for name in ("status_view.py", "health.py", "status_channel.py")]


def environment_digest(names: list[str], salt: str, environ: Mapping[str, str] = os.environ) -> str:
    """A salted digest of the values of `names` in `environ` (absent and empty differ)."""
    values = [[name, environ.get(name)] for name in names]
    return hashlib.sha256((salt + json.dumps(values)).encode()).hexdigest()


def send_message(conn: socket.socket, message: dict[str, Any]) -> None:
    """One JSON object per line."""
    conn.sendall(json.dumps(message).encode() + b"\n")


def read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next line's JSON object, or None at end of stream or on anything else."""
    line = stream.readline(_MAX_MESSAGE)
    if not line:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def ask_daemon(key: str, *, as_json: bool) -> Reply | None:
    """The running daemon's `aipulse status` answer, or None when there is no daemon whose answer is ours."""
    path = socket_path(key)
    if not trusted_dir(path.parent):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(ANSWER_WAIT)
            conn.connect(str(path))
            stream = conn.makefile("rb")
            send_message(conn, {"protocol": PROTOCOL, "key": key, "code": code_state(), "json": as_json})
            offer = read_message(stream)
            if not offer or offer.get("protocol") != PROTOCOL or not isinstance(offer.get("environment"), list):
                return None
            names = [str(name) for name in offer["environment"]]
            send_message(conn, {"environment": environment_digest(names, str(offer.get("salt", "")))})
            answer = read_message(stream)
    except OSError:  # no socket, a dead daemon's socket, a timeout, a reset
        return None
    if not answer or not isinstance(answer.get("code"), int):
        return None
    stdout, stderr = str(answer.get("stdout", "")), str(answer.get("stderr", ""))
    return Reply(answer["code"], stdout, stderr, int(answer.get("pid", 0)))
