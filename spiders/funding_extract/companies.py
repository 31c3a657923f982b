"""The company a headline or summary names, and its sector (`具身智能初创公司「X」`, `French robotics firm Acme`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spiders.funding_extract.text import CJK, sentences
from spiders.funding_extract.triggers import PREVIOUS, ZH_INVESTOR_FIRST, find_trigger

#: words that describe a company (公司, 创企, 服务商, 旗下): the name comes after them
ZH_DESCRIPTORS = (
    "(?<=方案)商|初创公司|创业公司|服务商|供应商|提供商|运营商|制造商|开发商|研发商|品牌商"
    "|厂商|创企|公司|企业|平台|独角兽|新锐|团队|龙头|明星项目|初创|新势力|旗下|领域|赛道|公链|项目方|合作伙伴"
)
_ZH_DESCRIPTOR_RE = re.compile(ZH_DESCRIPTORS)
_LEGAL_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司)$")
_ZH_LEAD_IN = re.compile(r"^.*?(?:获悉|消息|报道|了解到|讯|独家获悉)\s*[,:]\s*")
_ZH_DATES = re.compile(r"\d{4}\s*年|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*日|当地时间")
_ZH_TRAILING_WORDS = re.compile(
    r"(?:近日|日前|今日|今天|近期|于近期|刚刚|已经|已|正式|宣布|成功|顺利|再度|再次|再|又|连续|先后|相继|官宣|也|均|于|今年"
    r"|本周|目前|此前|近|将|凭何|同日|当天|当日|\d+天|最高|最多|至多|合计|共计|追加|额外|拟|计划|同时|并|还|披露|透露"
    # `材科源图三个月完成两轮融资`: a span of time before the verb is not part of the name
    r"|(?:[一二两三四五六七八九十半\d]+(?:个多?月|多?天|周|年))内?|年内|首次|首度|最新|同步|随后|随即"
    # `星河智能据悉正以30亿美元估值洽谈…`, `星河智能A轮融资3亿元`: a hedge, a valuation or a round label
    r"|据悉|据报道|据称|据传|被曝|被传|被爆|曝出|传出|引入(?:战略)?投资(?:者|人|方)?|(?:投前|投后)?估值[^,;]{0,12}|(?:正|拟|将)?以[^,;]{1,16}?(?:投前|投后)?估值|(?:Pre-?)?[A-H]\d*\+*轮|天使\+*轮|种子轮|新一轮)+$"
)
#: a region or an article in front of a Chinese name (`苏州`, `这家`, `国内首家`)
ZH_REGION = re.compile(
    r"^(?:国内首家|全球首家|首家|一家|这家|该|国内|全球|中国|国产|海外|新加坡|美国|英国|法国|德国|日本|韩国|以色列|印度|欧洲|硅谷"
    r"|北京|上海|深圳|杭州|广州|苏州|南京|武汉|成都|西安|合肥|天津|重庆|香港|台湾|专注于?|致力于)+"
)
#: an investor joining a company's round: `参与X的融资`, `参投X的B轮融资`
_ZH_JOINS_ROUND = re.compile(r"(?:参与|参投)(?P<co>[^,;。]{2,40}?)的?(?:新一轮|[A-H]\d*\+*轮|本轮|天使轮)?融资")
#: a subject and what it did before the round (`X发布…`, `X推出…`): the name is the subject
_ZH_SUBJECT_VERB = re.compile(r"^(?P<name>[^\s,的]{2,12}?)(?:发布|推出|上线|亮相|开源|量产|交付|落地)\S{4,}")
_BRACKETS = re.compile(r"「([^」]+)」|“([^”]+)”|《([^》]+)》|\"([^\"]+)\"|『([^』]+)』")
_QUOTE_MARKS = re.compile(r"[「」“”《》\"『』]")
_GENERIC_NAMES = frozenset(
    {
        "公司",
        "该公司",
        "这家公司",
        "其",
        "企业",
        "初创公司",
        "平台",
        "本轮",
        "AI",
        "AI公司",
        "startup",
        "company",
        "firm",
    }
)
_EN_DESCRIPTORS = frozenset(
    {
        "startup", "start-up", "firm", "company", "maker", "developer", "provider", "platform", "unicorn",
        "specialist", "outfit", "upstart", "player", "biotech", "fintech", "insurtech", "proptech", "healthtech",
        "edtech", "giant", "operator", "creator", "builder", "vendor", "manufacturer", "supplier", "spinout",
        "spin-out", "business",
    }
)  # fmt: skip
#: nouns before `of <Product>` that describe the company by what it makes (`the maker of Claude`)
_ROLE_OF = frozenset(
    {"maker", "makers", "creator", "creators", "developer", "owner", "parent", "operator", "publisher"}
)
_EN_APPOSITIVE = re.compile(
    r"^(?:the|a|an|which|who|whose|maker|backed|founded|led|known|formerly|based|creator|developer|now|once|its)\b",
    re.IGNORECASE,
)
_EN_AUXILIARIES = re.compile(
    r"(?:\s+(?:has|have|had|is|are|was|just|recently|today|now|also|officially|said it|says it|announced that it"
    r"|announced today that it|on \w+day|reportedly|is said|in (?:early )?talks|in discussions|plans|planning|looking"
    r"|seeking|seeks|aims|set|expected|could|will|to))+$",
    re.IGNORECASE,
)
_PLACE = (
    r"(?:UK|U\.?S\.?|USA|India|China|Europe|Japan|Africa|Asia|Germany|France|Canada|Mexico|Brazil|Indonesia|Vietnam"
    r"|Saudi Arabia|Texas|Ohio|California|Odisha|Gujarat|Maharashtra|Karnataka|Tamil Nadu|South Korea|Korea|Israel"
    r"|Singapore|Australia|Egypt|Nigeria|Kenya|UAE|Pakistan|Philippines|Britain|Spain|Italy|Sweden|Switzerland)"
)
#: a place where a headline names a company (`X to invest Rs N cr in UK`): not a company
PLACE_NAME = re.compile(rf"^{_PLACE}$")
_PLACE_POSSESSIVE = re.compile(rf"^{_PLACE}'s\s+")
_NATIONALITY = re.compile(
    r"^(?:[A-Z][\w.]*-based|French|German|British|U\.?S\.?|US|American|Chinese|Indian|Israeli|Japanese|Korean"
    r"|Canadian|Swiss|Swedish|Dutch|Spanish|Italian|European|Singaporean|Australian|Brazilian|Paris|London|Berlin"
    r"|New York|San Francisco)$"
)


@dataclass
class Company:
    """A company as named in a text (None when only described) and the sector its descriptor gives."""

    name: str | None
    sector: str | None = None


def _clean_sector(text: str) -> str | None:
    text = _QUOTE_MARKS.sub("", text).rsplit("的", 1)[-1]
    text = ZH_REGION.sub("", text.strip(" ,:的"))
    text = re.sub(r"(?:领域|行业)?(?:的)?$", "", text).strip(" ,:的")
    if not (2 <= len(text) <= 20) or re.search(r"[,\d]|首|家", text):
        return None
    return text


def without_place(name: str) -> str:
    """`India's Cashfree` -> `Cashfree`, `South Korea's Krafton` -> `Krafton`: the place is not part of the name."""
    return _PLACE_POSSESSIVE.sub("", name)


def valid_name(name: str | None) -> str | None:
    """`name` trimmed of quotes, articles and a plain 公司 ending; None for a generic word, a person or a fragment."""
    if name is None:
        return None
    name = name.strip(" ,:;.-'\"“”「」《》")
    if re.match(r"某(?!某)", name):
        return None  # `入股某车企`: a company left unnamed
    name = re.sub(r"^(?:一家|这家|该)", "", name)
    if re.search(r"[^限]公司$", name) and len(name) > 4:
        name = name[:-2]  # 赛豆科技公司 -> 赛豆科技; a legal 有限公司 stays
    if name in _GENERIC_NAMES or len(name) < 2 or len(name) > 60:
        return None
    if re.search(
        r"融资|(?:[A-H]\d*|天使|种子|新一|首)\+*轮|投资|领投|完成|创始人|董事长|CEO|创业者|\bfounders?\b"
        r"|创业|博士|教授|成立\d|团队$|员工|高管|前.{0,8}(?:负责人|CTO|CEO)|目标|今年|明年|\d+后",
        name,
    ):
        return None  # a sentence fragment, a person or a team described, not a company
    if re.fullmatch(r"[\d.,\s]+", name) or re.search(r"\d、|\u3000", name):
        return None  # a numbered digest (`…货币政策2、美国确诊…`) or a run of items, not one name
    return name


def zh_company(prefix: str) -> Company:
    """The company named before a Chinese trigger (`植物蛋白食品公司 X` -> X; `「X」`; `X（以下简称“Y”）` -> Y)."""
    text = _ZH_LEAD_IN.sub("", prefix)
    alias = re.search(r"\(以下简称[“\"「]?([^”\"」)]+)[”\"」]?\)", text)
    text = _ZH_DATES.sub("", text)
    chunks = [_ZH_TRAILING_WORDS.sub("", c.strip()).strip() for c in re.split(r"[,;:!?。|丨\n]", text)]
    chunks = [
        re.sub(r"^(?:近日|日前|今日|今天|近期|目前|刚刚|此次|本次|消息称|据悉|据报道|据称|据传|网传|报道称|曝)+", "", c)
        for c in chunks
    ]
    chunks = [c for c in chunks if c]
    if not chunks:
        return Company(None)
    # "启元世界也于同日宣布,已经完成…": the clause before the trigger held only adverbs, the name is one clause up
    chunk = chunks[-1]
    if alias is not None:
        before = chunk.split("(以下简称")[0]
        descriptor = list(_ZH_DESCRIPTOR_RE.finditer(_LEGAL_SUFFIX.sub("", before)))
        sector = _clean_sector(before[: descriptor[-1].start()]) if descriptor else None
        return Company(valid_name(alias.group(1)), sector)
    # `前谷歌 DeepMind 应用机器人团队成员创立的 Reimagine Robotics`: the name follows who founded it
    chunk = re.sub(r"^.*(?:创立|创办|创建|孵化|成立|打造)的\s*(?=\S)", "", chunk)
    launch = re.search(r"(?:正式)?(?:发布|推出|上线|亮相|开源)", chunk)
    if launch is not None and _BRACKETS.search(chunk[: launch.start()]):
        chunk = chunk[: launch.start()]  # `“橡木果机器人”正式发布“Natus…模型”`: the subject, not the product
    for match in reversed(list(_BRACKETS.finditer(chunk))):
        following = chunk[match.end() :]
        if _ZH_DESCRIPTOR_RE.match(following):
            continue  # “大脑芯片”企业: a quoted descriptor, not a name
        name = next(g for g in match.groups() if g is not None)
        name = re.sub(r"\([^)]*\)", "", name).strip()
        before = chunk[: match.start()]
        descriptor = list(_ZH_DESCRIPTOR_RE.finditer(before))
        sector = _clean_sector(before[: descriptor[-1].start()]) if descriptor else None
        return Company(valid_name(name), sector)
    chunk = re.sub(r"\([^)]*\)", "", chunk)
    chunk = _QUOTE_MARKS.sub("", chunk)
    subject = _ZH_SUBJECT_VERB.match(chunk)
    if subject is not None and not _ZH_DESCRIPTOR_RE.search(subject.group("name")):
        return Company(valid_name(subject.group("name")))  # `橡木果发布全球首个具身本能模型 完成天使轮融资`
    legal = _LEGAL_SUFFIX.search(chunk)
    body = chunk[: legal.start()] if legal else chunk
    matches = [m for m in _ZH_DESCRIPTOR_RE.finditer(body) if m.end() < len(body)]
    if matches:
        last = matches[-1]
        name = body[last.end() :] + (legal.group(0) if legal else "")
        sector = None if last.group(0) == "旗下" else _clean_sector(body[: last.start()])
        return Company(valid_name(name), sector)
    if legal is None and _ZH_DESCRIPTOR_RE.search(body[-6:] if body else ""):
        tail = list(_ZH_DESCRIPTOR_RE.finditer(body))
        if tail and tail[-1].end() == len(body):
            # "…企业获数亿元融资": the company is not named here, but the descriptor is its sector
            return Company(None, _clean_sector(body[: tail[-1].start()]))
    if legal is not None:
        return Company(valid_name(chunk))
    if "的" in body:
        body = body.rsplit("的", 1)[1]
    return Company(valid_name(body))


def _trailing_name(chunk: str) -> tuple[str | None, str | None]:
    """The proper-noun run that ends a chunk (`AI startup Acme` -> Acme) and the descriptor words before it."""
    tokens = chunk.split()
    name: list[str] = []
    index = len(tokens)
    while index > 0:
        token = tokens[index - 1]
        bare = token.strip(",.:;")
        if bare.lower() in _EN_DESCRIPTORS or bare.endswith(("'s", "-backed", "-based")):
            break
        if not (re.search(r"[A-Z0-9]", bare) or (name and bare in ("&", "of", "de", "and"))):
            break
        name.insert(0, bare)
        index -= 1
        if len(name) >= 6:
            break
    while name and name[0] in ("&", "of", "de", "and"):
        if name.pop(0) == "of" and index > 0 and tokens[index - 1].lower() in _ROLE_OF:
            return None, None  # "The maker of Claude": a product named, not the company
    if not name:
        return None, None
    sector: str | None = None
    if index > 0 and tokens[index - 1].lower() in _EN_DESCRIPTORS:
        words = [t for t in tokens[: index - 1] if not _NATIONALITY.match(t) and t.lower() not in ("a", "an", "the")]
        sector = " ".join(words) or None
    return " ".join(name), sector


def _en_company(subject: str) -> Company:
    """The company before an English verb, appositives and descriptors dropped (`French robotics firm, Acme`)."""
    subject = _EN_AUXILIARIES.sub("", subject.strip(" ,:-"))
    subject = re.sub(r"\s+(?:creators?|founders?|co-founders?|team|alums|alumni|employees|veterans)$", "", subject)
    if ":" in subject and len(subject.split(":", 1)[0].split()) <= 3:
        subject = subject.split(":", 1)[1]
    carried: str | None = None
    for chunk in (c.strip() for c in subject.split(",")):
        if not chunk:
            continue
        appositive = bool(_EN_APPOSITIVE.match(chunk)) and chunk.split()[0].islower()
        if appositive and not chunk.lower().startswith(("the startup", "the company", "the firm", "a startup")):
            continue  # "the company behind AppX", "backed by Y": about the company, not its name
        name, sector = _trailing_name(chunk)
        if name:
            return Company(valid_name(name), sector or carried)
        words = chunk.split()
        if words and words[-1].lower() in _EN_DESCRIPTORS:  # "French robotics firm, Acme": keep "robotics"
            _, carried = _trailing_name(chunk + " X")
    # "AI chip startup Etched defies skeptics, hits …": the name follows the descriptor, a verb phrase after it
    descriptors = "|".join(sorted(_EN_DESCRIPTORS, key=len, reverse=True))
    named = re.search(r"\b(?:" + descriptors + r")\s+([A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3})\s+[a-z]", subject)
    if carried is None and named is not None:
        return Company(valid_name(named.group(1)), _trailing_name(subject[: named.start(1)] + "X")[1])
    return Company(None, carried)


def company_before(prefix: str) -> Company:
    """The company named in the text before a company-first trigger, read by the rules of the prefix's language."""
    return zh_company(prefix) if CJK.search(prefix) else _en_company(prefix)


