"""Loaded by every Python process the tests start: refuses any connection that is not to loopback, and turns
the deprecation warnings of Scrapy, SQLAlchemy, APScheduler and pydantic into errors (the same list as
pyproject.toml's pytest filterwarnings). PYTHONWARNINGS cannot say this: Python reads it before site-packages
can be imported, so `error::scrapy.exceptions.ScrapyDeprecationWarning` there is "Invalid -W option ignored"."""

from __future__ import annotations

import os

if os.environ.get("AIPULSE_NETWORK_GUARD") == "1":
    import socket

    _LOOPBACK = ("127.", "::1", "localhost")
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex

    def _check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0]) if isinstance(address, tuple) else str(address)
            if not host.startswith(_LOOPBACK):
                raise ConnectionRefusedError(f"network guard: tests may only connect to loopback, not {host}")

    def _guarded_connect(self: socket.socket, address: object) -> None:
        _check(self, address)
        _connect(self, address)  # type: ignore[arg-type]

    def _guarded_connect_ex(self: socket.socket, address: object) -> int:
        _check(self, address)
        return _connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


#: the libraries whose deprecations fail a test, as a module pattern (warnings attributed to their code)
DEPRECATING_LIBRARIES = r"(scrapy|sqlalchemy|apscheduler|pydantic)(\.|$)"


def install_deprecation_errors() -> None:
    """Make the four libraries' deprecation warnings errors in this process."""
    import warnings

    from pydantic.warnings import PydanticDeprecationWarning
    from scrapy.exceptions import ScrapyDeprecationWarning
    from sqlalchemy.exc import SADeprecationWarning, SAPendingDeprecationWarning

    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("error", category=category, module=DEPRECATING_LIBRARIES)
    for category in (ScrapyDeprecationWarning, SADeprecationWarning, SAPendingDeprecationWarning,
                     PydanticDeprecationWarning):  # fmt: skip
        warnings.filterwarnings("error", category=category)


if os.environ.get("AIPULSE_DEPRECATIONS_AS_ERRORS") == "1":
    install_deprecation_errors()
