"""AutoDL public price list: `originalPrice` objects in the home page's JS -> GpuOffers in CNY/GPU-h (gpu.md §4.5)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from spiders.errors import ParseError
from spiders.gpu_names import canonical_gpu
from spiders.items import GpuOffer
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text
from spiders.parsers.contract import ParseResult, Request, unknown_gpu_notes

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "MAX_PRICE_PER_GPU_HOUR",
    "NAME_KEYS",
    "PRICE_KEY",
    "REGION",
    "SOURCE_ID",
    "TEXT_SEPARATOR",
    "PriceObject",
    "find_price_objects",
    "has_price_objects",
    "join_texts",
    "parse",
]

SOURCE_ID = "autodl_gpu"
DEFAULT_PUBLIC_URL = "https://www.autodl.com/home"
#: the one documented key (gpu.md §4.5): the list price per GPU type, CNY per GPU-hour
PRICE_KEY = "originalPrice"
#: keys that may name the GPU type, first match wins. Only `originalPrice` is documented; the name key is a guess
#: (the constructed fixture uses `gpuName`), so several spellings are accepted. Verify on the first live run.
NAME_KEYS = ("gpuName", "gpu_name", "gpuType", "gpu_type", "gpuModel", "gpu_model", "name", "title", "label")
#: the list names no region: these offers form their own series beside the token market list's regions
REGION = "public-list"
#: AutoDL's per-GPU list prices are ¥1-¥11 (2026-10); a larger number means a unit change (the API uses 厘)
MAX_PRICE_PER_GPU_HOUR = Decimal(200)
#: between the texts of one body (the page, then the scripts it loaded): NUL is in no HTML or JS text
TEXT_SEPARATOR = "\x00"
#: how far around an `originalPrice` key the enclosing object literal is looked for, in characters
_SPAN = 4000

_KEY_RE = re.compile(r"""(?P<lead>[{,])\s*(?P<q>["']?)originalPrice(?P=q)\s*:""")
_STRING = r'"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR_RE = re.compile(
    r"""(?:^|,)\s*(?:"(?P<k1>[\w$]+)"|'(?P<k2>[\w$]+)'|(?P<k3>[A-Za-z_$][\w$]*))\s*:\s*"""
    rf"""(?P<value>(?:{_STRING}|{_NUMBER})(?=\s*(?:,|$))|[^,]*)"""
)
# A name given as the key holding the price object: {"A800-80GB": {originalPrice: 5.88}}
_PARENT_KEY_RE = re.compile(
    r"""(?:"(?P<k1>[^"\\\n]{1,60})"|'(?P<k2>[^'\\\n]{1,60})'|(?P<k3>[A-Za-z_$][\w$]*))\s*:\s*$"""
)
_NESTED_RE = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class PriceObject:
    """One object literal holding an `originalPrice` key: its GPU name and the price literal, as written."""

    name: str | None
    price_literal: str
    text: str


def find_price_objects(text: str) -> list[PriceObject]:
    """Every object literal in `text` (JS or JSON) that has an `originalPrice` key with a value, in order.

    Only key positions count (after `{` or `,`): `e.originalPrice` or `a?originalPrice:b` are code, not data.
    Braces are matched without reading strings, so a `{` or `}` inside a string of the object can cut it short.
    """
    found: list[PriceObject] = []
    for match in _KEY_RE.finditer(text):
        bounds = _enclosing_object(text, match.start("lead") if match.group("lead") == "{" else match.start())
        if bounds is None:
            continue
        start, end = bounds
        inner = text[start + 1 : end]
        # Values inside nested objects are not this object's keys: blank them out before reading pairs.
        flat = inner
        while (reduced := _NESTED_RE.sub("{}", flat)) != flat:
            flat = reduced
        pairs = _pairs(flat)
        if PRICE_KEY not in pairs:
            continue
        name = next((_string(pairs[key]) for key in NAME_KEYS if _string(pairs.get(key))), None)
        if name is None:
            name = _parent_key(text[max(0, start - 80) : start])
        found.append(PriceObject(name, pairs[PRICE_KEY], text[start : end + 1]))
    return found


def has_price_objects(text: str) -> bool:
    """True when `text` holds at least one `originalPrice` object (cheap pre-check: the key must appear)."""
    return PRICE_KEY in text and bool(find_price_objects(text))


def join_texts(texts: Sequence[str]) -> bytes:
    """One body for `parse` from the page HTML and the script/XHR bodies it loaded (each read on its own)."""
    return TEXT_SEPARATOR.join(texts).encode("utf-8")


def parse(body: str | bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """Read the public price list from the page and the scripts it loaded: one on-demand offer per GPU type.

    `body` holds the page HTML and script/XHR bodies (any order, see join_texts). Each GPU type becomes a GpuOffer with
    region "public-list", one GPU, `originalPrice` as CNY per GPU-hour and `available` True (the list
    says nothing about stock). A type listed at several prices keeps the lowest (and says so in
    `skipped`); a zero, negative or non-numeric price or a nameless object is left out with a reason.
    Raises ParseError when no `originalPrice` object is found, when none yields an offer, or when a
    price is above MAX_PRICE_PER_GPU_HOUR (another unit, e.g. 厘 as in the market API). Every reason
    is a note too (the list is short and hand-made), and `public_price_objects` says how many were read.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    text = decode_text(body, fallbacks=CHINESE_FALLBACKS, what="the AutoDL page")
    texts = text.split(TEXT_SEPARATOR)
    objects = [obj for text in texts for obj in find_price_objects(text)]
    if not objects:
        raise ParseError(
            f"no price objects (an {PRICE_KEY!r} key with a value) in the {len(texts)} text(s) read "
            "(page and the scripts it loaded): the page or its bundle changed"
        )
    prices: dict[str, Decimal] = {}
    skipped: list[str] = []
    for obj in objects:
        outcome = _read(obj)
        if isinstance(outcome, str):
            if outcome not in skipped:
                skipped.append(outcome)
            continue
        name, price = outcome
        if name in prices and prices[name] != price:
            low, high = sorted((prices[name], price))
            skipped.append(f"{name}: listed at {low} and {high}, kept the lowest")
            prices[name] = low
        else:
            prices.setdefault(name, price)
    if not prices:
        raise ParseError(f"{len(objects)} price object(s) but no usable GPU price: {'; '.join(skipped[:5])}")
    offers: list[GpuOffer] = []
    unknown: list[str] = []
    for name, price in prices.items():
        gpu = canonical_gpu(name)
        if not gpu.known:
            unknown.append(name)
        offers.append(
            GpuOffer(
                source=SOURCE_ID,
                url=url,
                observed_at=fetched_at,
                provider="autodl",
                instance_type=name,
                region=REGION,
                gpu_model=gpu.model,
                gpu_variant=gpu.variant,
                # AutoDL prices single GPUs; the list is per GPU type (gpu.md §6.1).
                gpu_count=Decimal(1),
                billing="on_demand",
                price=price,
                currency="CNY",
                available=True,
            )
        )
    return ParseResult(
        items=list(offers), skipped=skipped,
        notes=unknown_gpu_notes(unknown) + [f"public list: {reason}" for reason in skipped],
        details={"public_price_objects": len(objects)},
    )  # fmt: skip


def _read(obj: PriceObject) -> tuple[str, Decimal] | str:
    snippet = obj.text if len(obj.text) <= 120 else obj.text[:117] + "..."
    if not obj.name:
        return f"price object without a GPU name: {snippet}"
    literal = _string(obj.price_literal) or obj.price_literal.strip()
    try:
        price = Decimal(literal)
    except InvalidOperation:
        return f"{obj.name}: {PRICE_KEY} is not a number: {obj.price_literal.strip()[:40]!r}"
    if not price.is_finite() or price <= 0:
        return f"{obj.name}: {PRICE_KEY} {literal} is no price"
    if price > MAX_PRICE_PER_GPU_HOUR:
        raise ParseError(
            f"{obj.name}: {PRICE_KEY} {literal} is above ¥{MAX_PRICE_PER_GPU_HOUR} per GPU-hour: "
            "the unit changed (厘, like the market API?)"
        )
    return obj.name, price


def _enclosing_object(text: str, position: int) -> tuple[int, int] | None:
    """The `{`…`}` around `position` (indices of both braces), looking at most _SPAN characters each way."""
    depth = 0
    start = None
    for index in range(position, max(-1, position - _SPAN), -1):
        char = text[index]
        if char == "}":
            depth += 1
        elif char == "{":
            if depth == 0:
                start = index
                break
            depth -= 1
    if start is None:
        return None
    depth = 0
    for index in range(start + 1, min(len(text), start + 1 + _SPAN)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return start, index
            depth -= 1
    return None


def _pairs(flat: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for match in _PAIR_RE.finditer(flat):
        key = match.group("k1") or match.group("k2") or match.group("k3")
        pairs.setdefault(key, match.group("value"))
    return pairs


def _string(literal: str | None) -> str | None:
    """The text of a quoted JS/JSON string literal (escapes decoded), stripped; None for anything else."""
    if not literal:
        return None
    literal = literal.strip()
    if len(literal) < 2 or literal[0] not in "\"'" or literal[-1] != literal[0]:
        return None
    inner = literal[1:-1]
    if literal[0] == "'":  # a single-quoted JS string: re-quote it for the JSON decoder
        inner = inner.replace("\\'", "'").replace('"', '\\"')
    try:
        value = json.loads(f'"{inner}"')
    except json.JSONDecodeError:
        value = inner
    # Bundles may spell a space as \u00a0; the market list writes "RTX 4090" with a plain one.
    return " ".join(str(value).split()) or None


def _parent_key(before: str) -> str | None:
    match = _PARENT_KEY_RE.search(before)
    if match is None:
        return None
    name = match.group("k1") or match.group("k2") or match.group("k3")
    return " ".join(name.split()) or None
