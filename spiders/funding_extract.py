"""Rules that turn a news headline and its summary into FundingRound items (funding.md §4): no network, no model."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from spiders.cn_amounts import Amount, find_amounts
from spiders.items import FundingRound

__all__ = [
    "Verdict",
    "classify",
    "extract_rounds",
    "is_ai_related",
    "is_roundup",
    "normalise_round",
    "normalise_text",
    "strip_affixes",
]

# --- text normalisation ------------------------------------------------------------------------------

_HYPHENS = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63]")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(?:p|li|h\d|div|tr)>|<br\s*/?>", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Column and site affixes (funding.md §4.1); NFKC has already turned ｜ into |.
_LEADING_AFFIX = re.compile(
    r"^(?:(?:36氪首发|硬氪首发|硬氪独家|36氪独家|首发|独家|投资界消息|投资界独家|最前线|快讯|重磅|Exclusive|EXCLUSIVE)"
    r"\s*[|丨:_]\s*)+"
)
_TRAILING_AFFIX = re.compile(
    r"(?:\s*[|丨]\s*(?:TechCrunch|硬氪首发|硬氪独家|36氪首发|36氪独家|早期项目|最前线|涌现新栏目|36氪|投资界|[^|丨]{0,6}(?:首发|独家))"
    r"|_投资界|\s+\|\s+[A-Z][\w .&]{1,30})+$"
)


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
    title = _LEADING_AFFIX.sub("", title.strip())
    return _TRAILING_AFFIX.sub("", title).strip()


# --- vocabulary --------------------------------------------------------------------------------------

_ZH_STOP = r"(?:[^,;:!?。|丨\n]|(?<=\d),(?=\d))"  # one character inside a clause (after NFKC; 2,000 stays)
_ZH_TRIGGER = (
    r"(?:宣布)?(?:已)?(?:完成|获得|获投|(?<!荣)获(?!悉|批|奖|评|选|颁|赞|准|得者|国家)|斩获|拿下|再获|连获|迎来|筹得|融得"
    r"|募得|敲定)"
)
_ZH_NOUN = r"(?:融资|投资|注资|入股|领投|轮)"
_ZH_POSITIVE = re.compile(_ZH_TRIGGER + _ZH_STOP + r"{0,40}?" + _ZH_NOUN)
_ZH_INTENT_WORDS = r"(?:拟|计划|正洽谈|正在洽谈|洽谈|寻求|筹划|筹备|启动|开启|正在进行|正在募集|将获|有望获)"
_ZH_PLANNED = re.compile(_ZH_INTENT_WORDS + _ZH_STOP + r"{0,14}?融资")
_ZH_INVESTOR_FIRST = re.compile(
    r"(?P<inv>" + _ZH_STOP + r"{2,40}?)(?:宣布|已|正式)?(?:独家|联合|共同)?"
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
#: one character inside an English sentence: a decimal point ($2.6B) does not end it
_EN_SENTENCE_CHAR = r"(?:[^.;!?]|(?<=\d)\.(?=\d))"
_EN_POSITIVE = re.compile(_EN_VERB + _EN_SENTENCE_CHAR + r"{0,80}?" + _EN_MONEY_OR_ROUND, re.IGNORECASE)
_EN_INVESTOR_FIRST = re.compile(
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
_EN_ANNOUNCED = re.compile(r"\b(?:signs?|signed|to invest|will invest|commits?|committed)\b", re.IGNORECASE)

#: hard negatives: a title matching one of these is not a funding round whatever else it says
_HARD_NEGATIVES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "digest or round-up",
        re.compile(
            r"创投日报|\d{1,2}点1氪|氪星晚报|派早报|早报|晚报|融资周报|投融资周报|一周融资|融资速递|融资汇总|融资盘点"
            r"|biggest funding rounds|funding round-?up|\bweek'?s \d+ biggest|\btop \d+ (?:funding|deals|rounds)\b"
            r"|startups weekly|this week in|week in review|funding recap|deals of the week|weekly funding",
            re.IGNORECASE,
        ),
    ),
    (
        "fund raise (a VC or fund, not a startup)",
        re.compile(
            r"(?:基金|母基金|子基金|FOF)" + _ZH_STOP + r"{0,12}(?:募集|募资|关账|首关|终关|备案|成立|设立|落地|签约)"
            r"|(?:设立|成立|发起|推出|落地|启动|新设|组建)" + _ZH_STOP + r"{0,15}基金|募资(?:完成|规模|总额)"
            r"|(?:完成|宣布)" + _ZH_STOP + r"{0,10}(?:首关|终关|关账)|(?:出资|认缴)" + _ZH_STOP + r"{0,12}基金"
            r"|(?<![A-Za-z])LPs?(?![A-Za-z])|\blimited partners\b"
            r"|\b(?:new|debut|first|second|third|fourth|fifth|latest|flagship|venture|growth|seed|early-stage"
            r"|opportunity|continuation)\s+fund\b|\bfund\s+(?:[IVX]+|\d+)\b"
            r"|\b(?:unveils?|launch(?:es)?|launched|closes?|closed|raises?|raised)\b[^.;]{0,40}(?<!to )(?<!help )"
            r"\bfunds?\b(?!ing)",
            re.IGNORECASE,
        ),
    ),
    (
        "loan or debt",
        re.compile(
            r"贷款|授信|银团|债券|发债|债权融资|低息融资|融资租赁|可转债|信贷|借款"
            r"|\b(?:debt|loans?|credit facility|credit line|line of credit|notes offering|bonds?|asset-backed)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "IPO or listing",
        re.compile(
            r"(?<![Pp]re-)(?<![Pp]re)IPO(?=\s*(?:定|上会|过会|申请|招股|募资|首日|破发|获|注册|受理|辅导|进程))"
            r"|招股|递表|过会|敲钟|挂牌上市"
            r"|(?:科创板|创业板|港股|港交所|A股|美股|纳斯达克|纽交所|北交所|主板|赴港|赴美|拟|冲刺|启动|申请|成功|正式|登陆)"
            r"\S{0,4}上市|上市(?:申请|辅导|招股|首日|破发)"
            r"|\bin (?:its|an|the) (?:IPO|initial public offering)\b|\bIPO (?:filing|priced|pricing|prices)\b"
            r"|\bfiles? (?:confidentially )?(?:for|to go) (?:an )?(?:IPO|public)\b|\bgo(?:es|ing)? public\b"
            r"|\bprices? (?:its )?IPO\b|\b(?:public|stock market) debut\b|\bSPAC\b|\bdirect listing\b",
            re.IGNORECASE,
        ),
    ),
    (
        "sector or period aggregate",
        re.compile(
            r"(?:一季度|二季度|三季度|四季度|上半年|下半年|前三季度|全年|本周|上周|本月|上月)"
            + _ZH_STOP
            + r"{0,12}(?:融资|投资)"
            r"|\d+(?:家|起|笔)" + _ZH_STOP + r"{0,8}(?:融资|获投)|融资(?:总额|金额)|赛道" + _ZH_STOP + r"{0,8}融资"
            r"|(?:融资|投资)事件"
            r"|\b(?:startups|founders|companies|unicorns)\s+(?:raise|raised|have raised|are raising)\b"
            r"|\b(?:vc|venture|startup) funding (?:fell|rose|hit|dropped|surged|declined|reached|totaled|totalled)\b"
            r"|\bfunding (?:fell|rose|dropped|surged|declined|slumped|jumped|climbed)\b|\bquarterly funding\b"
            r"|\bQ[1-4] (?:funding|venture)\b",
            re.IGNORECASE,
        ),
    ),
    ("registered-capital change", re.compile(r"增资至|注册资本")),
)
_MERGER = re.compile(
    r"收购|并购|买下|合并|\b(?:acquires?|acquired|to acquire|buys|bought|to buy|merges? with|merger|acquisition of"
    r"|takes? over)\b",
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

# --- rounds ------------------------------------------------------------------------------------------

_ZH_LABEL = r"(?:Pre-?[A-H]\d*\+*|(?<![A-Za-z])[A-H]\d*\+*|天使\+*|种子\+*|Pre-?IPO|战略|首|新一|Pre-?天使)"
_ZH_ROUND = re.compile(
    rf"{_ZH_LABEL}\s*轮(?:追加|延展|扩展)?(?:\s*(?:及|和|与|、|/|\+)\s*{_ZH_LABEL}\s*轮(?:追加)?)*"
    r"|{_x}".replace("{_x}", r"战略融资|战略投资|天使投资|种子投资|(?<![A-Za-z])[A-H]\d*\+*轮?(?:融资)?追加")
)
_EN_ROUND = re.compile(
    r"\b(?:pre-)?series\s+[a-h](?:-?\d)?\+*(?:\s+(?:extension|expansion|follow-on))?\b|\bpre-seed\b"
    r"|\bseed(?:\s+(?:extension|round|funding|investment))?\b|\bgrowth (?:round|equity)\b|\bbridge round\b"
    r"|\bstrategic (?:round|investment|funding)\b|\bangel round\b|\bpre-IPO\b",
    re.IGNORECASE,
)


def normalise_round(raw: str | None) -> str:
    """The round vocabulary of DESIGN §3 from the words as written: 天使+轮 -> Angel+, 新一轮 -> Undisclosed.

    A combined label (`Pre-A轮/Pre-A+轮`, `A+轮及A++轮`) becomes its last round; an extension gets `-extension`.
    """
    if not raw:
        return "Undisclosed"
    text = normalise_text(raw)
    extension = bool(re.search(r"追加|延展|扩展|extension|expansion|follow-on", text, re.IGNORECASE))
    labels = re.findall(
        r"Pre-?Series\s+[A-H](?:-?\d)?\+*|Pre-?[A-H]\d*\+*|Series\s+[A-H](?:-?\d)?\+*|(?<![A-Za-z])[A-H]\d*\+*(?![a-z])"
        r"|天使\+*|种子\+*|Pre-?IPO|pre-seed|seed|战略|首|新一|Pre-?天使|growth|bridge|strategic|angel",
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
    elif core.startswith("种子") or lowered == "seed":
        name = "Seed"
    elif lowered == "pre-seed":
        name = "Pre-Seed"
    elif re.fullmatch(r"pre-?天使", core, re.IGNORECASE):
        name = "Pre-Angel"
    elif re.fullmatch(r"pre-?ipo", lowered):
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
    else:
        match = re.fullmatch(r"(pre-?)?(?:series\s+)?(pre-?)?(?:series\s+)?([a-h])-?(\d?)", lowered)
        if match is None:
            return "Undisclosed"
        prefix = "Pre-" if (match.group(1) or match.group(2)) else ""
        name = f"{prefix}{match.group(3).upper()}{match.group(4)}"
    name += plus
    return f"{name}-extension" if extension and name not in ("Undisclosed",) else name


# --- classification ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a text reports a funding round, and why (the rule that decided)."""

    is_round: bool
    reason: str


