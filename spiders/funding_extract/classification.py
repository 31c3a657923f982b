"""Is this headline one funding round (hard negatives, then a trigger)? Is it about AI?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spiders.cn_amounts import find_amounts
from spiders.funding_extract.companies import PLACE_NAME
from spiders.funding_extract.text import ZH_STOP, clean_title, first_sentence, normalise_text
from spiders.funding_extract.triggers import (
    EN_INVESTOR_FIRST,
    EN_POSITIVE,
    PREVIOUS,
    ZH_BARE_AMOUNT,
    ZH_INVESTOR_FIRST,
    ZH_POSITIVE,
    find_trigger,
)

#: a digest or round-up headline (创投日报, "Week's 10 Biggest Funding Rounds")
DIGEST = re.compile(
    r"创投日报|\d{1,2}点1氪|氪星晚报|派早报|早报|晚报|融资周报|投融资周报|一周融资|融资速递|融资汇总|融资盘点"
    r"|biggest funding rounds|funding round-?up|\bweek'?s \d+ biggest|\btop \d+ (?:funding|deals|rounds)\b"
    r"|startups weekly|this week in|week in review|funding recap|deals of the week|weekly funding",
    re.IGNORECASE,
)
_AGGREGATE = "sector or period aggregate"
_IPO = "IPO or listing"
#: negatives that, in a clause after a company-first trigger, are an aside (`完成C轮融资，今年底拟冲击上市`)
_ASIDES = (_AGGREGATE, _IPO)
#: hard negatives: a title matching one of these is not a funding round whatever else it says
_HARD_NEGATIVES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("digest or round-up", DIGEST),
    (
        "fund raise (a VC or fund, not a startup)",
        re.compile(
            r"(?:基金|母基金|子基金|FOF)" + ZH_STOP + r"{0,12}(?:募集|募资|关账|首关|终关|备案|成立|设立|落地|签约)"
            r"|(?:设立|成立|发起|推出|落地|启动|新设|组建)" + ZH_STOP + r"{0,15}基金|募资(?:完成|规模|总额)"
            r"|(?:完成|宣布)" + ZH_STOP + r"{0,10}(?:首关|终关|关账)|(?:出资|认缴)" + ZH_STOP + r"{0,12}基金"
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
            r"贷款|授信|银团|债券|发债|债权融资|债务|低息融资|融资租赁|可转债|信贷|借款"
            r"|融资建设|项目融资|募资" + ZH_STOP + r"{0,16}用于|募资不超"
            r"|(?<!equity and )(?<!equity & )\b(?:debt(?! and equity)|loans?|credit facility|credit line"
            r"|line of credit|notes offering|bonds?|asset-backed|project financ\w+)\b"
            r"|\bfrom\s+(?:[\w-]+\s+){0,2}(?:banks|lenders)\b",
            re.IGNORECASE,
        ),
    ),
    (
        _IPO,
        re.compile(
            r"(?<![Pp]re-)(?<![Pp]re)IPO(?=\s*中?(?:定|上会|过会|申请|招股|募资|首日|破发|获|注册|受理|辅导|进程))"
            r"|(?:冲刺|赴港|赴美|递交|启动|重启)\S{0,4}(?<![Pp]re-)(?<![Pp]re)IPO|招股|递表|过会|敲钟|挂牌上市"
            r"|(?:科创板|创业板|港股|港交所|A股|美股|纳斯达克|纽交所|北交所|主板|赴港|赴美|拟|冲刺|启动|申请|成功|正式|登陆)"
            r"\S{0,4}上市|上市(?:申请|辅导|招股|首日|破发)"
            r"|\bin (?:(?:its|an|the|a)\s+)?(?:[\w-]+\s+){0,3}?(?:IPO|initial public offering)\b"
            r"|\bIPO (?:filing|priced|pricing|prices)\b"
            r"|\bfiles? (?:confidentially )?(?:for|to go) (?:an )?(?:IPO|public)\b|\bgo(?:es|ing)? public\b"
            r"|\bprices? (?:its )?IPO\b|\b(?:public|stock market) debut\b|\bSPAC\b|\bdirect listing\b",
            re.IGNORECASE,
        ),
    ),
    (
        _AGGREGATE,
        re.compile(
            r"(?:一季度|二季度|三季度|四季度|上半年|下半年|前三季度|全年|本周|上周|本月|上月)"
            + ZH_STOP
            + r"{0,12}(?:融资|投资)"
            r"|\d+(?:家|起|笔)"
            + ZH_STOP
            + r"{0,8}(?:融资|获投)|(?<!累计)(?<!本轮)融资(?:总额|金额)|赛道"
            + ZH_STOP
            + r"{0,8}融资"
            r"|(?:融资|投资)事件"
            r"|\b(?:startups|founders|companies|unicorns)\s+(?:raise|raised|have raised|are raising)\b"
            r"|\b(?:vc|venture|startup) funding (?:fell|rose|hit|dropped|surged|declined|reached|totaled|totalled)\b"
            r"|\bfunding (?:fell|rose|dropped|surged|declined|slumped|jumped|climbed)\b|\bquarterly funding\b"
            r"|\bQ[1-4] (?:funding|venture)\b",
            re.IGNORECASE,
        ),
    ),
    ("registered-capital change", re.compile(r"增资至|注册资本")),
    # `10股获融资净买入超亿元`: margin buying of listed shares, not a round
    ("margin trading", re.compile(r"融资(?:净)?(?:买入|偿还|卖出|余额)|融资融券|两融")),
    (
        "listed company's offering, dividend or buyback",
        re.compile(
            r"定增|增发|配股|非公开发行|向特定对象发行|公开发行|发行(?:股票|股份|H股|全球存托|GDS|可转)|可转换|分红|派息|回购|股息"
            r"|\bdividends?\b|\bex-dividend\b|\bbuy-?backs?\b|\b(?:share|stock) repurchase|\bdebentures?\b"
            r"|\b(?:senior|convertible|secured|unsecured|promissory) notes?\b|\bnotes due\b|\bover-?allotment\b"
            r"|\bgreenshoe\b"
            r"|\b(?:share|equity|institutional|private) placement\b|\bvia (?:a )?placement\b|\bentitle?ment offer\b"
            r"|\bbought deal\b|\brights (?:issue|offering)\b|\bwarrants?\b|\bunit offering\b|\b(?:stock|share) sale\b"
            r"|\bfollow-on\b|\b(?:public|secondary|share|stock|equity|registered direct|at-the-market|rights)"
            r" offering\b"
            r"|\bofferings? of\b|\bprices? (?:an? )?(?:offering|placement)\b|\bQIP\b|\bprivate placement\b",
            re.IGNORECASE,
        ),
    ),
    (
        # `Bending Spoons Lands Airtable in $2.25 Billion Takeover`: the money buys the company, it funds nothing
        "money of an acquisition",
        re.compile(
            r"[$€£]\s?\d[\d.,]*\s*(?:[MBK]n?|million|billion)?\s+(?:takeover|acquisition|buyout|merger)\b"
            # `US$165 Million Financing to Fund Acquisition of …`, `Acquisition of 140,268 MSTR Shares`
            r"|\bfinancing to fund (?:the |an? )?(?:[\w-]+\s+){0,2}?acquisitions?\b"
            r"|\bacquisition of [\d,]+ (?:[A-Z]+ )?shares\b"
            # `Received US$1.4 Million in Cash Proceeds from … Concentrate Sales`: revenue, not funding
            r"|\bproceeds from\b[^.;]{0,60}\bsales\b",
            re.IGNORECASE,
        ),
    ),
    (
        "analyst price target or rating",
        re.compile(
            r"\b(?:price targets?|target prices?)\b|\b(?:raises|lowers|cuts|boosts|maintains) (?:its )?(?:PT|target)\b"
            r"|\b(?:upgrades?|downgrades?)\b|目标价|评级",
            re.IGNORECASE,
        ),
    ),
    (
        "a VC firm's own raise",
        re.compile(
            r"\b(?:VC|venture capital|venture|investment|private equity|PE) firms?\b[^.;]{0,50}\braise", re.IGNORECASE
        ),
    ),
)
#: orders, contracts and grants: not a round unless the title also says funding (`拿下订单，…完成Pre-A轮融资`)
_SOFT_NEGATIVE = re.compile(
    r"订单|合同|定点|中标|采购|补贴|租赁|担保|\b(?:contracts?|orders?|purchase agreements?|incentives?|subsid(?:y|ies)"
    r"|tax credits?|grants?|awards?|deal with|compute deal|cloud deal|lease|guarantee)\b",
    re.IGNORECASE,
)
_FUNDING_WORD = re.compile(r"融资|轮|领投|\b(?:funding|round|series [a-k]|seed|financing|valuation)\b", re.IGNORECASE)
#: places and projects an `X to invest Rs N cr in …` headline names instead of a company
#: a ticker after the company's name (`PureCycle Technologies (NASDAQ: PCT) … to raise gross proceeds`): listed
_LISTED = re.compile(
    r"\(\s*(?:NASDAQ|Nasdaq|NYSE(?: American)?|NYSEAMERICAN|TSXV?|TSX-V|ASX|LSE|AIM|CSE|OTC\w*)\s*:"
    r"\s*[A-Z][A-Z.]{0,6}\s*\)"
)
#: what an `X invests in …` headline names when the money goes to its own unit, a product or projects
_NOT_A_STARTUP = re.compile(
    r"\b(?:subsidiar(?:y|ies)|unit|arm|affiliate|deposits?|products?|bonds?|treasur\w+|ETFs?|projects?|programs?"
    r"|pilots?|initiatives?|facilit(?:y|ies)|plants?|sites?|EVs|vehicles|fleets?|equipment|hybrids)\b",
    re.IGNORECASE,
)
#: `raises cash pile / stake / guidance to $N`: a figure lifted to a level
_RAISES_TO = re.compile(
    r"\b(?:raises?|raised|lifts?|boosts?|ups)\s+(?!up\s+to\b)(?P<what>(?:[\w'-]+\s+){1,4}?)to\s+(?:[$€£₹]|Rs\.?\s?)?\d",
    re.IGNORECASE,
)
#: `Acme announces $50M investment in new factory` / `… in Texas`: the company spends, nobody funds it
_INVESTMENT_IN = re.compile(
    r"\b(?:announces?|announced|unveils?|unveiled|completes?|completed)\b[^.;]{0,40}?\binvestments?\s+(?:in|into)\s+"
    r"(?:(?:a|an|the|its)\s+)?(?P<what>\S+)",
    re.IGNORECASE,
)
#: lowercase words after the investee's name that make the name an owner: `in SoftBank data center developer`
_UNIT_AFTER_NAME = re.compile(
    r"\s+(?:[a-z][\w-]*\s+){0,3}(?:developer|unit|arm|subsidiary|division|business|operator|affiliate|spin-?off)\b"
)
_WEAK = re.compile(r"(?i)(?:completes?|completed|announces?|announced|unveils?|unveiled)\b")
_MERGER = re.compile(
    r"收购|并购|买下|合并|出售|\b(?:acquires?|acquired|to acquire|buys|bought|to buy|merges? with|merger|acquisition of"
    r"|takes? over|takeovers?|buyouts?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    """Whether a text reports a funding round, and why (the rule that decided)."""

    is_round: bool
    reason: str


def classify(title: str, summary: str = "") -> Verdict:
    """Decide whether a headline (with its summary) reports one funding round; the reason names the deciding rule.

    Negative rules go first (funding.md §4.2): fund closes, loans and debt, IPOs, aggregates, round-ups, registered
    capital. Then a trigger (完成/获…融资, 领投, X投资Y, raises/secures… + money or round word); an acquisition
    written before the trigger wins. A neutral title may still be a round when the summary's first sentence says so.
    """
    text = clean_title(title)
    trigger = find_trigger(text)
    for reason, pattern in _HARD_NEGATIVES:
        found = pattern.search(text)
        if found is not None and not (reason in _ASIDES and _after_clause(text, trigger, found.start())):
            return Verdict(False, reason)
    if _SOFT_NEGATIVE.search(text) and not _FUNDING_WORD.search(text):
        return Verdict(False, "order, contract or grant")
    raised_to = _RAISES_TO.search(text)
    if raised_to is not None and not _FUNDING_WORD.search(raised_to.group("what")):
        return Verdict(False, "a figure raised, not money raised")  # `Berkshire raises cash pile to $300 billion`
    merger = _MERGER.search(text)
    if trigger is not None:
        if merger is not None and merger.start() < trigger.start():
            return Verdict(False, "acquisition or merger")
        weak = trigger.re is EN_POSITIVE and _WEAK.match(trigger[0])
        if merger is not None and weak and merger.start() < trigger.end():
            return Verdict(False, "acquisition or merger")  # `Completes Acquisition of C21 Investments Inc.`
        if trigger.re is EN_INVESTOR_FIRST and not _en_investment_in_company(trigger, text):
            return Verdict(False, "investment in a project or a place")
        if merger is not None and trigger.re is ZH_INVESTOR_FIRST:
            return Verdict(False, "a stake taken inside an acquisition or a sale")
        if trigger.re is EN_POSITIVE and _LISTED.search(first_sentence(normalise_text(summary))):
            return Verdict(False, "listed company's offering, dividend or buyback")
        spending = _INVESTMENT_IN.search(text)
        if trigger.re is EN_POSITIVE and spending is not None and spending.start() <= trigger.start() + 2:
            what = spending.group("what")
            if what[:1].islower() or PLACE_NAME.match(what):
                return Verdict(False, "investment in a project or a place")
        return Verdict(True, "funding trigger in the title")
    if merger is not None:
        return Verdict(False, "acquisition or merger")
    lead = "".join(c for c in re.split(r"(?<=,)", first_sentence(normalise_text(summary))) if not PREVIOUS.search(c))
    if lead and not any(p.search(lead) for _, p in _HARD_NEGATIVES):
        found = ZH_POSITIVE.search(lead) or EN_POSITIVE.search(lead) or ZH_BARE_AMOUNT.search(lead)
        if found is not None and re.search(r"融资|轮|round|funding|series|seed|investments?\b", lead, re.IGNORECASE):
            return Verdict(True, "funding trigger in the summary's first sentence")
        if found is not None and found.re is EN_POSITIVE and _title_subject_raises(text, lead, found):
            return Verdict(True, "the title's subject raises money in the summary's first sentence")
        investor_first = find_trigger(lead)
        if (
            investor_first is not None
            and investor_first.re is ZH_INVESTOR_FIRST
            and investor_first.group("verb") in ("投资", "领投", "注资", "入股", "战略投资")
            and find_amounts(lead)
            and not re.search(r"[?？]", lead)
        ):
            return Verdict(True, "investor-first trigger with an amount in the summary's first sentence")
    return Verdict(False, "no funding trigger")


def _title_subject_raises(title: str, lead: str, found: re.Match[str]) -> bool:
    """`Discovered Materials is playing AI whack-a-mole…` + `Discovered Materials raised $9 million to…`."""
    subject = lead[: found.start()].strip()
    return bool(re.fullmatch(r"[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3}", subject)) and title.startswith(subject)


def _after_clause(text: str, trigger: re.Match[str] | None, start: int) -> bool:
    """Whether `start` lies in a clause after the trigger's (`完成F轮融资，因融资金额超目标…`: an aside, no total)."""
    if trigger is None or trigger.re not in (ZH_POSITIVE, EN_POSITIVE):
        return False
    end = re.search(r"[,;。]", text[trigger.end() :])
    if end is not None and start > trigger.end() + end.start():
        return True
    # `具身智能赛道再融资：X完成5亿元A轮融资`: a kicker before the colon, the company's own trigger after it
    colon = text.find(":", start)
    return trigger.re is ZH_POSITIVE and colon != -1 and colon < trigger.start()


def _en_investment_in_company(trigger: re.Match[str], title: str) -> bool:
    """`X invests $N in <descriptor> Y` or `X backs Y` is a round; `X to invest Rs N cr in UK` is not."""
    if trigger.group("desc") or re.match(r"backs|leads|led|co-le", trigger.group("verb"), re.IGNORECASE):
        return True
    if re.search(r"\b(?:in|for|on)\b", trigger.group("mid")) or PLACE_NAME.match(trigger.group("co")):
        return False
    if _NOT_A_STARTUP.search(" ".join((trigger.group("mid"), trigger.group("desc") or "", trigger.group("co")))):
        return False  # `Invests INR 15 Crores in Subsidiary X`, `… in Structured Deposit Product`, `… Pilot Projects`
    after = title[trigger.end() :]
    if re.match(_UNIT_AFTER_NAME, after):
        return False  # `Nvidia investing $1.5B in SoftBank data center developer`: money into another's unit
    return not re.match(r"\s+(?:to\s+[a-z]+|projects?|plants?|facilit(?:y|ies)|hubs?|campus|factor(?:y|ies))\b", after)
