"""The one parser contract: `parse(body, *, url, fetched_at, request) -> ParseResult` for every source.

A parser is pure: bytes in, typed items out, no Scrapy, no SQLAlchemy, no clock, no network. What the
spider asked for travels in `Request` (so a recorded case replays with exactly the same input), what the
parser found travels back in `ParseResult`: the items, what it left out and why, what the operator should
read once, facts for the run's record, and the follow-up requests (next page, the next step of a flow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from spiders.gpu_names import what_was_read
from spiders.items import Item

__all__ = ["FollowUp", "ParseResult", "Parser", "Request", "Source", "unknown_gpu_notes"]


@dataclass(frozen=True)
class Request:
    """What was asked for: method, body, headers, the step of the source's flow, and the spider's arguments.

    `step` names which page of a multi-step source this is ("version_page", "price_file", …); a one-page
    source leaves it None. `meta` carries what the spider knew when it asked (a page number, the symbols
    requested) so the parser needs no state outside its arguments. `meta.json` of a fixture records all of it.
    """

    method: str = "GET"
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    step: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""

    def query(self) -> dict[str, str]:
        """The request URL's query parameters (last value wins)."""
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))


@dataclass(frozen=True)
class FollowUp:
    """A request the parser asks the spider to make next (the next page, the next step of the flow)."""

    url: str
    step: str | None = None
    method: str = "GET"
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ParseResult:
    """What one response held: items, items left out (with the reason), notes, run facts and follow-ups.

    `expect_items` False says an empty `items` is a correct answer for this response (a step of a flow
    that only leads to the next request, a news page without funding news); True with no items and no
    follow-up is a failed run ("the source said nothing where it must say something").
    """

    items: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    follow: list[FollowUp] = field(default_factory=list)
    expect_items: bool = True
    #: why an empty answer is a failure, in the source's own words (used when expect_items and no items)
    empty_reason: str = "the answer held no item"


@dataclass(frozen=True)
class Source:
    """A one-request source declared beside its parser, as `SOURCE = Source(...)` in `spiders/parsers/<id>.py`.

    The spider is generated from it (`spiders/sources/declared.py`): one request to the endpoint (the
    config's `endpoint`, else `endpoint` here), the answer handed to this module's `parse`, follow-ups as
    the parser asks. A source that needs more (several steps it decides itself, a browser, tokens in a
    header) writes its own `spiders/sources/<id>.py` instead.
    """

    #: the item kind: gpu, traffic, funding or quotes
    kind: str
    #: the live https:// URL asked when the config names none
    endpoint: str
    #: one line saying what the source serves (shown by `aipulse sources` and the README)
    description: str
    method: str = "GET"
    #: the kind of answer `parse` reads: json, html, xml or text (any other kind fails before the parser)
    expects: str | None = "json"


class Parser(Protocol):
    """The signature every `spiders/parsers/<source_id>.py` exports as `parse`."""

    def __call__(self, body: bytes, *, url: str, fetched_at: datetime, request: Request) -> ParseResult: ...


def unknown_gpu_notes(names: list[str]) -> list[str]:
    """The operator's note for each GPU model the canonical table lacks: the raw name as seen and what the
    table read in it (the offer keeps its raw name)."""
    return [
        f"unknown GPU model {name!r}: kept under its raw name; read as {what_was_read(name)} "
        "(add it to spiders/gpu_names.py)"
        for name in names
    ]
