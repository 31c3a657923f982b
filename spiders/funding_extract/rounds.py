"""Round names: found as written (B+轮, Series A extension) and normalised to the DESIGN §3 vocabulary."""

from __future__ import annotations

import re

from spiders.funding_extract.text import normalise_text

#: one Chinese round label before 轮 (Pre-A, B2, 天使+, 战略, 新一)
ZH_LABEL = (
    r"(?:Pre[- ]?[A-H]\d*\+*|(?<![A-Za-z])[A-H]\d*\+*|天使\+*|种子前|种子\+*|(?i:pre)[- ]?IPO|IPO前|战略|首|新一"
    r"|Pre-?天使)"
)
_ZH_ROUND = re.compile(
    rf"{ZH_LABEL}\s*轮(?:追加|延展|扩展|(?:融资)?规模扩大)?(?:\s*(?:及|和|与|、|/|\+)\s*{ZH_LABEL}\s*轮(?:追加)?)*"
    rf"|(?:Pre-?[A-H]\d*\+*|(?<![A-Za-z])[A-H]\d*\+*)(?=新一轮)"
    r"|{_x}".replace("{_x}", r"战略(?:股权)?融资|战略投资|天使投资|种子投资|(?<![A-Za-z])[A-H]\d*\+*轮?(?:融资)?追加")
)
_EN_ROUND = re.compile(
    r"\b(?:pre-)?series\s+[a-k](?:-?\d)?\+*(?:\s+(?:(?:funding|financing|round)\s+)?(?:extension|expansion|follow-on))?(?:\b|(?<=\+))"
    r"|\bpre-seed\b"
    r"|\bseed(?:\s+(?:extension|round|funding|investment))?\b|\bgrowth (?:round|equity)\b|\bbridge round\b"
    r"|\bstrategic (?:round|investment|funding)\b|\bangel round\b|\bpre-IPO\b|\bgrowth (?:financing|funding|capital)\b"
    r"|\bsecondary (?:sale|shares|round|transaction|share sale)\b|\btender offer\b",
    re.IGNORECASE,
)


def find_round(text: str, language: str) -> str | None:
    """The round as written in `text`, the text's own language tried first (`B+轮`, `Series A extension`)."""
    own, other = (_ZH_ROUND, _EN_ROUND) if language == "zh" else (_EN_ROUND, _ZH_ROUND)
    found = list(own.finditer(text)) or list(other.finditer(text))
    # `新一轮(A++轮)`, `新一轮近亿元战略融资`: the first label that names a round beats a bare 新一轮
    specific = [m for m in found if normalise_round(m.group(0)) != "Undisclosed"]
    chosen = specific or found
    return chosen[0].group(0).strip() if chosen else None


def normalise_round(raw: str | None) -> str:
    """The round vocabulary of DESIGN §3 from the words as written: 天使+轮 -> Angel+, 新一轮 -> Undisclosed.

    A combined label (`Pre-A轮/Pre-A+轮`, `A+轮及A++轮`) becomes its last round; an extension gets `-extension`.
    """
    if not raw:
        return "Undisclosed"
    text = normalise_text(raw)
    extension = bool(re.search(r"追加|延展|扩展|扩大|extension|expansion|follow-on", text, re.IGNORECASE))
    labels = re.findall(
        r"Pre-?Series\s+[A-K](?:-?\d)?\+*|Pre-?[A-H]\d*\+*|Series\s+[A-K](?:-?\d)?\+*|(?<![A-Za-z])[A-H]\d*\+*(?![a-z])"
        r"|天使\+*|种子前|种子\+*|Pre[- ]?IPO|IPO前|pre-seed|seed|战略|首|新一|Pre-?天使|growth|bridge|strategic|angel"
        r"|secondary|tender",
        text,
        re.IGNORECASE,
    )
    if not labels:
        return "Undisclosed"
    label = labels[-1]
    plus = "+" * label.count("+")
    core = label.rstrip("+")
    lowered = core.lower()
    if core.startswith("天使") or lowered == "angel":
        name = "Angel"
    elif lowered == "pre-seed" or core == "种子前":
        name = "Pre-Seed"
    elif core.startswith("种子") or lowered == "seed":
        name = "Seed"
    elif re.fullmatch(r"pre-?天使", core, re.IGNORECASE):
        name = "Pre-Angel"
    elif re.fullmatch(r"pre[- ]?ipo|ipo前", lowered):
        name = "Pre-IPO"
    elif core in ("战略",) or lowered == "strategic":
        name = "Strategic"
    elif core == "首":
        name = "First"
    elif core == "新一":
        name = "Undisclosed"
    elif lowered == "growth":
        name = "Growth"
    elif lowered == "bridge":
        name = "Bridge"
    elif lowered in ("secondary", "tender"):
        name = "Secondary"
    else:
        match = re.fullmatch(r"(pre-?)?(?:series\s+)?(pre-?)?(?:series\s+)?([a-k])-?(\d?)", lowered)
        if match is None:
            return "Undisclosed"
        prefix = "Pre-" if (match.group(1) or match.group(2)) else ""
        name = f"{prefix}{match.group(3).upper()}{match.group(4)}"
    name += plus
    return f"{name}-extension" if extension and name not in ("Undisclosed",) else name