def _language(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _first_sentence(summary: str) -> str:
    parts = re.split(r"(?<=[。!?])|(?<=[.!?])\s+|\n", summary, maxsplit=1)
    return parts[0] if parts else ""


def _trigger(text: str) -> re.Match[str] | None:
    """The earliest funding trigger in `text`: company-first (X获…融资), planned (拟融资) or investor-first (Y投资X).

    An investor-first match counts from its verb, and never when its investor part holds a company trigger
    (`Plaud获头部大厂投资` is company-first).
    """
    found: list[tuple[int, re.Match[str]]] = []
    for pattern in (_ZH_POSITIVE, _ZH_PLANNED, _EN_POSITIVE):
        match = pattern.search(text)
        if match is not None:
            found.append((match.start(), match))
    for pattern in (_ZH_INVESTOR_FIRST, _EN_INVESTOR_FIRST):
        match = pattern.search(text)
        if match is not None and not re.search(_ZH_TRIGGER + "|" + _EN_VERB, match.group("inv"), re.IGNORECASE):
            found.append((match.start("verb"), match))
    return min(found, key=lambda pair: pair[0])[1] if found else None


#: words that put a clause in the past (an earlier round): its round, amount and investors are not this round's
_PREVIOUS = re.compile(
    r"此前|曾获|曾完成|曾经|上一轮|前一轮|上轮|去年|早前|previously|\bprior\b|\bearlier\b|last year|\bin 20\d\d\b"
    r"|\bup from\b|\bafter (?:its|a|raising)\b|\bfollows?\b|\bfollowing (?:its|a)\b",
    re.IGNORECASE,
)


def classify(title: str, summary: str = "") -> Verdict:
    """Decide whether a headline (with its summary) reports one funding round; the reason names the deciding rule.

    Negative rules go first (funding.md §4.2): fund closes, loans and debt, IPOs, aggregates, round-ups, registered
    capital. Then a trigger (完成/获…融资, 领投, X投资Y, raises/secures… + money or round word); an acquisition
    written before the trigger wins. A neutral title may still be a round when the summary's first sentence says so.
    """
    text = strip_affixes(normalise_text(title))
    for reason, pattern in _HARD_NEGATIVES:
        if pattern.search(text):
            return Verdict(False, reason)
    trigger = _trigger(text)
    merger = _MERGER.search(text)
    if trigger is not None:
        if merger is not None and merger.start() < trigger.start():
            return Verdict(False, "acquisition or merger")
        return Verdict(True, "funding trigger in the title")
    if merger is not None:
        return Verdict(False, "acquisition or merger")
    lead = _first_sentence(normalise_text(summary))
    if lead and not _PREVIOUS.search(lead) and not any(p.search(lead) for _, p in _HARD_NEGATIVES):
        found = _ZH_POSITIVE.search(lead) or _EN_POSITIVE.search(lead)
        if found is not None and re.search(r"融资|轮|round|funding|series|seed", lead, re.IGNORECASE):
            return Verdict(True, "funding trigger in the summary's first sentence")
    return Verdict(False, "no funding trigger")


# --- companies ---------------------------------------------------------------------------------------

_ZH_DESCRIPTORS = (
    "(?<=方案)商|初创公司|创业公司|服务商|供应商|提供商|运营商|制造商|开发商|研发商|品牌商"
    "|厂商|创企|公司|企业|平台|独角兽|新锐|团队|龙头|明星项目|初创|新势力|旗下"
)
_ZH_DESCRIPTOR_RE = re.compile(_ZH_DESCRIPTORS)
_LEGAL_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司)$")
_ZH_LEAD_IN = re.compile(r"^.*?(?:获悉|消息|报道|了解到|讯|独家获悉)\s*[,:]\s*")
_ZH_DATES = re.compile(r"\d{4}年|\d{1,2}月(?:\d{1,2}日)?|\d{1,2}日|当地时间")
_ZH_TRAILING_WORDS = re.compile(
    r"(?:近日|日前|今日|今天|近期|于近期|刚刚|已经|已|正式|宣布|成功|顺利|再度|再次|再|又|连续|先后|相继|官宣|也|均|于|今年"
    r"|本周|目前|此前|近|将|凭何|同日|当天|当日|\d+天)+$"
)
_ZH_REGION = re.compile(
    r"^(?:国内首家|全球首家|首家|一家|这家|该|国内|全球|中国|国产|海外|新加坡|美国|英国|法国|德国|日本|韩国|以色列|印度|欧洲|硅谷"
    r"|北京|上海|深圳|杭州|广州|苏州|南京|武汉|成都|西安|合肥|天津|重庆|香港|台湾|专注于?|致力于)+"
)
_BRACKETS = re.compile(r"「([^」]+)」|“([^”]+)”|《([^》]+)》|\"([^\"]+)\"|『([^』]+)』")
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
_NATIONALITY = re.compile(
    r"^(?:[A-Z][\w.]*-based|French|German|British|U\.?S\.?|US|American|Chinese|Indian|Israeli|Japanese|Korean"
    r"|Canadian|Swiss|Swedish|Dutch|Spanish|Italian|European|Singaporean|Australian|Brazilian|Paris|London|Berlin"
    r"|New York|San Francisco)$"
)


