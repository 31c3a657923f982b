"""How the report writes numbers, money, percentages, local times and long error texts."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

__all__ = [
    "DASH",
    "LAST_KNOWN_MARK",
    "STALE_MARK",
    "clip_text",
    "format_cents",
    "format_count",
    "format_local",
    "format_money",
    "format_pct",
]

DASH = "—"
#: footnote markers: a row not observed this week / a price that is the last known one
STALE_MARK, LAST_KNOWN_MARK = "†", "‡"
_CENT = Decimal("0.01")
_MILL = Decimal("0.001")
_ERROR_CHARS = 160


def format_pct(value: Decimal | None) -> str:
    """A change in percent with its sign and two decimals (+5.00%, -0.36%, 0.00%); — when unknown."""
    if value is None:
        return DASH
    rounded = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    return "0.00%" if rounded == 0 else f"{rounded:+f}%"


def format_money(value: Decimal | None) -> str:
    """A price with thousands separators and two decimals; three below 1, where a spot price's 0.245 matters."""
    if value is None:
        return DASH
    value = Decimal(value)
    rounded = value.quantize(_MILL if abs(value) < 1 else _CENT, rounding=ROUND_HALF_UP)
    return f"{rounded:,f}"


def format_count(value: Decimal | int | None) -> str:
    """A count or size without trailing zeros or exponent (8, 1800, 0.5)."""
    if value is None:
        return DASH
    if isinstance(value, int):
        return f"{value:,}"
    normal = value.normalize()
    return f"{normal:,f}" if normal != normal.to_integral_value() else f"{int(normal):,}"


def format_cents(value: Decimal | None) -> str:
    # Stored decimals lose trailing zeros (41.2); prices and EPS read better in cents, longer ones stay as given.
    if value is None:
        return DASH
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return f"{value.quantize(_CENT):f}"
    return f"{value:f}"


def format_local(moment: datetime | None, zone: ZoneInfo, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return DASH if moment is None else moment.astimezone(zone).strftime(pattern)


def clip_text(text: str, limit: int = _ERROR_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
