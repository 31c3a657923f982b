"""The structural fingerprint of a response (what a run read) and the difference between two of them.

A run's fingerprint is kept in `crawl_runs.details["fingerprint"]`; a change from the source's reference shape
is a `drift` (storage.runs finds the reference, alerts' `health` `check = "drift"` reports it). Pure: bytes in,
a `{path: type}` map out.

- JSON: every key path with its value type (`Items[].retailPrice: num`); list elements are merged under `[]`,
  and an object whose keys are data (dates, SKUs, `region::instance` keys) or too many is merged under `*`.
- HTML: the CSS selectors the source's parser relies on (its module's `SELECTORS`) and whether each matched.
- Feeds (RSS, Atom): the item fields present (`item[].pubDate: field`).
- Lines (Sina's and Tencent's `v_code="f1~f2~…"`): what the parser's module `shape(body)` says, the field count
  per market.
- Anything else (a script bundle, HTML without declared selectors): no fingerprint, so no drift either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

__all__ = ["FingerprintBuilder", "ShapeDiff", "diff_fingerprints", "shape_of"]

#: a shape: path -> type (num, str, bool, null, obj, arr; obj0/arr0 for an empty one; matched/missing; field)
Shape = dict[str, str]
#: a parser's `shape(body)` for a format of its own (quote lines): `{"sh line": "88 fields"}`
LineShape = Callable[[bytes], Shape]
# Formats whose paths follow what was asked for (a market's line only when its codes were requested):
# only a path both runs saw can drift.
_PARTIAL = frozenset({"lines"})
# Types below which nothing is known: an empty list holds no element paths, a null object no keys.
_OPAQUE = frozenset({"null", "arr0", "obj0"})
_IDENTIFIER = re.compile(r"[^\W\d][\w$@\-]*")
_MAX_KEYS = 64  # an object with more keys than this is a table keyed by data, not a record
_MAX_DEPTH = 16
_MAX_PATHS = 2000  # a fingerprint stays small enough for a JSON column, whatever the source sends
# The first elements of a list are enough to know its shape; a 4 MB page of 6000 items takes 0.36 s in full.
_MAX_ELEMENTS = 1000
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


def _data_key(key: str) -> bool:
    """True for a key that is a value (a date, a SKU, `cn-beijing::ecs.gn7…`, `us-east-1`), not a field name."""
    if not _IDENTIFIER.fullmatch(key):
        return True
    return "-" in key and any(ch.isdigit() for ch in key)


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "num"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "arr" if value else "arr0"
    return "obj" if value else "obj0"


def _parts(kind: str) -> set[str]:
    """A type's alternatives with empties counted as their kind (`arr0` is an `arr`), null left out."""
    return {{"arr0": "arr", "obj0": "obj"}.get(part, part) for part in kind.split("|")} - {"null"}


