"""Investors of a round: leads (领投, led by), others (跟投, participation from) and sole backers (获Y投资)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spiders.funding_extract.companies import ZH_DESCRIPTORS, without_place
from spiders.funding_extract.text import EN_SENTENCE_CHAR

#: a clause about advisers (财务顾问, advised by): its names are not investors
FA_CLAUSE = re.compile(
    r"财务顾问|独家顾问|\bFA\b|担任(?![^,;。]{0,6}领投)|financial advisor|advised by|adviser", re.IGNORECASE
)
_GENERIC_INVESTOR = re.compile(
    r"投资人个人|个人投资者|知名投资人|多家|头部大厂|知名机构|产业方|国资|机构$|^其他|等$|^新老股东$|^老股东$"
    r"|^某|^一家|^多家|^数家|投资人$|^知名|^头部|上市公司$|^国内|^海外|财团$|资方$|平台$|^(?:该|本|其|这家)?公司$|^其$"
    r"|^(?:同时|此外|另外|其中|以及|并|还有|亦)$|旗下(?:基金|机构|公司|平台|资金)$|(?:合作|战略|产业|资金)方$"
    r"|^(?:existing|other|new) (?:investors|backers)|^others$|^investors$|^angels?$",
    re.IGNORECASE,
)
#: name endings and names of investors: "X Capital raises $1.3B" is a fund close, not a startup round
_INVESTOR_NAME = re.compile(
    r"(?:\b(?:Capital|Ventures|Venture Partners|Partners|VC|Fund|Investments?|Management|Asset Management)"
    r"|资本|创投|基金|投资|资管|私募)$"
    r"|^(?:Peak XV|Sequoia|Accel|Lightspeed|a16z|Andreessen Horowitz|Index Ventures|General Catalyst|Founders Fund"
    r"|Tiger Global|Kleiner Perkins|Greylock|Benchmark|CRV|SignalFire|Y Combinator|Bessemer|Coatue|红杉|高瓴|经纬"
    r"|启明|IDG|源码|真格)"
)
#: an amount written inside an investor phrase (`前海母基金数亿元押注`); 达 is not a prefix here (英伟达)
_AMOUNT_IN_NAME = re.compile(
    r"(?:[超近逾约]|不低于|至少)?(?:(?:\d[\d.,]*|数|几)\s*[十百千万亿]+|(?:千万|百万|亿)(?=级|人民币|美元|港元|欧元|元))"
    r"\s*(?:级)?\s*(?:人民币|美元|港元|欧元|元)?"  # `获宇信科技千万级战略投资`: a bare 千万级 is an amount too
)
_ZH_LEAD_PATTERNS = (
    # 领衔 leads a round only beside an investment (`由红杉中国领衔，高瓴创投跟投`), not `由张立华教授领衔`
    re.compile(r"由(?P<names>[^,;。]+?)(?:共同|联合)?(?:领投|领衔(?=投资|[,;。]?[^,;。]{0,12}(?:跟投|参投)))"),
    re.compile(r"领投方(?:为|是|包括)(?P<names>[^,;。]+)"),
    # `红杉中国担任领投方`, `红杉中国作为本轮领投方`
    re.compile(r"(?:^|[,;。])\s*(?P<names>[^,;。]+?)(?:担任|作为|出任)(?:本轮|此轮)?(?:的)?(?:融资)?领投方"),
    # `获得红杉中国领投…` (not `得红杉中国`), `完成红杉中国领投的B轮融资`
    re.compile(r"(?:^|[,;:。\-]|获得|获|完成|本轮|其中|轮)(?P<names>(?:(?!完成)[^,;:。获\-])+?)(?:共同|联合)?领投"),
)
_ZH_SOLE = re.compile(
    r"(?:^|[,;。])?(?:获得|获|由|引入)(?P<names>[^,;。]{2,40}?)(?:新一轮|本轮|[A-H]\d*\+*轮|天使\+*轮)?(?:独家|战略|共同|联合)?"
    r"(?:投资|注资|入股|出资)(?!人|者|机构|方|基金|公司|集团|控股|管理|[^,;。]{0,20}?(?:投资|注资)(?:的|[,;。]|$))"
)
#: `本轮投资方为中关村中诺基金`: the investors named as such
_ZH_INVESTOR_IS = re.compile(r"(?:本轮|本次)?(?:投资方|投资人|出资方)(?:为|是)(?P<names>[^,;。]{2,60})")
#: a clause of its own naming the investor after the round: `完成B1轮融资，宇通集团2亿美元战略投资`
_ZH_CLAUSE_SOLE = re.compile(
    r"(?:^|[,;。])(?P<names>[^,;。]{2,30}?)(?P<money>" + _AMOUNT_IN_NAME.pattern + r")?"
    r"(?P<verb>独家投资|战略投资|注资|投资)(?=\s*(?:[,;。|]|$))"
)
_ZH_PARTICIPANT = re.compile(
    r"(?:^|[,;。]|领投、)\s*(?P<names>(?:(?!领投)[^,;。])+?)(?:共同|联合|均|亦)?(?:跟投|参投|参与(?:投资)?(?!过)|持续加注|继续加注|超额跟投|持续加持"
    r"|继续加持|追加投资|共同投资|联合投资|持续投资|继续投资|跟进)"
)  # `参与过…建设` is a team's experience, not a stake (`(?!过)`)
_ZH_INCLUDING = re.compile(r"(?:跟投|参投|投资方)[^。;]{0,12}?(?:包括|有)(?P<names>[^。;]+)")
_HOLDER_VERB = re.compile(r"(?:持续|继续|超额|共同|联合)?(?:跟投|参投|追投|加注|加持|领投)$")
_ZH_OLD_HOLDER = re.compile(r"(?:^|[,;。])\s*老股东(?P<names>[^,;。]+?)(?=[,;。]|$)")
_EN_LEAD = re.compile(
    # `led by Gaorong Ventures and HSG, with Tencent … also participating`: the participants are not leads
    r"\b(?:co-)?led by\s+(?P<names>[^.;]+?)(?=,?\s+(?:with|alongside|joined by|as well as)\b|[.;]|$)"
    r"|\bwith\s+(?P<with>(?-i:[A-Z])[^.;]+?)\s*(?:\s-{1,2}\s[^.;]+?\s-{1,2}\s*)?(?:leading|co-leading)\b"
    r"|(?:^|[.,]\s+)(?P<subject>(?-i:(?!It\b|They\b|Which\b|This\b|The\b)[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*){0,4}"
    r"(?:\s+(?:and|&)\s+[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*){0,3})?))"
    r"(?:,[^,]{1,80},)?\s+(?:co-)?led\s+(?:the|its|this|a|an|(?-i:[A-Z])[\w.-]*'s)\b"
    # `Returning backers a16z and Thrive are expected to lead the round`
    r"|(?:^|[.,]\s+)(?P<future>(?-i:[A-Z])[^.;,]{1,80}?)\s+(?:are|is)\s+(?:expected|set|slated|poised|tipped)\s+to"
    r"\s+(?:co-)?lead\b"
    # `The prominent investor in this round is Manhattan West, accompanied by …`
    r"|\b(?:the )?(?:lead|leading|main|prominent|principal|anchor) investors? (?:in|of|for) (?:this|the) round"
    r" (?:is|was|are|were)\s+(?P<named>[^.;]+?)"
    r"(?=,?\s+(?:with|alongside|accompanied by|joined by|as well as)\b|[.;,]|$)",
    re.IGNORECASE,
)
_EN_PARTICIPANT = re.compile(
    r"\b(?:with participation (?:from|by)|participation from|backed by|alongside"
    r"|(?:investors|backers) (?:including|include)"
    r"|new investors:?|other investors:?)\s+(?P<names>[^.;]+)",
    re.IGNORECASE,
)
_EN_WITH_BACKING = re.compile(r"\bwith\s+(?P<names>[A-Z][^.;]+?)\s+backing\b")
_EN_FROM = re.compile(
    r"\b(?:raises?|raised|secures?|secured|lands?|landed|takes?|took|accepts?|accepted|gets?|got|nabs?|nabbed|bags?"
    r"|bagged|snags?|snagged|receives?|received|picks? up|picked up)\b"
    + EN_SENTENCE_CHAR
    + r"*?\bfrom\s+(?P<names>(?:[A-Z]|a16z\b)[^.;]*)"
)


def is_investor_name(name: str) -> bool:
    """True for a name that is an investor's (`X Capital`, `红杉`): its "raise" is a fund close, not a round."""
    return bool(_INVESTOR_NAME.search(name))


