"""`python -m spiders.scrapy_warm`: a crawl process started before its run, its imports done while it waits.

A cold crawl child (`python -m scrapy crawl SOURCE …`) spends most of its start importing Scrapy, Twisted, the
spiders and SQLAlchemy, after the schedule fired. This one imports them first, prints `READY` on stdout, then
blocks until one JSON line on stdin says what to run: `{"argv": ["crawl", SOURCE, …], "env": {…}, "cwd": …}`
(argv as it follows `python -m scrapy`). It takes that environment, directory and command line and runs
`scrapy.cmdline.execute` as the cold child would: same output, exit code and signal handling (Scrapy's and
spiders.parent_death's handlers are installed by the crawl, as in the cold child). No reactor is installed
before the run: the crawl's settings choose it. EOF instead of a job (the parent closed the pipe) exits 0.

While it waits, SIGTERM and SIGHUP (its parent's death, PR_SET_PDEATHSIG) end it at once: nothing to close.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["READY", "main", "run_job", "warm_up"]

#: the line a spare prints when its imports are done and it waits for its job
READY = "aipulse warm spare: ready"

#: Scrapy's component settings: every dotted path in them is imported ahead (a dict maps names or paths)
_COMPONENT_DICTS = (
    "ADDONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES", "DOWNLOAD_HANDLERS",
    "FEED_EXPORTERS", "FEED_STORAGES",
)  # fmt: skip
_COMPONENT_PATHS = (
    "SCHEDULER", "DUPEFILTER_CLASS", "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_DISK_QUEUE", "SCHEDULER_MEMORY_QUEUE",
    "DOWNLOADER", "SPIDER_LOADER_CLASS", "STATS_CLASS", "LOG_FORMATTER", "REQUEST_FINGERPRINTER_CLASS",
    "DOWNLOADER_HTTPCLIENTFACTORY", "ITEM_PROCESSOR",
)  # fmt: skip
#: what a crawl that stores imports beyond its components (the storage pipeline builds these lazily)
_STORAGE_MODULES = (
    "sqlalchemy.dialects.sqlite.pysqlite", "storage.db", "storage.models", "storage.runs", "storage.writes",
    "storage.bulk", "storage.gpu_days", "spiders.drift",
)  # fmt: skip
_REACTOR_MODULE = "twisted.internet.reactor"


def _import(path: str, *, attribute: bool) -> None:
    module, _, name = path.rpartition(".") if attribute else (path, "", "")
    try:
        loaded = importlib.import_module(module)
        if name:
            getattr(loaded, name)
    except (ImportError, AttributeError):  # an optional extra not installed: the crawl says so if it needs it
        pass


def warm_up(settings_module: str = "spiders.settings") -> None:
    """Import what a crawl child imports before its first request: Scrapy, its components, storage, every spider."""
    import scrapy.cmdline
    import scrapy.crawler  # noqa: F401  (the imports are the point)
    from scrapy.settings import Settings
    from scrapy.utils.misc import walk_modules_iter

    from spiders.catalog import SOURCE_KINDS
    from spiders.loader import load_spider

    for _ in walk_modules_iter("scrapy.commands"):
        pass
    settings = Settings()
    settings.setmodule(settings_module, priority="project")
    paths: list[str] = []
    for name in _COMPONENT_DICTS:
        for key, value in settings.getwithbase(name).items():
            paths += [p for p in (key, value) if isinstance(p, str) and "." in p]
    paths += [settings[name] for name in _COMPONENT_PATHS if isinstance(settings[name], str)]
    for path in paths:
        _import(path, attribute=True)
    reactor = settings["TWISTED_REACTOR"]
    if isinstance(reactor, str):
        _import(reactor.rpartition(".")[0], attribute=False)  # its module only: installing it is the crawl's job
    for module in _STORAGE_MODULES:
        _import(module, attribute=False)
    for source in SOURCE_KINDS:
        try:
            load_spider(source)
        except (ImportError, KeyError):  # the crawl of that source reports it, as a cold one would
            pass
    if _REACTOR_MODULE in sys.modules:  # the crawl could not install the reactor its settings name
        raise RuntimeError(f"warming up installed {_REACTOR_MODULE}: an import above must not")


def run_job(job: dict[str, Any]) -> None:
    """Become the cold child `python -m scrapy ARGV…` in `job`'s environment and directory (never returns)."""
    import scrapy
    from scrapy.cmdline import execute

    os.environ.clear()
    os.environ.update(job["env"])
    time.tzset()
    cwd = job["cwd"]
    if sys.path and sys.path[0] == str(Path.cwd()):  # `python -m` put the start directory first, as for the cold child
        sys.path[0] = cwd
    os.chdir(cwd)
    sys.argv = [str(Path(str(scrapy.__file__)).parent / "__main__.py"), *job["argv"]]
    execute(list(sys.argv))


def main() -> None:
    warm_up()
    sys.stdout.write(READY + "\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line.strip():
        return
    job = json.loads(line)
    devnull = os.open(os.devnull, os.O_RDONLY)  # the cold child's stdin is /dev/null
    os.dup2(devnull, 0)
    os.close(devnull)
    run_job(job)


if __name__ == "__main__":
    main()
