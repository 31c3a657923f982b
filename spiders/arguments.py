"""A spider's `-a NAME=VALUE` arguments checked against its `__init__` keywords: names and number types.

A misspelt argument used to be set silently as an attribute nobody reads, and `max_pages = "abc"` passed
start-up and failed every run inside the crawl. The keywords of the spider's `__init__` (and its bases')
are its arguments; one annotated (or defaulting to) an int takes a whole number, a float a number.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

__all__ = ["argument_kinds", "argument_problems", "problems_with"]

#: arguments every spider takes from Scrapy or aipulse itself, beyond its own keywords
COMMON_ARGUMENTS = {"endpoint": "text", "clock": "text", "name": "text"}


def argument_kinds(spider: type) -> dict[str, str]:
    """Argument name -> "integer", "number" or "text", from the keywords of the class's `__init__` methods."""
    kinds = dict(COMMON_ARGUMENTS)
    for cls in reversed(spider.__mro__):
        init = cls.__dict__.get("__init__")
        if init is None or cls is object:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind not in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                continue
            if parameter.name == "self" or parameter.default is parameter.empty:
                continue
            kinds[parameter.name] = _kind(parameter)
    return kinds


def _kind(parameter: inspect.Parameter) -> str:
    """ "number" for a float keyword, "integer" for an int one (by annotation, else by default), else "text"."""
    annotation = str(parameter.annotation)
    default = parameter.default
    if re.search(r"\bfloat\b", annotation) or isinstance(default, float):
        return "number"
    if re.search(r"\bint\b", annotation) or (isinstance(default, int) and not isinstance(default, bool)):
        return "integer"
    return "text"


def argument_problems(spider: type, args: Mapping[str, object]) -> list[str]:
    """One sentence per argument the spider does not take or whose value is not of its kind."""
    return problems_with(getattr(spider, "name", spider.__name__), argument_kinds(spider), args)


def problems_with(name: str, kinds: Mapping[str, str], args: Mapping[str, object]) -> list[str]:
    """argument_problems for the spider `name` whose argument kinds are `kinds` (e.g. read from its file)."""
    problems = []
    for key, value in args.items():
        kind = kinds.get(key)
        if kind is None:
            known = ", ".join(sorted(k for k in kinds if k not in ("name",)))
            problems.append(f"argument {key!r}: {name} takes no such argument (it takes: {known})")
            continue
        text = str(value).strip()
        if kind == "integer" and not (text.lstrip("+-").isdigit()):
            problems.append(f"argument {key}={value!r}: {name} expects a whole number here")
        elif kind == "number" and not _is_number(text):
            problems.append(f"argument {key}={value!r}: {name} expects a number here")
    return problems


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False