def split_names(text: str, language: str) -> list[str]:
    """Investor names from a list: split on 、，, 和/及/与 and `and`, `等` and role words stripped."""
    text = re.sub(r"等[^,、]*$", "", text.strip().rstrip("。"))
    names: list[str] = []
    for part in re.split(r"[、,]|\s+and\s+|\s*&\s*(?=[A-Z])" if language == "en" else r"[、,]|携手|联手|连同", text):
        part = part.strip()
        if not part:
            continue
        # `前海母基金数亿元押注`, `英伟达50亿美元投资`: the amount goes, the name stays (达 of 英伟达 is not 达到)
        part = _AMOUNT_IN_NAME.sub("", part).strip()
        part = re.sub(
            r"(?:独家|新一轮|本轮|据悉|据称|据报道|据传|拟|将|已|正|正在|或|为|计划|宣布|多方|各方|双方|三方"
            r"|持续加码|继续加码|加码|持续|继续|再次|追加|超额|作为|担任|出任|战略)+$",
            "",
            part,
        ).strip()
        if not part or re.match(r"[\d.]+\s*[亿万千百]|[数近超逾约]\S?[亿万千百]", part):
            continue  # `获10亿战略投资`: an amount, not an investor
        part = re.sub(r"\s*\([^)]*\)\s*", "", part).strip()  # `红杉中国 (HongShan)`: the alias is not a second name
        if language == "zh":
            descriptor = [m for m in re.finditer(ZH_DESCRIPTORS + "|基金(?=[A-Za-z])", part) if m.end() < len(part)]
            if descriptor and descriptor[-1].group(0) != "旗下":
                part = part[descriptor[-1].end() :]
            if "的" in part:
                part = part.rsplit("的", 1)[1]
            pieces = [part]
            for connector in ("及", "和", "与"):
                pieces = [q for p in pieces for q in _split_weak(p, connector)]
        else:
            pieces = [part]
        for piece in pieces:
            if re.search(r"融资|完成|宣布|获得", piece):
                continue  # a sentence fragment caught between two triggers, not a name
            piece = re.sub(
                r"^(?:老股东|新股东|股东|现有股东|and|as well as|including|existing investors?)\s*", "", piece
            )
            piece = re.sub(r"^旗下", "", piece)
            piece = re.sub(r"(?:等|等机构|等投资方|as well as others|among others|and others)$", "", piece).strip(" .")
            if piece and not _GENERIC_INVESTOR.search(piece) and len(piece) <= 60:
                names.append(piece)
    return names