#: a sentence introducing its subject (`Knowunity是一个为…打造的数字学习平台`) and one pointing back at it (该团队…)
_ZH_IS_A = re.compile(
    r"^\s*(?P<name>[A-Za-z][\w.&'-]*(?:\s[A-Z][\w.&'-]*){0,3}|" + CJK.pattern + r"{2,12}?)\s*(?:是|为)一(?:家|个|款)"
)
_EN_INTRODUCED = re.compile(
    r"^\s*(?P<name>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3}),\s+(?:based|headquartered|founded|launched|a|an)\b"
)
_EN_ANAPHOR = re.compile(r"\b(?:the|this)\s+(?:new\s+|young\s+)?(?:company|startup|firm|venture)$", re.IGNORECASE)
_ZH_ANAPHOR = re.compile(r"^(?:该|这家|这个|此)?(?:团队|公司|企业|初创公司|平台)")


def company_from_summary(summary: str) -> Company:
    """The company of a headline that names none (`一家AI公司获…`, `AI startup raises…`): the summary's subject."""
    alias = re.search(r"([^,;。()]{2,40}?(?:有限公司|Inc\.?|Ltd\.?))\s*\(以下简称[“\"「]?([^”\"」)]+)", summary)
    if alias is not None:
        return Company(valid_name(alias.group(2)))
    named: str | None = None  # the subject of `Knowunity是一个…平台。`, for a later `该团队…获得了…`
    # `…, with the new company securing investments from Tencent. Pragmatik Labs, based in Shanghai, will…`
    introduced = next(
        (m.group("name") for s in sentences(summary)[:6] if (m := _EN_INTRODUCED.match(s)) is not None), None
    )
    for sentence in sentences(summary)[:6]:
        current = "".join(c for c in re.split(r"(?<=,)", sentence) if not PREVIOUS.search(c))
        subject = _ZH_IS_A.match(current)
        if subject is not None:
            named = valid_name(subject.group("name")) or named
        match = find_trigger(current)
        joined = _ZH_JOINS_ROUND.search(current)
        if match is None and joined is not None:
            company = zh_company(joined.group("co"))  # `云锋基金…此次参与美国AI保险初创公司Corgi的融资`
            if company.name:
                return company
        if match is None:
            continue
        if match.re is ZH_INVESTOR_FIRST and "向" in match.group("inv"):
            company = zh_company(match.group("inv").rsplit("向", 1)[1])  # `英伟达已同意向开发商Lancium投资20亿美元`
        elif match.re is ZH_INVESTOR_FIRST:
            company = zh_company(re.split(r"[,;。]", current[match.end() :])[0])
        elif named and _ZH_ANAPHOR.match(current[: match.start()].strip()):
            company = Company(named)
        elif introduced and _EN_ANAPHOR.search(current[: match.start()].strip()):
            company = Company(valid_name(introduced))
        else:
            company = company_before(current[: match.start()])
        if company.name:
            return company
    return Company(None)