@dataclass
class _Company:
    name: str | None
    sector: str | None = None


def _clean_sector(text: str) -> str | None:
    text = re.sub(r"[「」“”《》\"『』]", "", text).rsplit("的", 1)[-1]
    text = _ZH_REGION.sub("", text.strip(" ,:的"))
    text = re.sub(r"(?:领域|行业)?(?:的)?$", "", text).strip(" ,:的")
    if not (2 <= len(text) <= 20) or re.search(r"[,\d]|首|家", text):
        return None
    return text


def _valid_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip(" ,:;.-'\"“”「」《》")
    name = re.sub(r"^(?:一家|这家|该|某)", "", name)
    if re.search(r"[^限]公司$", name) and len(name) > 4:
        name = name[:-2]  # 赛豆科技公司 -> 赛豆科技; a legal 有限公司 stays
    if name in _GENERIC_NAMES or len(name) < 2 or len(name) > 60:
        return None
    if re.search(
        r"融资|(?:[A-H]\d*|天使|种子|新一|首)\+*轮|投资|领投|完成|创始人|董事长|CEO|创业者|\bfounders?\b", name
    ):
        return None  # a sentence fragment or a person, not a company
    if re.fullmatch(r"[\d.,\s]+", name):
        return None
    return name


def _zh_company(prefix: str) -> _Company:
    """The company named before a Chinese trigger (`植物蛋白食品公司 X` -> X; `「X」`; `X（以下简称“Y”）` -> Y)."""
    text = _ZH_LEAD_IN.sub("", prefix)
    alias = re.search(r"\(以下简称[“\"「]?([^”\"」)]+)[”\"」]?\)", text)
    text = _ZH_DATES.sub("", text)
    chunks = [_ZH_TRAILING_WORDS.sub("", c.strip()).strip() for c in re.split(r"[,;:!?。|丨\n]", text)]
    chunks = [c for c in chunks if c]
    if not chunks:
        return _Company(None)
    # "启元世界也于同日宣布,已经完成…": the clause before the trigger held only adverbs, the name is one clause up
    chunk = chunks[-1]
    if alias is not None:
        before = chunk.split("(以下简称")[0]
        descriptor = list(_ZH_DESCRIPTOR_RE.finditer(_LEGAL_SUFFIX.sub("", before)))
        sector = _clean_sector(before[: descriptor[-1].start()]) if descriptor else None
        return _Company(_valid_name(alias.group(1)), sector)
    for match in reversed(list(_BRACKETS.finditer(chunk))):
        following = chunk[match.end() :]
        if _ZH_DESCRIPTOR_RE.match(following):
            continue  # “大脑芯片”企业: a quoted descriptor, not a name
        name = next(g for g in match.groups() if g is not None)
        name = re.sub(r"\([^)]*\)", "", name).strip()
        before = chunk[: match.start()]
        descriptor = list(_ZH_DESCRIPTOR_RE.finditer(before))
        sector = _clean_sector(before[: descriptor[-1].start()]) if descriptor else None
        return _Company(_valid_name(name), sector)
    chunk = re.sub(r"\([^)]*\)", "", chunk)
    chunk = re.sub(r"[「」“”《》\"『』]", "", chunk)
    legal = _LEGAL_SUFFIX.search(chunk)
    body = chunk[: legal.start()] if legal else chunk
    matches = [m for m in _ZH_DESCRIPTOR_RE.finditer(body) if m.end() < len(body)]
    if matches:
        last = matches[-1]
        name = body[last.end() :] + (legal.group(0) if legal else "")
        sector = None if last.group(0) == "旗下" else _clean_sector(body[: last.start()])
        return _Company(_valid_name(name), sector)
    if legal is None and _ZH_DESCRIPTOR_RE.search(body[-6:] if body else ""):
        tail = list(_ZH_DESCRIPTOR_RE.finditer(body))
        if tail and tail[-1].end() == len(body):
            # "…企业获数亿元融资": the company is not named here, but the descriptor is its sector
            return _Company(None, _clean_sector(body[: tail[-1].start()]))
    if legal is not None:
        return _Company(_valid_name(chunk))
    if "的" in body:
        body = body.rsplit("的", 1)[1]
    return _Company(_valid_name(body))


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
        name.pop(0)
    if not name:
        return None, None
    sector: str | None = None
    if index > 0 and tokens[index - 1].lower() in _EN_DESCRIPTORS:
        words = [t for t in tokens[: index - 1] if not _NATIONALITY.match(t) and t.lower() not in ("a", "an", "the")]
        sector = " ".join(words) or None
    return " ".join(name), sector


