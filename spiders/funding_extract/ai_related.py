"""Is a funded company's business AI (funding.md §4.9)? The words that describe the company decide, not its neighbours.

The convention (tests/funding_eval/README.md): `ai_related` when the company's business as the text describes it is AI,
robotics/embodied, AI chips or AI compute. An AI word in a market sentence (`AI封装载板交期拉长`), about the investor
(`The artificial intelligence giant is expected to invest`), in a side deal (`…, forms AI partnership`) or in a site's
credit line (`本文由小欧AI基于亿欧数据生成`) says nothing about the company; its descriptor, an appositive and the
sentences naming it (or `公司` / `the startup` pointing back at it) do.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from spiders.funding_extract.companies import ZH_REGION
from spiders.funding_extract.text import CJK, EN_DESCRIPTOR_WORDS, normalise_text, sentences

AI_LEXICON = re.compile(
    r"(?-i:(?<![A-Z])AI(?![a-zA-Z]))|A\.I\.|人工智能|大模型|具身|智能体|机器人|算力|AI芯片|自动驾驶|智驾|脑机接口|空间智能|机器学习"
    r"|深度学习|多模态|生成式|AIGC|AGI|LLMs?|GenAI|\bgenerative\b|machine learning|\brobot(?:s|ics)?\b|autonomous"
    r"|neural|foundation models?|(?<![A-Za-z])agents?(?![A-Za-z])|agentic|chatbots?|computer vision|inference|GPUs?"
    r"|humanoid|world models?|artificial intelligence|类脑|视觉|感知|数据引擎|Physical AI|(?-i:GPT)|vibe-coding"
    r"|(?-i:(?<![A-Z])AMRs?(?![A-Za-z]))|移动机器人|AGV",
    re.IGNORECASE,
)
#: chip words that make a company AI only in its descriptor or beside another AI word: a GPU line among an IC design
#: house's products (`主要业务包括GPU、DC/DC、光传输供应的设计`) is chip design, not AI compute
_WEAK = re.compile(r"(?i:GPUs?)")
#: a GPU as compute (`flew the chipmaker's H100 GPU to orbit`, `GPU clusters`, `GPU云`): not weak
_COMPUTE_GPU = re.compile(
    r"(?i:(?:\b[A-Z]{1,2}\d{2,3}|Nvidia|英伟达)\s*GPUs?|GPUs?\s*(?:cloud|clusters?|compute|servers?|云|集群|算力|服务器))"
)
#: a site's credit line: the article was written by a model, the company is not thereby AI
_CREDIT = re.compile(
    r"本文由[^。!?]{0,30}生成[^。!?]*[。!?]?"
    r"|\b(?:this (?:article|story|summary) was )?(?:generated|written|summari[sz]ed)"
    r" (?:with|by|using) (?:the help of )?(?:an? )?(?:AI|artificial intelligence)\b[^.!?]*[.!?]?",
    re.IGNORECASE,
)
#: the market a company serves (`to address demand for … AI infrastructure`): the rest of the sentence is context
_MARKET_TAIL = re.compile(
    r"\b(?:(?:increasing|growing|rising|surging|soaring|booming) )?demand (?:for|from)\b.*$", re.IGNORECASE
)
#: words that point back at the company anywhere in a sentence (`…，该公司希望借此势头实现发展`)
_POINTER = re.compile(r"该公司|该企业|这家公司|(?i:\bthe (?:company|startup)\b)")
#: words that point back at the company at a sentence's start (`公司主要业务包括…`, `The startup builds…`), and the
#: round's own use of funds (`融资将用于具身大脑模型…`)
_ANAPHOR = re.compile(
    r"^(?:[^,]{0,8},\s*)?(?:公司|企业|这家|其|它|团队|(?:本轮)?(?:融资|资金|募集资金)\S{0,6}用于"
    rf"|(?i:(?:the|this) (?:[\w-]+ ){{0,2}}{EN_DESCRIPTOR_WORDS}\b|it\b|its\b|they\b|their\b))"
)
#: a legal suffix after a name (`苏州德悟科技有限公司`, `Acme Inc.`)
_LEGAL = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|,?\s+(?:Inc|Ltd|Corp|LLC|Co|PBC)\.?)$")
#: where a headline's clauses part (`Google invests $75 million in film studio A24, forms AI partnership`)
_TITLE_CLAUSE = re.compile(r"(?<=[,;|!?。])\s*|\s+-\s+")
#: a verb before the company's name in its clause: the company is the object (`Google invests … in A24`)
_OBJECT_OF = re.compile(
    r"(?i:\b(?:invest\w*|backs?|backed|backing|leads?|led|funds?|funded)\b)|投资|领投|注资|入股|押注|向"
)


def is_ai_related(
    title: str, *texts: str, company: str | None = None, descriptor: str | None = None, labels: str = ""
) -> bool:
    """True when the company is a known AI company (ai_companies.txt), its descriptor (`AI芯片公司`) or the feed's
    labels use the AI lexicon, or a passage describing it does: the headline up to the company's clause (and after
    it when the company is that clause's subject), a summary sentence naming it or pointing back at it (`该公司`,
    `The startup`, `融资将用于`), without a market tail (`demand for … AI infrastructure`) or a site's credit line.
    A text that never names the company counts whole. AI funds are excluded earlier as fund closes."""
    if company and is_known_ai_company(company):
        return True
    if any(AI_LEXICON.search(normalise_text(t)) for t in (descriptor or "", labels) if t):
        return True
    key = _name_key(company or "")
    passages = _title_passages(normalise_text(title), key)
    names = _name_variants(company or "")
    for text in texts:
        found = sentences(_CREDIT.sub(" ", normalise_text(text)))
        about = [p for p in found if _describes(p, names)]
        passages += about or found
    kept = [_MARKET_TAIL.sub("", p) for p in passages]
    hits = {m.group(0) for p in kept for m in AI_LEXICON.finditer(p)}
    return any(not _WEAK.fullmatch(h) for h in hits) or any(_COMPUTE_GPU.search(p) for p in kept)


def _title_passages(title: str, key: str) -> list[str]:
    """The headline's clauses that describe the company: those up to the one naming it, and the later ones only when
    the company is that clause's subject (`…，推进AI+健康管理业务发展`, not `Google invests … in A24, forms AI …`)."""
    clauses = _TITLE_CLAUSE.split(title)
    at = next((i for i, c in enumerate(clauses) if key and key in _name_key(c)), None)
    if at is None:
        return clauses
    before = clauses[at][: max(_name_key_position(clauses[at], key), 0)]
    return clauses if not _OBJECT_OF.search(before) else clauses[: at + 1]


