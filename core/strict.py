"""The base of every config model: unknown keys refused, values frozen, and no silent coercion.

pydantic's lax mode reads `enabled = "yes"` as True, `enabled = "n"` as False (turning alerts off without a
word), `max_concurrent_crawls = "2"` as 2 and `run_at_start = "off"` as False. A config file is written by
a person, so a bool must be written `true`/`false` and a whole number as a number: `Strict` checks that
before pydantic converts anything, naming the key. Numbers that are not whole (prices, ratios) and
durations keep their readings (`0.5` or `"0.5"`, `"15m"`).
"""

from __future__ import annotations

import types
import typing
from datetime import timedelta
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from core.durations import parse_duration

__all__ = ["Duration", "Strict"]


def _scalar_kind(annotation: Any) -> type | None:
    """bool or int when the field holds only that (optionally or None), else None."""
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = members[0] if len(members) == 1 else None
    return annotation if annotation in (bool, int) else None


def _mistyped(kind: type, value: Any) -> str | None:
    if kind is bool and not isinstance(value, bool):
        return f"must be true or false, not {value!r}"
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"must be a whole number written without quotes, not {value!r}"
    return None


class Strict(BaseModel):
    """A config model: unknown keys are errors (a typo fails at start), values are frozen, no coercion."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _no_coercion(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        problems: list[str] = []
        for name, field in cls.model_fields.items():
            key = field.alias or name
            kind = _scalar_kind(field.annotation)
            if kind is None or key not in data or data[key] is None:
                continue
            problem = _mistyped(kind, data[key])
            if problem:
                problems.append(f"{key} {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        return data


def _duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("write durations as text like '30s', '15m', '1h30m' or '2d'")
    return parse_duration(value)


#: a duration written as text ("30s", "15m", "1h30m", "2d") in aipulse.toml
Duration = Annotated[timedelta, BeforeValidator(_duration)]