def _en_company(subject: str) -> _Company:
    """The company before an English verb, appositives and descriptors dropped (`French robotics firm, Acme`)."""
    subject = _EN_AUXILIARIES.sub("", subject.strip(" ,:-"))
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
            return _Company(_valid_name(name), sector or carried)
        words = chunk.split()
        if words and words[-1].lower() in _EN_DESCRIPTORS:  # "French robotics firm, Acme": keep "robotics"
            _, carried = _trailing_name(chunk + " X")
    return _Company(None, carried)


# --- investors ---------------------------------------------------------------------------------------

_FA_CLAUSE = re.compile(r"财务顾问|独家顾问|\bFA\b|担任|financial advisor|advised by|adviser", re.IGNORECASE)
_GENERIC_INVESTOR = re.compile(
    r"投资人个人|个人投资者|知名投资人|多家|头部大厂|知名机构|产业方|国资|机构$|^其他|等$|^新老股东$|^老股东$"
    r"|^(?:同时|此外|另外|其中|以及|并|还有|亦)$"
    r"|^(?:existing|other|new) (?:investors|backers)|^others$|^investors$|^angels?$",
    re.IGNORECASE,
)
_ZH_LEAD_PATTERNS = (
    re.compile(r"由(?P<names>[^,;。]+?)(?:共同|联合)?领投"),
    re.compile(r"领投方(?:为|是|包括)(?P<names>[^,;。]+)"),
    re.compile(r"(?:^|[,;。\-]|获|本轮|其中|轮)(?P<names>[^,;。获\-]+?)(?:共同|联合)?领投"),
)
_ZH_SOLE = re.compile(
    r"(?:^|[,;。])?(?:获|获得|由)(?P<names>[^,;。]{2,40}?)(?:独家|战略|共同|联合)?(?:投资|注资|入股)(?!人|机构|方)"
)
_ZH_PARTICIPANT = re.compile(
    r"(?:^|[,;。]|领投、)\s*(?P<names>(?:(?!领投)[^,;。])+?)(?:共同|联合|均|亦)?(?:跟投|参投|参与(?:投资)?|持续加注|继续加注|超额跟投|持续加持"
    r"|继续加持|追加投资|共同投资|联合投资|持续投资|继续投资|跟进)"
)
_ZH_INCLUDING = re.compile(r"(?:跟投|参投|投资方)[^。;]{0,12}?(?:包括|有)(?P<names>[^。;]+)")
_ZH_OLD_HOLDER = re.compile(r"(?:^|[,;。])\s*老股东(?P<names>[^,;。]+?)(?=[,;。]|$)")
_EN_LEAD = re.compile(r"\b(?:co-)?led by\s+(?P<names>[^.;]+)", re.IGNORECASE)
_EN_PARTICIPANT = re.compile(
    r"\b(?:with participation (?:from|by)|participation from|backed by|alongside"
    r"|(?:investors|backers) (?:including|include)"
    r"|new investors:?|other investors:?)\s+(?P<names>[^.;]+)",
    re.IGNORECASE,
)
_EN_WITH_BACKING = re.compile(r"\bwith\s+(?P<names>[A-Z][^.;]+?)\s+backing\b")
_EN_FROM = re.compile(
    r"\b(?:raises?|raised|secures?|secured|lands?|landed)\b" + _EN_SENTENCE_CHAR + r"*?\bfrom\s+(?P<names>[A-Z][^.;]+)"
)