def _name_key_position(clause: str, key: str) -> int:
    """Where (in characters of `clause`) the folded name starts, roughly: the first character whose fold starts it."""
    for i in range(len(clause)):
        if _name_key(clause[i:]).startswith(key):
            return i
    return -1


def _name_variants(company: str) -> set[str]:
    """The folded ways a text names the company: whole, without its region, legal suffix or a trailing 科技 / 技术,
    and an English name's first word of four letters or more (`Cloverleaf` for Cloverleaf Infrastructure)."""
    name = normalise_text(company)
    short = ZH_REGION.sub("", _LEGAL.sub("", name).strip()) or name
    found = {_name_key(name), _name_key(short)}
    if CJK.search(short) and len(bare := re.sub(r"(?:科技|技术|集团)$", "", short)) >= 2:
        found.add(_name_key(bare))
    first = re.match(r"[A-Z][A-Za-z]{3,}(?=\s)", short)
    if first is not None:
        found.add(_name_key(first.group(0)))
    return {n for n in found if n}


def _describes(passage: str, names: set[str]) -> bool:
    """Whether a passage names the company (folded) or points back at it."""
    text = passage.strip()
    key = _name_key(text)
    return any(n in key for n in names) or bool(_POINTER.search(text) or _ANAPHOR.match(text))


def _name_key(name: str) -> str:
    return re.sub(r"[\s\W_]+", "", normalise_text(name).casefold())


@cache
def known_ai_companies() -> frozenset[str]:
    """The folded names of the bundled list of AI companies (spiders/funding_extract/ai_companies.txt)."""
    text = resources.files("spiders.funding_extract").joinpath("ai_companies.txt").read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(_name_key(line) for line in lines if line and not line.startswith("#"))


def is_known_ai_company(name: str) -> bool:
    """Whether `name` is on the list; a Chinese name also when it starts with a listed one (月之暗面Kimi)."""
    key = _name_key(name)
    known = known_ai_companies()
    return key in known or any(CJK.match(k) and len(k) >= 2 and key.startswith(k) for k in known)
