"""Numbers and funding-round names as Chinese text reads them: 1.35 亿美元, 5000 万元, A 轮, 未披露轮次."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = ["ZH_ROUNDS", "zh_amount", "zh_round"]

_LETTER_ROUND = re.compile(r"(?:Pre-)?[A-H]\d*")
_UNITS = ((Decimal(10) ** 12, "万亿"), (Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))

#: DESIGN §3's round vocabulary in Chinese, as 36Kr and 投资界 write it
ZH_ROUNDS = {
    "Undisclosed": "未披露轮次", "Strategic": "战略轮", "Angel": "天使轮", "Pre-Angel": "Pre-天使轮",
    "Seed": "种子轮", "Pre-Seed": "Pre-种子轮", "First": "首轮", "Growth": "成长轮", "Bridge": "过桥轮",
    "Pre-IPO": "Pre-IPO 轮",
}  # fmt: skip


def _trim(value: Decimal, places: str) -> str:
    text = f"{value.quantize(Decimal(places), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def zh_amount(value: Any, unit: str = "") -> str:
    """`value` in 万 / 亿 / 万亿 with at most two decimals, then `unit`: 135000000, "美元" -> "1.35 亿美元";
    below 10 000 with thousands separators: "8,000 美元"; None or a non-number -> "—"."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    if value is None or not number.is_finite():
        return "—"
    for size, name in _UNITS:
        if abs(number) >= size:
            return f"{_trim(number / size, '0.01')} {name}{unit}"
    plain = f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}".rstrip("0").rstrip(".")
    return f"{plain} {unit}".rstrip()


def zh_round(name: str | None) -> str:
    """A normalised round for Chinese text: "A" -> "A 轮", "B+-extension" -> "B+ 轮（追加）", "Undisclosed" ->
    "未披露轮次"; never an English word the reader has to translate."""
    if not name:
        return ZH_ROUNDS["Undisclosed"]
    base, extension = (name[: -len("-extension")], True) if name.endswith("-extension") else (name, False)
    plus = len(base) - len(base.rstrip("+"))
    core = base.rstrip("+")
    if core in ZH_ROUNDS:
        text = ZH_ROUNDS[core]
        if plus:
            text = text.replace("轮", "+" * plus + "轮") if "轮" in text else text + "+" * plus
    elif _LETTER_ROUND.fullmatch(core):
        text = f"{core}{'+' * plus} 轮"
    else:
        return name  # not the normalised vocabulary (a label as written, 天使轮, Series A): kept as it is
    return text + ("（追加）" if extension else "")