def _split_names(text: str, language: str) -> list[str]:
    """Investor names from a list: split on 、，, 和/及/与 and `and`, `等` and role words stripped."""
    text = re.sub(r"等[^,、]*$", "", text.strip().rstrip("。"))
    names: list[str] = []
    for part in re.split(r"[、,]|\s+and\s+|\s*&\s*(?=[A-Z])" if language == "en" else r"[、,]", text):
        part = part.strip()
        if not part:
            continue
        if re.match(r"[\d.]+\s*[亿万千百]|[数近超逾约]\S?[亿万千百]", part) or find_amounts(part):
            continue  # `获10亿战略投资`: an amount, not an investor
        if language == "zh":
            descriptor = [m for m in re.finditer(_ZH_DESCRIPTORS + "|基金(?=[A-Za-z])", part) if m.end() < len(part)]
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


def _en_names(text: str) -> list[str]:
    """Names from an English list, stopping at the first lowercase clause (`B Capital and Google, new investors: …`)."""
    names: list[str] = []
    for piece in re.split(r",\s*|\s+and\s+|\s+as well as\s+", text):
        piece = piece.strip(" .")
        piece = re.sub(r"^(?:and|with|from|including)\s+", "", piece)
        if not piece or not re.match(r"[A-Z0-9]", piece) or ":" in piece:
            break
        piece = re.split(r"\s+(?:with|at|to|bringing|valuing|in|for|as|who|which)\s+", piece)[0].strip(" .")
        if piece and not _GENERIC_INVESTOR.search(piece):
            names.append(piece)
    return names


def _investors(texts: Sequence[str], language: str) -> tuple[list[str], list[str]]:
    """Lead investors (领投, 由X领投, led by) and other investors (跟投, 参投, participation from, backed by)."""
    leads: list[str] = []
    others: list[str] = []
    for text in texts:
        clauses = [c for c in re.split(r"(?<=[,;。])", text) if c and not _FA_CLAUSE.search(c)]
        text = "".join(clauses)
        found_leads: list[tuple[int, list[str]]] = []
        found_others: list[tuple[int, list[str]]] = []
        if language == "zh":
            for pattern in _ZH_LEAD_PATTERNS:
                for match in pattern.finditer(text):
                    names = re.sub(r"^.*由", "", match.group("names"))
                    found_leads.append((match.start("names"), _split_names(names, "zh")))
            for match in _ZH_PARTICIPANT.finditer(text):
                names = match.group("names")
                if "领投" not in names:
                    names = re.sub(r"^(?:本轮融资|本轮|其中)?(?:由)?", "", names)
                    found_others.append((match.start("names"), _split_names(names, "zh")))
            for match in _ZH_INCLUDING.finditer(text):  # 另有多家产业方跟投，包括A、B等等
                found_others.append((match.start("names"), _split_names(match.group("names"), "zh")))
            for match in _ZH_OLD_HOLDER.finditer(text):
                found_others.append((match.start("names"), _split_names(match.group("names"), "zh")))
        else:
            for match in _EN_LEAD.finditer(text):
                found_leads.append((match.start(), _en_names(match.group("names"))))
            for match in _EN_PARTICIPANT.finditer(text):
                found_others.append((match.start(), _en_names(match.group("names"))))
        leads += [n for _, names in sorted(found_leads, key=lambda p: p[0]) for n in names]
        others += [n for _, names in sorted(found_others, key=lambda p: p[0]) for n in names]
    if language == "en" and not leads and not others:
        # "with Google, John Deere backing" only counts when nothing more precise names the investors
        others = [n for text in texts for m in _EN_WITH_BACKING.finditer(text) for n in _en_names(m.group("names"))]
    leads = _unique(leads)
    return leads, [n for n in _unique(others) if n not in leads]


