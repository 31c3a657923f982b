"""Every source id and its kind, known without importing a spider (the CLI, `scrapy list` and the loader read it).

A spider lives in `spiders/sources/<id>.py` (a class with `name = "<id>"`), or is declared by
`SOURCE = Source(kind=…)` in `spiders/parsers/<id>.py`. The catalog reads those files as text — a spider's
`kind = "…"`, else the one of the `spiders.sources` module its base class comes from — so adding a source
needs no entry here, and listing the sources costs a few milliseconds instead of importing every parser and
Scrapy. `tests/test_spider_catalog.py` fails, naming the difference, when this reading and the imported spider
classes disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

__all__ = ["SOURCE_KINDS", "discover"]

_HERE = Path(__file__).resolve().parent
_KIND = re.compile(r'^\s+kind(?:\s*:\s*[^=]+)?\s*=\s*"(gpu|traffic|funding|quotes)"', re.MULTILINE)
_BASE_MODULE = re.compile(r"^from spiders\.sources\.(\w+) import", re.MULTILINE)
_DECLARED = re.compile(r"^SOURCE\s*=\s*Source\((?P<args>.*?)^\)", re.MULTILINE | re.DOTALL)
_DECLARED_KIND = re.compile(r'kind\s*=\s*"(gpu|traffic|funding|quotes)"')


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _module_kind(sources: Path, text: str) -> str | None:
    found = _KIND.search(text)
    if found:
        return found.group(1)
    for base in _BASE_MODULE.findall(text):
        inherited = _KIND.search(_text(sources / f"{base}.py"))
        if inherited:
            return inherited.group(1)
    return None


def discover(root: Path = _HERE) -> dict[str, str]:
    """{source id: kind} of every spider module and declared source under `root` (the `spiders` package)."""
    kinds: dict[str, str] = {}
    sources = root / "sources"
    for path in sorted(sources.glob("*.py")):
        text = _text(path)
        if not re.search(rf'^\s+name\s*=\s*"{re.escape(path.stem)}"', text, re.MULTILINE):
            continue  # a shared base or helper module, not a source
        kind = _module_kind(sources, text)
        if kind is not None:
            kinds[path.stem] = kind
    for path in sorted((root / "parsers").glob("*.py")):
        declared = _DECLARED.search(_text(path))
        declared_kind = _DECLARED_KIND.search(declared.group("args")) if declared else None
        if declared_kind is not None and path.stem not in kinds:
            kinds[path.stem] = declared_kind.group(1)
    return dict(sorted(kinds.items()))


#: {source id: kind} of every spider, in the order `scrapy list` prints them
SOURCE_KINDS: Mapping[str, str] = MappingProxyType(discover())
