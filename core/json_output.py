"""The one JSON form of every `--json` output: times in UTC as ISO 8601 `2026-11-26T08:00:00Z`, dates as
`2026-11-26`, decimals as strings (exact), dataclasses as objects."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["TIME_FORMAT", "TIME_PATTERN", "format_time", "json_text", "jsonable"]

#: strftime of every time in JSON output (always UTC)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: what every time in JSON output looks like
TIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
#: a time already written as text some other ISO way (`isoformat()`, `str(datetime)`), rewritten to TIME_FORMAT
_OTHER_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})")


def format_time(value: datetime) -> str:
    """An aware datetime in UTC as `2026-11-26T08:00:00Z` (a naive one is taken as UTC, as stored)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(TIME_FORMAT)


def jsonable(value: Any) -> Any:
    """`value` with every datetime, date, Decimal, dataclass, set and tuple made JSON-ready (also in keys)."""
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        if _OTHER_TIME.fullmatch(value):
            return format_time(datetime.fromisoformat(value.replace("Z", "+00:00")))
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def json_text(data: Any) -> str:
    """`data` as indented JSON text, non-ASCII kept (the one form of every `--json`)."""
    return json.dumps(jsonable(data), ensure_ascii=False, indent=2)