def _from_investors(text: str, language: str) -> list[str]:
    """The investors of `X获Y投资` or `raises $5M from Y, Z` (no lead or participant word around them)."""
    if language == "zh":
        match = _ZH_SOLE.search(text)
        return _split_names(match.group("names"), "zh") if match else []
    match = _EN_FROM.search(text)
    return _en_names(match.group("names")) if match else []


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen[name] = None
    return list(seen)


# --- amounts and valuations --------------------------------------------------------------------------

# 估值已超过独角兽(10亿美金): up to a dozen words may sit between 估值 and its figure
_VALUATION_BEFORE = re.compile(r"(?:估值|valuation of|valued at|valuing (?:it|the company|\w+) at|post-money of)"
                               r"\D{0,12}$",
                               re.IGNORECASE)  # fmt: skip
_VALUATION_AFTER = re.compile(r"^\s*(?:的)?(?:估值|(?:pre|post)-money|valuation)", re.IGNORECASE)
_OTHER_BEFORE = re.compile(
    r"(?:营收|收入|订单|销售额?|销量|净利润|利润|亏损|市值|成交额?|注册资本|产值|ARR|revenue|sales|profit|loss"
    r"|market cap|contracts?|per month|a month|累计|总融资|共募集|total funding|to date|bringing (?:its|the) total"
    r"|此前|上一轮|up from"
    r"|previous|prior)\D{0,8}$",
    re.IGNORECASE,
)
_OTHER_AFTER = re.compile(r"^\s*(?:订单|营收|收入|销售|净利润|per (?:month|year|share)|in (?:revenue|sales|ARR)|ARR)",
                          re.IGNORECASE)  # fmt: skip


def _amount_roles(text: str, language: str) -> tuple[list[Amount], list[Amount]]:
    """Amounts in `text` split into round candidates and valuations; revenue, totals and converted figures dropped."""
    rounds: list[Amount] = []
    valuations: list[Amount] = []
    for amount in find_amounts(text, default_currency="CNY" if language == "zh" else None):
        before, after = text[max(0, amount.start - 24) : amount.start], text[amount.end : amount.end + 24]
        if amount.qualifier == "converted" or re.search(r"约合\s*$", before):
            continue
        if _VALUATION_BEFORE.search(before) or _VALUATION_AFTER.search(after):
            if not re.search(r"此前|上一轮|前一轮|上轮|previous|prior|up from|last valued", before, re.IGNORECASE):
                valuations.append(amount)
            continue
        if _OTHER_BEFORE.search(before) or _OTHER_AFTER.search(after):
            continue
        if amount.low is None and amount.high is None:
            continue
        rounds.append(amount)
    return rounds, valuations


# --- AI relevance ------------------------------------------------------------------------------------

_AI_LEXICON = re.compile(
    r"(?-i:(?<![A-Z])AI(?![a-zA-Z]))|A\.I\.|人工智能|大模型|具身|智能体|机器人|算力|AI芯片|自动驾驶|智驾|脑机接口|空间智能|机器学习"
    r"|深度学习|多模态|生成式|AIGC|AGI|LLMs?|GenAI|\bgenerative\b|machine learning|\brobot(?:s|ics)?\b|autonomous"
    r"|neural|foundation models?|\bagents?\b|agentic|chatbots?|computer vision|inference|GPUs?|humanoid|world models?"
    r"|artificial intelligence|类脑|视觉|感知|数据引擎|Physical AI",
    re.IGNORECASE,
)


def is_ai_related(*texts: str) -> bool:
    """True when any text uses the AI lexicon (funding.md §4.9); AI funds are excluded earlier as fund closes."""
    return any(_AI_LEXICON.search(normalise_text(t)) for t in texts if t)


# --- extraction --------------------------------------------------------------------------------------


@dataclass
class _Deal:
    company: str | None = None
    sector: str | None = None
    round_raw: str | None = None
    status: str = "completed"
    amount: Amount | None = None
    valuation: Amount | None = None
    leads: list[str] = field(default_factory=list)
    investors: list[str] = field(default_factory=list)


def _current_clauses(summary: str) -> str:
    """The summary without clauses about earlier rounds, totals or advisers (此前…, to date, 财务顾问)."""
    kept: list[str] = []
    for sentence in re.split(r"(?<=[。!?;])|(?<=[.!?])\s+|\n", summary):
        clauses = re.split(r"(?<=,)", sentence)
        kept.append("".join(c for c in clauses if not _PREVIOUS.search(c) and not _FA_CLAUSE.search(c)))
    return " ".join(k.strip() for k in kept if k.strip())


def _find_round(text: str, language: str) -> str | None:
    pattern = _ZH_ROUND if language == "zh" else _EN_ROUND
    match = pattern.search(text) or (_EN_ROUND.search(text) if language == "zh" else _ZH_ROUND.search(text))
    return match.group(0).strip() if match else None


def _status(title: str, summary: str, trigger: re.Match[str] | None, investor_first: bool) -> str:
    lead_sentence = _first_sentence(summary)
    if _ZH_RUMOUR.search(title) or _EN_RUMOUR.search(title) or _ZH_RUMOUR.search(lead_sentence):
        return "planned"
    if _EN_RUMOUR.search(lead_sentence):
        return "planned"
    if trigger is not None and trigger.re is _ZH_PLANNED:
        return "planned"
    for intent in (_ZH_INTENT.search(title), _EN_INTENT.search(title)):
        if intent is not None and (trigger is None or intent.start() <= trigger.end()):
            return "planned"
    if investor_first or (_EN_ANNOUNCED.search(title) and trigger is not None and trigger.re is _EN_INVESTOR_FIRST):
        return "announced"
    if re.search(r"宣布(?!完成)" + _ZH_STOP + r"{0,10}(?:战略投资|投资|入股|注资)", title):
        return "announced"
    return "completed"


