"""Funding triggers (X获…融资, 拟融资, Y投资X, raises $…) and the status they imply: completed, announced, planned."""

from __future__ import annotations

import re

from spiders.funding_extract.text import EN_SENTENCE_CHAR, ZH_STOP, first_sentence

_ZH_TRIGGER = (
    r"(?:宣布)?(?:已)?(?:完成|获得|获投|(?<!荣)获(?!悉|批|奖|评|选|颁|赞|准|得者|国家)|斩获|拿下|再获|连获|迎来|筹得|融得"
    r"|募得|敲定)"
)
_ZH_NOUN = r"(?:融资|投资|注资|入股|领投|轮)"
#: company first: `X获…融资`
ZH_POSITIVE = re.compile(_ZH_TRIGGER + ZH_STOP + r"{0,40}?" + _ZH_NOUN)
_ZH_INTENT_WORDS = r"(?:拟|计划|正洽谈|正在洽谈|洽谈|寻求|筹划|筹备|启动|开启|正在进行|正在募集|将获|有望获)"
#: a round in the making: `X拟…融资`
ZH_PLANNED = re.compile(_ZH_INTENT_WORDS + ZH_STOP + r"{0,14}?融资")
#: investor first: `Y投资X` (groups `inv` and `verb`)
ZH_INVESTOR_FIRST = re.compile(
    r"(?P<inv>" + ZH_STOP + r"{2,40}?)(?:宣布|已|正式)?(?:独家|联合|共同)?"
    r"(?P<verb>领投|战略投资|投资了|投资|入股|注资|投了|押注|加注)"
    r"(?!人|者|机构|方|界|基金|圈|逻辑|策略|价值|回报|顾问|收益|风格|公司|计划|组合|机会|热)"
)
_ZH_RUMOUR = re.compile(r"据报道|消息称|知情人士|据传|传闻|传出|被曝|曝出|据外媒|或将")
_ZH_INTENT = re.compile(_ZH_INTENT_WORDS)

_EN_VERB = (
    r"\b(?:raises?|raised|raising|secures?|secured|lands?|landed|closes?|closed|nabs?|nabbed|bags?|bagged|snags?"
    r"|snagged|grabs?|grabbed|gets?|got|picks? up|picked up|scores?|scored|pulls? in|pulled in|hauls? in|hauled in"
    r"|attracts?|attracted|receives?|received|banks?|banked|collects?|collected|completes?|completed|announces?"
    r"|announced|unveils?|unveiled|emerges? from stealth with|comes? out of stealth with|debuts? with)\b"
)
_EN_MONEY_OR_ROUND = (
    r"(?:[$€£¥]\s?\d|\b\d+(?:\.\d+)?\s?(?:million|billion)\b|\bseries [a-h]\b|\bseed\b|\bpre-seed\b|\bfunding\b"
    r"|\bfinancing\b|\bround\b|\binvestment\b|\bbacking\b)"
)
#: company first: `X raises $5M`
EN_POSITIVE = re.compile(_EN_VERB + EN_SENTENCE_CHAR + r"{0,80}?" + _EN_MONEY_OR_ROUND, re.IGNORECASE)
#: investor first: `Google invests $2B in X` (groups `inv`, `verb`, `mid`, `co`)
EN_INVESTOR_FIRST = re.compile(
    r"^(?P<inv>[A-Z][^,;:]{0,60}?)\s+(?i:says it will |says it |plans to |will |to |is set to |agrees to )?"
    r"(?P<verb>(?i:invests?|invested|backs|leads|puts|pours|injects))\b(?P<mid>[^;]{0,60}?)\bin(?:to)?\s+"
    r"(?P<co>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,4})"
)
_EN_RUMOUR = re.compile(
    r"\b(?:reportedly|sources say|people familiar|according to (?:people|sources|a report|reports)|rumou?red"
    r"|is said to)\b",
    re.IGNORECASE,
)
_EN_INTENT = re.compile(
    r"\b(?:in talks|in early talks|in discussions|talks to|plans? to|planning to|seeks?|seeking|looking to|aims? to"
    r"|targets?|targeting|eyes|eyeing|could raise|to raise|is raising|are raising|set to raise|considering|weighs"
    r"|weighing|explores?|exploring|in the process of raising)\b",
    re.IGNORECASE,
)
#: words of a commitment not yet closed (`signs`, `will invest`)
EN_ANNOUNCED = re.compile(r"\b(?:signs?|signed|to invest|will invest|commits?|committed)\b", re.IGNORECASE)

#: words that put a clause in the past (an earlier round): its round, amount and investors are not this round's
PREVIOUS = re.compile(
    r"此前|曾获|曾完成|曾经|上一轮|前一轮|上轮|去年|早前|previously|\bprior\b|\bearlier\b|last year|\bin 20\d\d\b"
    r"|\bup from\b|\bafter (?:its|a|raising)\b|\bfollows?\b|\bfollowing (?:its|a)\b",
    re.IGNORECASE,
)


def find_trigger(text: str) -> re.Match[str] | None:
    """The earliest funding trigger in `text`: company-first (X获…融资), planned (拟融资) or investor-first (Y投资X).

    An investor-first match counts from its verb, and never when its investor part holds a company trigger
    (`Plaud获头部大厂投资` is company-first).
    """
    found: list[tuple[int, re.Match[str]]] = []
    for pattern in (ZH_POSITIVE, ZH_PLANNED, EN_POSITIVE):
        match = pattern.search(text)
        if match is not None:
            found.append((match.start(), match))
    for pattern in (ZH_INVESTOR_FIRST, EN_INVESTOR_FIRST):
        match = pattern.search(text)
        if match is not None and not re.search(_ZH_TRIGGER + "|" + _EN_VERB, match.group("inv"), re.IGNORECASE):
            found.append((match.start("verb"), match))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def round_status(title: str, summary: str, trigger: re.Match[str] | None, investor_first: bool) -> str:
    """`planned` for rumours and intentions, `announced` for commitments not yet closed, else `completed`."""
    lead_sentence = first_sentence(summary)
    if _ZH_RUMOUR.search(title) or _EN_RUMOUR.search(title) or _ZH_RUMOUR.search(lead_sentence):
        return "planned"
    if _EN_RUMOUR.search(lead_sentence):
        return "planned"
    if trigger is not None and trigger.re is ZH_PLANNED:
        return "planned"
    for intent in (_ZH_INTENT.search(title), _EN_INTENT.search(title)):
        if intent is not None and (trigger is None or intent.start() <= trigger.end()):
            return "planned"
    if investor_first or (EN_ANNOUNCED.search(title) and trigger is not None and trigger.re is EN_INVESTOR_FIRST):
        return "announced"
    if re.search(r"宣布(?!完成)" + ZH_STOP + r"{0,10}(?:战略投资|投资|入股|注资)", title):
        return "announced"
    return "completed"
