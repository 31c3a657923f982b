"""The spider class of a source declared by `SOURCE = Source(...)` in its parser module (no spider module)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

import scrapy

from spiders.base import SourceSpider
from spiders.parsers.contract import Source

__all__ = ["DeclaredSpider", "declared_spider"]

#: where the generated classes say they live (Scrapy's default loader finds them there)
PUBLISHED_IN = "spiders.sources.declared"


class DeclaredSpider(SourceSpider):
    """The spider of a declared source: one request to the endpoint, the parser does the rest."""

    declaration: ClassVar[Source]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.endpoint, method=self.declaration.method)


def declared_spider(source_id: str, declaration: Source) -> type[DeclaredSpider]:
    """The spider of `source_id` (`datacrunch_gpu` → `DatacrunchGpuSpider`) from its declaration."""
    class_name = "".join(part.capitalize() for part in source_id.split("_")) + "Spider"
    attributes = {
        "__module__": PUBLISHED_IN,
        "__doc__": f"{source_id}: {declaration.description} (declared in spiders/parsers/{source_id}.py).",
        "name": source_id,
        "kind": declaration.kind,
        "default_endpoint": declaration.endpoint,
        "description": declaration.description,
        "declaration": declaration,
        "expects": declaration.expects,
    }
    return type(class_name, (DeclaredSpider,), attributes)
