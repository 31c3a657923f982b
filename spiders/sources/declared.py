"""Spiders generated from the `SOURCE = Source(...)` declarations of `spiders/parsers/<id>.py`.

A one-request source needs no spider module of its own: Scrapy's spider loader finds, in this module, one
`SourceSpider` subclass per declaring parser module, named after it (`datacrunch_gpu` →
`DatacrunchGpuSpider`), so `scrapy crawl datacrunch_gpu`, `aipulse crawl` and the daemon run it like any
other. A source with a hand-written spider module keeps it; declaring the same id twice is an error.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from spiders.declared import DeclaredSpider, declared_spider
from spiders.parsers.contract import Source

__all__ = ["DeclaredSpider", "declared_sources"]


def declared_sources(parsers: str = "spiders.parsers", sources: str = "spiders.sources") -> dict[str, Source]:
    """Every `SOURCE` declaration in the `parsers` package, by source id (the module's name).

    A declared id that also has a module in `sources` (a hand-written spider) is a RuntimeError.
    """
    found: dict[str, Source] = {}
    package = importlib.import_module(parsers)
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{parsers}.{info.name}")
        declaration = getattr(module, "SOURCE", None)
        if isinstance(declaration, Source):
            if importlib.util.find_spec(f"{sources}.{info.name}") is not None:
                raise RuntimeError(
                    f"{info.name} is declared twice: {parsers}.{info.name} has SOURCE and "
                    f"{sources}.{info.name} is a spider module; keep one"
                )
            found[info.name] = declaration
    return found


def _publish() -> None:
    # module globals are where Scrapy's spider loader looks; nothing else may hold the classes (a loop
    # variable would make each one appear twice)
    for source_id, declaration in declared_sources().items():
        spider = declared_spider(source_id, declaration)
        globals()[spider.__name__] = spider


_publish()
