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
#: the libraries' own deprecation categories, by module: made errors when that module is first imported, so a
#: child that never imports Scrapy (a `python -c` helper) does not pay the ~1 s of importing it here
DEPRECATION_CATEGORIES = {
    "scrapy.exceptions": ("ScrapyDeprecationWarning",),
    "sqlalchemy.exc": ("SADeprecationWarning", "SAPendingDeprecationWarning"),
    "pydantic.warnings": ("PydanticDeprecationWarning",),
}


def install_deprecation_errors() -> None:
    """Make the four libraries' deprecation warnings errors in this process (categories as they are imported)."""
    import importlib.abc
    import importlib.machinery
    import sys
    import types
    import warnings
    from collections.abc import Sequence

    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("error", category=category, module=DEPRECATING_LIBRARIES)

    def make_errors(module: types.ModuleType) -> None:
        for name in DEPRECATION_CATEGORIES[module.__name__]:
            warnings.filterwarnings("error", category=getattr(module, name))

    class _ErrorsOnImport(importlib.abc.MetaPathFinder):
        def find_spec(
            self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
        ) -> importlib.machinery.ModuleSpec | None:
            if fullname not in DEPRECATION_CATEGORIES:
                return None
            spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
            loader = spec.loader if spec is not None else None
            if spec is None or loader is None or not hasattr(loader, "exec_module"):
                return None
            run = loader.exec_module

            def exec_module(module: types.ModuleType) -> None:
                run(module)
                make_errors(module)

            loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    for name in DEPRECATION_CATEGORIES:
        if name in sys.modules:
            make_errors(sys.modules[name])
    sys.meta_path.insert(0, _ErrorsOnImport())


if os.environ.get("AIPULSE_DEPRECATIONS_AS_ERRORS") == "1":
    install_deprecation_errors()