def _split_weak(text: str, connector: str) -> list[str]:
    """Split on 和/及/与 only between two names (和椿科技 stays whole)."""
    left, sep, right = text.partition(connector)
    if not sep or len(left.strip()) < 2 or len(right.strip()) < 2:
        return [text]
    return [left.strip(), *_split_weak(right.strip(), connector)]


def en_names(text: str) -> list[str]:
    """Names from an English list, stopping at the first lowercase clause (`B Capital and Google, new investors: …`)."""
    names: list[str] = []
    for piece in re.split(r",\s*|\s+and\s+|\s+as well as\s+", text):
        piece = piece.strip(" .")
        piece = re.sub(r"^(?:and|with|from|including)\s+", "", piece)
        piece = re.sub(r"^(?:(?:returning|existing|new|early|current)\s+)?(?:backers?|investors?)\s+(?=\S)", "", piece,
                       flags=re.IGNORECASE)  # fmt: skip
        last = ":" in piece  # `SoftBank: What's at Stake…`: the list ends at the colon
        piece = without_place(piece.split(":")[0].strip())
        if not piece or not re.match(r"[A-Z0-9]|[a-z]+\d", piece):
            break  # a lowercase word ends the list, save a name like a16z
        piece = re.split(r"\s+(?:with|at|to|bringing|valuing|in|for|as|who|which)\s+", piece)[0].strip(" .")
        piece = re.sub(r"^.*\b(?:founder|co-founder|CEO|chairman|chief executive)\s+(?=[A-Z])", "", piece)
        piece = re.sub(r"^.*'s?\s+(?:(?:venture|investment|family)\s+)?(?:firm|fund|office)\s+(?=[A-Z])", "", piece)
        piece = re.sub(r"\s*\([^)]*\)", "", piece).strip()
        lowercase = [
            w
            for w in piece.split()
            if w[:1].islower() and w not in ("of", "and", "de", "the", "for", "&") and not re.search(r"\d", w)
        ]
        if piece and not lowercase and not _GENERIC_INVESTOR.search(piece):
            names.append(piece)  # `SoftBank-backed billionaire` is a description, not a name
        if last:
            break
    return names


