"""A source's Scrapy `settings` checked at start against the types of Scrapy's own defaults.

`settings = { DOWNLOAD_DELAY = "abc" }` used to pass start-up and fail every run inside the crawl child.
Scrapy has no schema for its settings, but its defaults (`scrapy.settings.default_settings`) say what kind
of value each known setting takes; a value Scrapy's own getters (`getbool`, `getint`, `getfloat`) would
refuse is refused here, at start, with the source and the key. Settings Scrapy does not know (an
extension's) are passed through unchecked.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

__all__ = ["default_kinds", "settings_problems"]


@cache
def default_kinds() -> dict[str, type]:
    """{setting: bool, int or float} of every Scrapy default written as such a literal.

    Read from the source of `scrapy.settings.default_settings` without importing Scrapy (which costs a `status`
    half a second); tests/test_config_strictness.py checks it against the imported module.
    """
    spec = importlib.util.find_spec("scrapy")
    if spec is None or spec.origin is None:
        return {}
    source = Path(spec.origin).parent / "settings" / "default_settings.py"
    kinds: dict[str, type] = {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _number_or_flag(node.value)
            if value is not None:
                kinds[node.targets[0].id] = type(value)
    return kinds


_ARITHMETIC: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Mult: lambda a, b: a * b,
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
}


def _number_or_flag(node: ast.expr) -> bool | int | float | None:
    """The value of a literal bool or number, or of arithmetic on them (`1024 * 1024`); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _number_or_flag(node.operand)
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _number_or_flag(node.left), _number_or_flag(node.right)
        if left is None or right is None:
            return None
        result: int | float = _ARITHMETIC[type(node.op)](left, right)
        return result
    return None


def _reads_as_bool(value: object) -> bool:
    """Scrapy's `getbool`: 0/1, '0'/'1', True/False, 'True'/'False', 'true'/'false'."""
    try:
        int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return value in {"True", "true", "False", "false"}
    return True


def _reads_as_number(value: object) -> bool:
    """Scrapy's `getfloat`: whatever float() takes."""
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def settings_problems(settings: Mapping[str, object]) -> list[str]:
    """One sentence per setting whose value Scrapy could not read as its default's type."""
    problems: list[str] = []
    kinds = default_kinds()
    for name, value in settings.items():
        kind = kinds.get(name)
        if kind is None:
            continue
        wants = "true or false" if kind is bool else "a number"
        readable = _reads_as_bool(value) if kind is bool else _reads_as_number(value)
        if (kind is not bool and isinstance(value, bool)) or not readable:
            problems.append(f"{name} = {value!r}: Scrapy expects {wants} here")
    return problems
