"""A spider's argument kinds read from its source file, without importing it (Scrapy, its parser, pydantic).

`aipulse status`, `show` and every other command check the config's spider arguments at start; importing the
spider for it cost ~0.25 s of Scrapy and parser imports per command. This reads the same `__init__` keywords
as `spiders.arguments.argument_kinds` from the module's syntax tree (and its bases' in `spiders/base.py` and
`spiders/sources/`), and gives up (None) where it cannot follow a base, so the caller imports the spider.
`tests/test_spider_arguments.py` checks both readings agree for every source.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from spiders.arguments import COMMON_ARGUMENTS

__all__ = ["static_argument_kinds"]

_HERE = Path(__file__).resolve().parent


def _tree(path: Path) -> ast.Module | None:
    return ast.parse(path.read_text(encoding="utf-8")) if path.is_file() else None


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _imports(tree: ast.Module) -> dict[str, str]:
    """Imported name -> the module it comes from (`from spiders.x import Y`)."""
    return {alias.asname or alias.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module for alias in node.names}  # fmt: skip


def _kind(annotation: ast.expr | None, default: ast.expr) -> str:
    text = ast.unparse(annotation) if annotation is not None else ""
    value = default.value if isinstance(default, ast.Constant) else None
    if re.search(r"\bfloat\b", text) or isinstance(value, float):
        return "number"
    if re.search(r"\bint\b", text) or (isinstance(value, int) and not isinstance(value, bool)):
        return "integer"
    return "text"


def _own_kinds(cls: ast.ClassDef) -> dict[str, str]:
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        return {}
    kinds: dict[str, str] = {}
    positional = init.args.posonlyargs + init.args.args
    defaults = init.args.defaults
    for argument, default in zip(positional[len(positional) - len(defaults) :], defaults, strict=True):
        if argument in init.args.args and argument.arg != "self":
            kinds[argument.arg] = _kind(argument.annotation, default)
    for argument, kw_default in zip(init.args.kwonlyargs, init.args.kw_defaults, strict=True):
        if kw_default is not None:
            kinds[argument.arg] = _kind(argument.annotation, kw_default)
    return kinds


def _class_kinds(cls: ast.ClassDef, tree: ast.Module, root: Path, depth: int = 0) -> dict[str, str] | None:
    if depth > 10:
        return None
    kinds: dict[str, str] = {}
    local, imported = _classes(tree), _imports(tree)
    for base in reversed(cls.bases):
        if isinstance(base, ast.Attribute) and ast.unparse(base).startswith("scrapy."):
            continue  # scrapy.Spider takes no keyword of its own
        if not isinstance(base, ast.Name):
            return None
        if base.id in local:
            found = _class_kinds(local[base.id], tree, root, depth + 1)
        elif imported.get(base.id, "").startswith("spiders."):
            module = imported[base.id].removeprefix("spiders.").replace(".", "/")
            other = _tree(root / f"{module}.py")
            if other is None or base.id not in _classes(other):
                return None
            found = _class_kinds(_classes(other)[base.id], other, root, depth + 1)
        elif imported.get(base.id, "").startswith("scrapy") or base.id == "object":
            found = {}  # Scrapy's Spider takes no keyword of its own
        else:
            return None
        if found is None:
            return None
        kinds.update(found)
    kinds.update(_own_kinds(cls))
    return kinds


def static_argument_kinds(source_id: str, root: Path = _HERE) -> dict[str, str] | None:
    """Argument name -> "integer", "number" or "text" of the spider `source_id`, or None (import it instead)."""
    tree = _tree(root / "sources" / f"{source_id}.py")
    if tree is None:
        return None  # a declared source (parsers/<id>.py): its spider is built at import
    for cls in _classes(tree).values():
        names = [n for n in cls.body if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "name"
                 for t in n.targets) and isinstance(n.value, ast.Constant) and n.value.value == source_id]  # fmt: skip
        if names:
            kinds = _class_kinds(cls, tree, root)
            return None if kinds is None else {**COMMON_ARGUMENTS, **kinds}
    return None