def _merge_type(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    parts = set(old.split("|")) | set(new.split("|"))
    if len(parts) > 1:
        parts.discard("null")
    for full, empty in (("arr", "arr0"), ("obj", "obj0")):
        if full in parts:
            parts.discard(empty)
    return "|".join(sorted(parts))


def _walk(value: Any, path: str, shape: Shape, depth: int) -> None:
    if path and (path in shape or len(shape) < _MAX_PATHS):
        shape[path] = _merge_type(shape.get(path), _type(value))
    if depth >= _MAX_DEPTH:
        return
    if isinstance(value, list):
        for element in value[:_MAX_ELEMENTS]:
            _walk(element, f"{path}[]", shape, depth + 1)
    elif isinstance(value, dict):
        keys = [str(k) for k in value]
        collapse = len(keys) > _MAX_KEYS or any(_data_key(k) for k in keys)
        for key, child in value.items():
            name = "*" if collapse else str(key)
            _walk(child, f"{path}.{name}" if path else name, shape, depth + 1)


def _json_shape(body: bytes) -> Shape | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    shape: Shape = {}
    _walk(data, "", shape, 0)
    if not isinstance(data, (dict, list)):
        return None
    shape["$"] = _type(data)
    return shape


def _feed_shape(text: str) -> Shape:
    page = Selector(text=text, type="xml")
    items = page.xpath("//*[local-name()='item' or local-name()='entry']")
    shape: Shape = {"item": "arr" if items else "arr0"}
    for item in items[:200]:
        for child in item.xpath("./*"):
            shape[f"item[].{child.xpath('name()').get()}"] = "field"
    return shape


def _html_shape(text: str, selectors: Sequence[str]) -> Shape:
    page = Selector(text=text)
    return {f"css {css}": "matched" if page.css(css) else "missing" for css in selectors}


def shape_of(body: bytes, selectors: Sequence[str] = ()) -> tuple[str, Shape] | None:
    """The format and shape of one response body; None when it has none aipulse fingerprints."""
    body = body.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark, as some Chinese APIs send
    head = body[:2048].lstrip()
    if head[:1] in (b"{", b"["):
        shape = _json_shape(body)
        return ("json", shape) if shape is not None else None
    if head[:1] == b"<":
        text = body.decode("utf-8", errors="replace")
        if _FEED_ROOT.search(body[:4096]):
            return "feed", _feed_shape(text)
        return ("html", _html_shape(text, selectors)) if selectors else None
    return None


@dataclass
class FingerprintBuilder:
    """Collects the shapes of a run's responses, merged per step of the source's flow."""

    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, step: str | None, body: bytes, selectors: Sequence[str] = (), lines: LineShape | None = None) -> None:
        """Merge one response's shape into its step's (`lines`: the parser's own reading of a line format)."""
        found = shape_of(body, selectors)
        if found is None and lines is not None:
            try:
                line_shape = lines(body)
            except ValueError:  # a body the parser will reject too (ParseError is a ValueError): no shape
                line_shape = {}
            found = ("lines", line_shape) if line_shape else None
        if found is None:
            return
        fmt, shape = found
        entry = self.steps.setdefault(step or "main", {"format": fmt, "shape": {}})
        if entry["format"] != fmt:  # one step answered in two formats: keep the first, the parser decides
            return
        merged: Shape = entry["shape"]
        for path, kind in shape.items():
            if len(merged) < _MAX_PATHS or path in merged:
                merged[path] = _merge_type(merged.get(path), kind)

    def fingerprint(self) -> dict[str, Any]:
        """The run's fingerprint as stored in crawl_runs.details (paths sorted, so equal shapes compare equal)."""
        return {
            step: {"format": e["format"], "shape": dict(sorted(e["shape"].items()))} for step, e in self.steps.items()
        }


@dataclass(frozen=True)
class ShapeDiff:
    """What changed between a reference fingerprint and a run's: paths added, removed, and types changed."""

    added: list[str]
    removed: list[str]
    changed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """One line per difference: `+ path: type`, `- path: type`, `~ path: old → new`."""
        return [f"+ {p}" for p in self.added] + [f"- {p}" for p in self.removed] + [f"~ {p}" for p in self.changed]


def _under_opaque(path: str, shape: Mapping[str, str]) -> bool:
    """True when an ancestor of `path` is empty or null in `shape` (what lies below is unknown there)."""
    return any(path[cut] in ".[" and shape.get(path[:cut]) in _OPAQUE for cut in range(len(path) - 1, 0, -1))


def _compatible(old: str, new: str) -> bool:
    """Same type, or one side null (a value missing today), or alternatives in common (`num|str` and `num`)."""
    old_parts, new_parts = _parts(old), _parts(new)
    return not old_parts or not new_parts or bool(old_parts & new_parts)


def _step_diff(step: str, old: Mapping[str, str], new: Mapping[str, str], partial: bool) -> Iterable[tuple[str, str]]:
    prefix = "" if step == "main" else f"{step}: "
    for path in sorted(set(new) - set(old)):
        if not partial and not _under_opaque(path, old):
            yield "added", f"{prefix}{path}: {new[path]}"
    for path in sorted(set(old) - set(new)):
        if not partial and not _under_opaque(path, new):
            yield "removed", f"{prefix}{path}: {old[path]}"
    for path in sorted(set(old) & set(new)):
        if not _compatible(old[path], new[path]):
            yield "changed", f"{prefix}{path}: {old[path]} → {new[path]}"


def diff_fingerprints(reference: Mapping[str, Any], current: Mapping[str, Any]) -> ShapeDiff:
    """How `current` differs from `reference`, step by step (steps only one of them saw are left out)."""
    found: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for step in sorted(set(reference) & set(current)):
        old, new = reference[step], current[step]
        if not isinstance(old, Mapping) or not isinstance(new, Mapping) or old.get("format") != new.get("format"):
            if isinstance(old, Mapping) and isinstance(new, Mapping):
                found["changed"].append(f"{step}: format {old.get('format')} → {new.get('format')}")
            continue
        partial = old.get("format") in _PARTIAL
        for what, line in _step_diff(step, old.get("shape") or {}, new.get("shape") or {}, partial):
            found[what].append(line)
    return ShapeDiff(found["added"], found["removed"], found["changed"])