def _investor_first(trigger: re.Match[str], title: str, deal: _Deal) -> None:
    """`Y投资X`, `Y领投AI公司「X」`, `Y向X投资`, `Google to invest $2B in X`: the company comes after the verb."""
    if trigger.re is _EN_INVESTOR_FIRST:
        deal.company = _valid_name(trigger.group("co"))
        deal.leads = _en_names(trigger.group("inv"))[:1]
        return
    investors = trigger.group("inv")
    if "向" in investors:  # 腾讯向「智谱」投资: the company sits between 向 and the verb
        investors, target = investors.rsplit("向", 1)
    else:
        target = re.split(
            r"[,;。]|(?=" + _ZH_LABEL + r"\s*轮)|(?=[\d数近超逾约亿千百])|的(?=" + _ZH_STOP + r"*轮)|(?=新一轮|融资)",
            title[trigger.end() :],
        )[0]
    company = _zh_company(target) if target.strip() else _Company(None)
    deal.company, deal.sector = company.name, company.sector
    names = _split_names(investors, "zh")
    if trigger.group("verb") == "领投" or len(names) == 1:
        deal.leads = names
    else:
        deal.investors = names


def _sector_near(name: str, texts: Iterable[str]) -> str | None:
    """The descriptor written right before the company's name (`具身智能初创公司「X」` -> 具身智能)."""
    escaped = re.escape(name)
    for text in texts:
        zh = re.search(r"([^,;。\s]{2,24}?)(?:" + _ZH_DESCRIPTORS + r")[「“\"]?" + escaped, text)
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


def _first(*candidates: list[Amount]) -> Amount | None:
    return next((found[0] for found in candidates if found), None)


def _original_currency(amount: Amount | None, summary: str) -> Amount | None:
    """A headline showing only the converted CNY figure of a dual-currency round: keep the body's original amount."""
    if amount is None:
        return None
    for found in re.finditer(r"(?P<original>[^,;。()]{1,20}?)\(约合(?:人民币)?(?P<converted>[^)]{1,16})\)", summary):
        converted = find_amounts(found.group("converted"), default_currency="CNY")
        original = find_amounts(found.group("original"), default_currency="CNY")
        if converted and original and converted[0].low == amount.low and converted[0].currency == amount.currency:
            return original[-1]
    return amount


def _extract_deal(title: str, summary: str, company_hint: str | None) -> _Deal | None:
    """Every field of the one deal in (title, summary); None when no company can be named."""
    language = _language(title + summary)
    deal = _Deal()
    trigger = _trigger(title)
    investor_first = False
    if trigger is not None and trigger.re in (_ZH_INVESTOR_FIRST, _EN_INVESTOR_FIRST):
        _investor_first(trigger, title, deal)
        investor_first = trigger.re is _ZH_INVESTOR_FIRST or bool(
            _EN_ANNOUNCED.search(title) or re.search(r"\binvests?\b|\bbacks\b", title, re.IGNORECASE)
        )
    elif trigger is not None:
        prefix = title[: trigger.start()]
        if trigger.re is _ZH_PLANNED:
            prefix = re.sub(r"(?:正|正在)$", "", prefix)
        company = _zh_company(prefix) if _CJK.search(prefix) else _en_company(prefix)
        deal.company, deal.sector = company.name, company.sector
    if deal.company is None:
        deal.company, sector = _company_from_summary(summary, language)
        deal.sector = deal.sector or sector
    if deal.company is None and company_hint:
        deal.company = _valid_name(normalise_text(company_hint))
    if deal.company is None:
        return None
    current = _current_clauses(summary)
    deal.sector = deal.sector or _sector_near(deal.company, (title, current))
    deal.round_raw = _find_round(title, language)
    if deal.round_raw is None or normalise_round(deal.round_raw) == "Undisclosed":
        from_summary = _find_round(current, language)
        if from_summary is not None and (deal.round_raw is None or normalise_round(from_summary) != "Undisclosed"):
            deal.round_raw = from_summary
    title_rounds, title_valuations = _amount_roles(title, language)
    summary_rounds, summary_valuations = _amount_roles(current, language)
    deal.amount = _original_currency(_first(title_rounds, summary_rounds), summary)
    deal.valuation = _first(title_valuations, summary_valuations)
    leads, others = _investors((title, current), language)
    deal.leads = _unique([*deal.leads, *leads])
    deal.investors = [n for n in _unique([*deal.investors, *others]) if n not in deal.leads]
    if not deal.leads and not deal.investors:
        named = _from_investors(title, language) or _from_investors(current, language)
        # A sole named investor counts as the lead; several with no lead named are plain investors (§4.8).
        if len(named) == 1:
            deal.leads = named
        else:
            deal.investors = named
    deal.status = _status(title, summary, trigger, investor_first)
    return deal


def _company_from_summary(summary: str, language: str) -> tuple[str | None, str | None]:
    """The company of a headline that names none (`一家AI公司获…`, `AI startup raises…`): the summary's subject."""
    alias = re.search(r"([^,;。()]{2,40}?(?:有限公司|Inc\.?|Ltd\.?))\s*\(以下简称[“\"「]?([^”\"」)]+)", summary)
    if alias is not None:
        return _valid_name(alias.group(2)), None
    for sentence in re.split(r"(?<=[。!?])|(?<=[.!?])\s+|\n", summary)[:3]:
        if _PREVIOUS.search(sentence):
            continue
        match = _ZH_POSITIVE.search(sentence) or _EN_POSITIVE.search(sentence)
        if match is None:
            continue
        prefix = sentence[: match.start()]
        company = _zh_company(prefix) if _CJK.search(prefix) else _en_company(prefix)
        if company.name:
            return company.name, company.sector
    return None, None