def is_person_in(name: str, text: str) -> bool:
    """Whether `text` writes `name` as a person (`founded by former DeepMind researcher David Silver`, 创始人X)."""
    escaped = re.escape(name)
    return bool(
        re.search(
            r"\b(?:founded|co-founded|started|launched|created|led|run) by (?:[\w-]+\s+){0,4}?"
            + escaped
            + r"|\b(?:founder|co-founder|CEO|researcher|scientist|engineer|executive|exec|professor)\s+"
            + escaped
            + r"|(?:创始人|联合创始人|董事长|教授|博士)"
            + escaped
            + "|"
            + escaped
            + r"(?:创办|创立|创建)",
            text,
            re.IGNORECASE,
        )
    )


def company_after(text: str) -> Company:
    """The name that opens the next clause (`获高瓴数亿元投资，LatentVerse：…`, `数亿元押注，Om AI联汇加速…`)."""
    match = re.match(r"\s*[,:]\s*(?P<name>[^,:;。!?]{2,30}?)(?=[:]|加速|推出|发布|宣布|打造|要做|布局|$)", text)
    return Company(valid_name(match.group("name"))) if match else Company(None)


def sector_near(name: str, texts: Iterable[str]) -> str | None:
    """The descriptor written right before the company's name (`具身智能初创公司「X」` -> 具身智能)."""
    escaped = re.escape(name)
    for text in texts:
        zh = re.search(r"([^,;。\s]{2,24}?)(?:" + ZH_DESCRIPTORS + r")[「“\"]?" + escaped, text)
        if zh is not None and zh.group(0).count(name) == 1:
            sector = _clean_sector(zh.group(1))
            if sector:
                return sector
        words = "|".join(sorted(_EN_DESCRIPTORS, key=len, reverse=True))
        en = re.search(r"((?:[\w-]+\s+){1,3})(?:" + words + r"),?\s+" + escaped, text, re.IGNORECASE)
        if en is not None:
            kept = [w for w in en.group(1).split() if not _NATIONALITY.match(w) and w.lower() not in ("a", "an", "the")]
            if kept and not any(w.lower() in ("raises", "raised", "and", "of") for w in kept):
                return " ".join(kept)
    return None
