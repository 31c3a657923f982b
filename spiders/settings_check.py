"""A source's Scrapy `settings` checked at start against the types of Scrapy's own defaults.

`settings = { DOWNLOAD_DELAY = "abc" }` used to pass start-up and fail every run inside the crawl child.
Scrapy has no schema for its settings, but its defaults (`scrapy.settings.default_settings`) say what kind
of value each known setting takes; a value Scrapy's own getters (`getbool`, `getint`, `getfloat`) would
refuse is refused here, at start, with the source and the key. Settings Scrapy does not know (an
extension's) are passed through unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping

from scrapy.settings import BaseSettings, default_settings

__all__ = ["settings_problems"]

#: Scrapy reads its numeric settings with getfloat as often as getint (DOWNLOAD_DELAY defaults to 0 and takes
#: 1.5), so a default's int or float only says "a number"
_GETTERS = {bool: "getbool", int: "getfloat", float: "getfloat"}


def settings_problems(settings: Mapping[str, object]) -> list[str]:
    """One sentence per setting whose value Scrapy could not read as its default's type."""
    problems: list[str] = []
    probe = BaseSettings(dict(settings))
    for name, value in settings.items():
        default = getattr(default_settings, name, None)
        kind = type(default) if isinstance(default, bool | int | float) else None
        if kind is None:
            continue
        wants = "true or false" if kind is bool else "a number"
        if kind is not bool and isinstance(value, bool):
            problems.append(f"{name} = {value!r}: Scrapy expects {wants} here")
            continue
        try:
            getattr(probe, _GETTERS[kind])(name)
        except (TypeError, ValueError):
            problems.append(f"{name} = {value!r}: Scrapy expects {wants} here")
    return problems
