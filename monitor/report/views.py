"""The report's view model: sections as parts (text, notes, tables of cells, charts) both templates write."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from monitor.report.labels import no_data_text
from monitor.report.model import NoData

__all__ = ["Cell", "Chart", "Part", "Row", "SectionView", "Table", "make_cells", "show_empty"]


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, a footnote marker, and a second, smaller line (`sub`)."""

    text: str
    mark: str = ""
    sub: str = ""


@dataclass(frozen=True)
class Row:
    """One table row and how it is highlighted."""

    cells: list[Cell]
    #: stale, soldout, problem, warn or muted: how the HTML highlights the row
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table as both templates write it."""

    headers: list[str]
    rows: list[Row]
    #: right-aligned (numeric) column indexes
    numeric: frozenset[int] = frozenset()
    caption: str = ""
    compact: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart's PNG, its file-name part (gpu, traffic, market) and its alt text."""

    name: str
    png: bytes
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Part:
    """A piece of a section in reading order: kind is subheading, text, note, table or chart."""

    kind: str
    text: str = ""
    table: Table | None = None
    chart: Chart | None = None


@dataclass
class SectionView:
    """One numbered section: its heading, and either why it is empty or its parts."""

    key: str
    number: int
    title: str
    empty_text: str | None = None
    parts: list[Part] = field(default_factory=list)

    def add(self, kind: str, text: str = "", *, table: Table | None = None, chart: Chart | None = None) -> None:
        self.parts.append(Part(kind, text, table, chart))

    @property
    def charts(self) -> list[Chart]:
        return [part.chart for part in self.parts if part.chart is not None]


def make_cells(*values: str | Cell) -> list[Cell]:
    return [value if isinstance(value, Cell) else Cell(value) for value in values]


def show_empty(section: SectionView, empty: NoData | None, lang: str) -> bool:
    if empty is None:
        return False
    section.empty_text = no_data_text(empty.code, empty.detail, lang)
    return True
