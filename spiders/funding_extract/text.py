"""Text as the rules read it: entities, tags and widths folded, site affixes stripped, language, sentences."""

from __future__ import annotations

import html
import re
import unicodedata

_HYPHENS = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63]")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(?:p|li|h\d|div|tr)>|<br\s*/?>", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Column and site affixes (funding.md §4.1); NFKC has already turned ｜ into |.
_LEADING_AFFIX = re.compile(
    r"^(?:(?:36氪首发|硬氪首发|硬氪独家|36氪独家|首发|独家|投资界消息|投资界独家|最前线|快讯|重磅|Exclusive|EXCLUSIVE)"
    r"\s*[|丨:_]\s*|【[^】]{1,8}(?<![报讯闻刊])】\s*)+"  # 【电报解读】, 【新股IPO】 (not a digest's 【…早报】)
)
#: an English column label before the headline (`Market Chatter: `, `BRIEF-`)
_EN_LABEL = re.compile(r"^(?:Market Chatter|Market Talk|Breaking|Update|UPDATE \d|BRIEF)\s*[:-]\s*")
_TRAILING_AFFIX = re.compile(
    r"(?:\s*[|丨]\s*(?:TechCrunch|硬氪首发|硬氪独家|36氪首发|36氪独家|早期项目|最前线|涌现新栏目|36氪|投资界|[^|丨]{0,6}(?:首发|独家))"
    r"|_投资界|\s+\|\s+[A-Z][\w .&]{1,30})+$"
)
#: one character inside a Chinese clause (after NFKC; 2,000 stays)
ZH_STOP = r"(?:[^,;:!?。|丨\n]|(?<=\d),(?=\d))"
#: one character inside an English sentence: a decimal point ($2.6B) does not end it
EN_SENTENCE_CHAR = r"(?:[^.;!?]|(?<=\d)\.(?=\d))"
#: English words that describe a company before its name (`AI startup Krutrim`, `chip startup Source Foundry`)
EN_DESCRIPTOR_WORDS = (
    r"(?:startup|start-up|firm|company|maker|developer|provider|lab|unicorn|platform|outfit|specialist|spinout"
    r"|upstart|business|operator|builder|designer|creator|venture|player)"
)
#: (`Aug. 12 --`, `Inc. said`, `Mr. Lin`: an abbreviation's full stop ends no sentence)
_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "Inc", "Corp", "Ltd", "Co", "Mr", "Ms", "Mrs", "Dr", "St", "No", "vs",
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[。!?])|" + "".join(rf"(?<!\b{a}\.)" for a in _ABBREVIATIONS) + r"(?<=[.!?])\s+|\n")


def normalise_text(text: str, *, keep_lines: bool = False) -> str:
    """Unescape entities, drop tags, NFKC (full-width -> ASCII), fold hyphens and curly apostrophes, collapse spaces.

    NFKC turns Chinese full-width punctuation (，：；（）｜) into ASCII; every rule below is written for that form.
    """
    text = html.unescape(text or "")
    if keep_lines:
        text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text)
    text = _HYPHENS.sub("-", text).replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")
    if keep_lines:
        lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
        return "\n".join(line for line in lines if line)
    return re.sub(r"\s+", " ", text).strip()


def strip_affixes(title: str) -> str:
    """A normalised title without column and site affixes (`36氪首发 |`, `｜硬氪独家`, `_投资界`, ` | TechCrunch`)."""
    title = _EN_LABEL.sub("", _LEADING_AFFIX.sub("", title.strip()))
    return _TRAILING_AFFIX.sub("", title).strip()


def clean_title(title: str) -> str:
    """A raw headline as every rule reads it: normalised, affixes stripped."""
    return strip_affixes(normalise_text(title))


def language(text: str) -> str:
    """`zh` when the text holds any Chinese character, else `en`."""
    return "zh" if CJK.search(text) else "en"


def sentences(text: str) -> list[str]:
    """The sentences of a normalised text: cut after 。!? (Chinese), after .!? and a space (English), at newlines."""
    return _SENTENCE_END.split(text)


def first_sentence(text: str) -> str:
    """The first of `sentences(text)`."""
    return sentences(text)[0]
