"""Scrapy's spider loader for aipulse: `scrapy crawl NAME` imports that one spider's module, not every parser."""

from __future__ import annotations

import builtins
import importlib
import importlib.util
from typing import Self

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from spiders.catalog import SOURCE_KINDS

__all__ = ["CatalogSpiderLoader", "load_spider"]

SOURCES_PACKAGE = "spiders.sources"
PARSERS_PACKAGE = "spiders.parsers"


def load_spider(name: str) -> type[Spider]:
    """The spider class of source `name`: its module in spiders/sources, else its parser's `SOURCE` declaration."""
    if name not in SOURCE_KINDS:
        raise KeyError(f"Spider not found: {name}")
    if importlib.util.find_spec(f"{SOURCES_PACKAGE}.{name}") is not None:
        module = importlib.import_module(f"{SOURCES_PACKAGE}.{name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Spider) and getattr(value, "name", None) == name:
                return value
        raise KeyError(f"Spider not found: {name} ({SOURCES_PACKAGE}.{name} defines no spider of that name)")
    from spiders.declared import declared_spider
    from spiders.parsers.contract import Source

    declaration = getattr(importlib.import_module(f"{PARSERS_PACKAGE}.{name}"), "SOURCE", None)
    if not isinstance(declaration, Source):
        raise KeyError(f"Spider not found: {name} ({PARSERS_PACKAGE}.{name} declares no SOURCE)")
    return declared_spider(name, declaration)


class CatalogSpiderLoader:
    """Lists the ids of spiders/catalog.py and imports a spider's module only when that spider is loaded."""

    def __init__(self, settings: BaseSettings) -> None:
        self._loaded: dict[str, type[Spider]] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """The loader (the settings' SPIDER_MODULES are not walked: the catalog names every spider)."""
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        """The spider class named `spider_name`; KeyError for an unknown name."""
        if spider_name not in self._loaded:
            self._loaded[spider_name] = load_spider(spider_name)
        return self._loaded[spider_name]

    def list(self) -> list[str]:
        """Every source id."""
        return list(SOURCE_KINDS)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        """The spiders that handle `request` (each is loaded to ask it)."""
        return [name for name in SOURCE_KINDS if self.load(name).handles_request(request)]