def find_investors(texts: Sequence[str], language: str) -> tuple[list[str], list[str]]:
    """Lead investors (领投, 由X领投, led by) and other investors (跟投, 参投, participation from, backed by)."""
    leads: list[str] = []
    others: list[str] = []
    for text in texts:
        clauses = [c for c in re.split(r"(?<=[,;。])", text) if c and not FA_CLAUSE.search(c)]
        text = "".join(clauses)
        found_leads: list[tuple[int, list[str]]] = []
        found_others: list[tuple[int, list[str]]] = []
        if language == "zh":
            for pattern in _ZH_LEAD_PATTERNS:
                for match in pattern.finditer(text):
                    names = re.sub(r"^.*由", "", match.group("names"))
                    if text[match.end() : match.end() + 1] == "的":
                        names = names.rsplit("在", 1)[-1]  # `该团队刚刚在 Redalpine 和 Stride 共同领投的A轮融资中`
                    found_leads.append((match.start("names"), split_names(names, "zh")))
            for match in _ZH_PARTICIPANT.finditer(text):
                names = match.group("names")
                if "领投" not in names:
                    names = re.sub(r"^(?:本轮融资|本轮|其中)?(?:由)?", "", names)
                    found_others.append((match.start("names"), split_names(names, "zh")))
            for match in _ZH_INCLUDING.finditer(text):  # 另有多家产业方跟投，包括A、B等等
                found_others.append((match.start("names"), split_names(match.group("names"), "zh")))
            for match in _ZH_OLD_HOLDER.finditer(text):
                # `老股东源码资本跟投`: the verb after the holder is not part of its name
                names = re.sub(_HOLDER_VERB, "", match.group("names"))
                found_others.append((match.start("names"), split_names(names, "zh")))
        else:
            for match in _EN_LEAD.finditer(text):
                names = match["names"] or match["with"] or match["subject"] or match["future"] or match["named"]
                found_leads.append((match.start(), en_names(names)))
            for match in _EN_PARTICIPANT.finditer(text):
                found_others.append((match.start(), en_names(match.group("names"))))
        leads += [n for _, names in sorted(found_leads, key=lambda p: p[0]) for n in names]
        others += [n for _, names in sorted(found_others, key=lambda p: p[0]) for n in names]
    if language == "en" and not leads and not others:
        # "with Google, John Deere backing" only counts when nothing more precise names the investors
        others = [n for text in texts for m in _EN_WITH_BACKING.finditer(text) for n in en_names(m.group("names"))]
    leads = unique(leads)
    return leads, [n for n in unique(others) if n not in leads]


def sole_investors(text: str, language: str) -> tuple[list[str], bool]:
    """The investors of `X获Y投资` or `raises $5M from Y, Z`, and whether the text says there are more (`Y等`)."""
    if language == "zh":
        match = _ZH_SOLE.search(text) or _ZH_INVESTOR_IS.search(text)
        if match is None:
            match = _ZH_CLAUSE_SOLE.search(text)
            if match is None or not (match.group("money") or match.group("verb") != "投资"):
                return [], False  # a bare `…投资` clause needs an amount or a stake word to name an investor
            if re.search(r"融资|完成|用于|将|拟|计划|持续|加大|对外|项目", match.group("names")):
                return [], False
        return split_names(match.group("names"), "zh"), bool(re.search(r"等", match.group("names")))
    match = _EN_FROM.search(text)
    if match is None:
        return [], False
    return en_names(match.group("names")), bool(re.search(r"\bothers\b|\blike\b", match.group("names")))


def unique(names: Iterable[str]) -> list[str]:
    """`names` stripped, empties and repeats dropped, first-seen order kept."""
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen[name] = None
    return list(seen)