# --- splitting multi-deal items ----------------------------------------------------------------------

_DIGEST_LABEL = re.compile(
    r"^(?:创投日报|\d{1,2}点1氪|氪星晚报|融资周报|投融资周报|一周融资|融资速递|融资汇总)\s*[_|丨:]?\s*", re.IGNORECASE
)
_ROUNDUP_LINE = re.compile(
    r"^\s*\d{1,2}[.)]\s*(?P<company>[^,:]{2,60}?),\s*(?P<amount>[$€£¥][^,:]{1,20}?),\s*(?P<sector>[^:]{2,60}?):\s*"
    r"(?P<rest>.*)$"
)


def _pieces(title: str, summary: str) -> list[tuple[str, str, _Deal | None]]:
    """Split a digest or round-up into one (title, summary) per deal; a single item stays whole.

    Round-up lines in the documented Crunchbase shape (`1. Acme, $40M, AI: …`) come back already read.
    """
    label = _DIGEST_LABEL.match(title)
    english_roundup = _HARD_NEGATIVES[0][1].search(title) and not label
    if english_roundup:
        deals: list[tuple[str, str, _Deal | None]] = []
        for line in summary.split("\n"):
            match = _ROUNDUP_LINE.match(line)
            if match is None:
                continue
            deals.append((line, match.group("rest"), _roundup_deal(match)))
        return deals
    if label is not None:
        body = title[label.end() :]
        return [(piece.strip(), "", None) for piece in re.split(r"[;；]", body) if piece.strip()]
    pieces = [p.strip() for p in re.split(r"[;；]", title) if p.strip()]
    if len(pieces) > 2 or (len(pieces) == 2 and all(_trigger(p) for p in pieces)):
        return [(piece, "", None) for piece in pieces]
    return [(title, summary, None)]


def _roundup_deal(match: re.Match[str]) -> _Deal:
    rest = match.group("rest")
    amounts = find_amounts(match.group("amount"))
    _, valuations = _amount_roles(rest, "en")
    leads, others = _investors((rest,), "en")
    return _Deal(
        company=_valid_name(match.group("company")),
        sector=match.group("sector").strip(),
        round_raw=_find_round(rest, "en"),
        amount=amounts[0] if amounts else None,
        valuation=valuations[0] if valuations else None,
        leads=leads,
        investors=others,
    )


# --- public entry point ------------------------------------------------------------------------------


def is_roundup(title: str) -> bool:
    """True for a digest or round-up headline (创投日报, 8点1氪, "Week's 10 Biggest Funding Rounds")."""
    return bool(_HARD_NEGATIVES[0][1].search(strip_affixes(normalise_text(title))))


def extract_rounds(
    title: str,
    summary: str,
    *,
    published_at: datetime,
    url: str,
    source: str,
    observed_at: datetime,
    categories: Sequence[str] = (),
    company_hint: str | None = None,
) -> list[FundingRound]:
    """The funding rounds one news item reports: none for non-rounds, one per deal for splittable round-ups.

    `categories` (feed tags) and `company_hint` (36kr `relevantProject`) only help: the hint names the company when
    the text does not. Rumours and intentions come back with status `planned`; previous rounds, totals, converted
    currencies and revenue figures never become this round's fields. Each deal of a split item gets its own URL
    (`…#deal-2`) so storage keeps one mention per deal.
    """
    clean_title = strip_affixes(normalise_text(title))
    clean_summary = normalise_text(summary, keep_lines=True)
    pieces = _pieces(clean_title, clean_summary)
    rounds: list[FundingRound] = []
    for piece_title, piece_summary, ready in pieces:
        if ready is None:
            if not classify(piece_title, piece_summary).is_round:
                continue
            deal = _extract_deal(piece_title, piece_summary, company_hint if len(pieces) == 1 else None)
        else:
            deal = ready
        if deal is None or deal.company is None or _INVESTOR_NAME.search(deal.company):
            continue
        rounds.append(_round_item(deal, title, url, source, published_at, observed_at, piece_title,
                                  piece_summary, categories))  # fmt: skip
    if len(rounds) > 1:
        for index, item in enumerate(rounds, start=1):
            item.url = f"{url}#deal-{index}"
    return rounds


def _round_item(
    deal: _Deal,
    headline: str,
    url: str,
    source: str,
    published_at: datetime,
    observed_at: datetime,
    piece_title: str,
    piece_summary: str,
    categories: Sequence[str],
) -> FundingRound:
    amount, valuation = deal.amount, deal.valuation
    if amount is not None and valuation is not None and valuation.currency != amount.currency:
        valuation = None  # one currency per row: a valuation in another currency would be read in the wrong one
    currency = amount.currency if amount else valuation.currency if valuation else None
    return FundingRound(
        source=source,
        url=url,
        observed_at=observed_at,
        company=deal.company or "",
        round=normalise_round(deal.round_raw),
        headline=normalise_text(headline),
        published_at=published_at,
        status=deal.status,
        round_raw=deal.round_raw,
        amount_min=_whole(amount.low) if amount else None,
        amount_max=_whole(amount.high) if amount else None,
        currency=currency,
        amount_text=amount.text if amount else None,
        lead_investors=deal.leads,
        investors=deal.investors,
        valuation_min=_whole(valuation.low) if valuation else None,
        valuation_max=_whole(valuation.high) if valuation else None,
        sector=deal.sector,
        ai_related=is_ai_related(piece_title, piece_summary, " ".join(categories), deal.sector or ""),
    )


def _whole(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
