"""Which amounts in a text are this round's size and which its valuation; revenue, totals and conversions dropped."""

from __future__ import annotations

import re

from spiders.cn_amounts import APPROX, EXACT, MAGNITUDE, NEAR, OVER, UNKNOWN_CURRENCY, Amount, find_amounts

# 估值已超过独角兽(10亿美金): up to a dozen words may sit between 估值 and its figure
_VALUATION_BEFORE = re.compile(r"(?:估值|valuation of|valued at|valuing (?:it|the company|\w+) at|post-money of)"
                               r"[^,;。亿万$]{0,12}$",
                               re.IGNORECASE)  # fmt: skip
#: a figure converted into another currency: `约合人民币…`, or in brackets after the original (`（合22亿美元）`)
_CONVERTED_BEFORE = re.compile(
    r"约合\s*$|\(\s*(?:约合|折合|合|约|即|approx\.?|about)?\s*(?:人民币)?\s*$", re.IGNORECASE
)
_VALUATION_AFTER = re.compile(r"^\s*(?:的)?(?:估值|(?:pre|post)-money|valuation)", re.IGNORECASE)
_OTHER_BEFORE = re.compile(
    r"(?:营收|收入|订单|销售额?|销量|净利润|利润|亏损|市值|成交额?|注册资本|产值|ARR|revenue|sales|profit|loss"
    r"|market cap|contracts?|per month|a month|累计|总融资|共募集|total funding|to date|bringing (?:its|the) total"
    r"|此前|上一轮|up from"
    # `三轮数亿元`, `40天2轮融资数千万`, `半年融资超50亿`: the sum of several rounds or of a period
    r"|(?<![A-Za-z\d])(?:[两三四五六七八九十]|\d)\s*轮|(?:半年|年内|今年以来|个月)内?\s*(?:连续)?(?:融资|获投|累计|共)"
    r"|previous|prior)\D{0,8}$",
    re.IGNORECASE,
)
_OTHER_AFTER = re.compile(r"^\s*(?:订单|营收|收入|销售|净利润|per (?:month|year|share)|in (?:revenue|sales|ARR)|ARR)",
                          re.IGNORECASE)  # fmt: skip


_DEAL_AFTER = re.compile(r"^\s*(?:[\w-]+\s+){0,2}?(?:investment|deal|round|funding|financing|raise)\b", re.IGNORECASE)


def amount_roles(text: str, language: str) -> tuple[list[Amount], list[Amount]]:
    """Amounts in `text` split into round candidates and valuations; revenue, totals and converted figures dropped."""
    rounds: list[Amount] = []
    valuations: list[Amount] = []
    for amount in find_amounts(text, default_currency="CNY" if language == "zh" else None):
        before, after = text[max(0, amount.start - 24) : amount.start], text[amount.end : amount.end + 24]
        if amount.qualifier == "converted" or _CONVERTED_BEFORE.search(before):
            continue
        if _VALUATION_BEFORE.search(before) or _VALUATION_AFTER.search(after):
            if not re.search(r"此前|上一轮|前一轮|上轮|previous|prior|up from|last valued", before, re.IGNORECASE):
                valuations.append(amount)
            continue
        if _OTHER_BEFORE.search(before) or _OTHER_AFTER.search(after):
            continue
        if amount.low is None and amount.high is None and amount.qualifier != UNKNOWN_CURRENCY:
            continue
        if amount.qualifier == NEAR and re.match(r"(?i)near", amount.text) and _DEAL_AFTER.match(after):
            # `SoftBank Nears $30 Billion Additional Investment in OpenAI`: the deal is near, the sum is $30B
            amount = Amount(amount.high, amount.high, amount.currency, EXACT, amount.text, amount.start, amount.end)
        rounds.append(amount)
    return rounds, valuations


def first_of(*candidates: list[Amount]) -> Amount | None:
    """The first amount of the first non-empty list (the title's before the summary's)."""
    return next((found[0] for found in candidates if found), None)


def exact_within(amount: Amount | None, summary_amounts: list[Amount]) -> Amount | None:
    """A headline's order of magnitude or lower bound (数亿元, 超亿元) replaced by the summary's exact figure inside it.

    The headline's words stay the `amount_text` (what the title said); the numbers become the exact ones.
    """
    if amount is None or amount.qualifier not in (MAGNITUDE, OVER, NEAR, APPROX):
        return amount
    for found in summary_amounts:
        if found.qualifier != EXACT or found.currency != amount.currency or found.low is None or amount.low is None:
            continue
        if amount.low <= found.low and (amount.high is None or found.low <= amount.high):
            return Amount(found.low, found.high, found.currency, EXACT, amount.text, amount.start, amount.end)
    return amount


def original_currency(amount: Amount | None, summary: str) -> Amount | None:
    """A headline showing only the converted CNY figure of a dual-currency round: keep the body's original amount."""
    if amount is None:
        return None
    for found in re.finditer(r"(?P<original>[^,;。()]{1,20}?)\(约合(?:人民币)?(?P<converted>[^)]{1,16})\)", summary):
        converted = find_amounts(found.group("converted"), default_currency="CNY")
        original = find_amounts(found.group("original"), default_currency="CNY")
        if converted and original and converted[0].low == amount.low and converted[0].currency == amount.currency:
            return original[-1]
    return amount
