"""Funding triggers (X获…融资, 拟融资, Y投资X, raises $…) and the status they imply: completed, announced, planned."""

from __future__ import annotations

import re

from spiders.funding_extract.text import EN_DESCRIPTOR_WORDS, EN_SENTENCE_CHAR, ZH_STOP, first_sentence

_ZH_TRIGGER = (
    r"(?<!曾)(?<!曾经)(?:宣布)?(?:已)?(?:完成|获得|获投|(?<!荣)获(?!悉|批|奖|评|选|颁|赞|准|得者|国家(?!大基金|集成电路产业投资基金)|配)|斩获|拿下|再获|连获"
    r"|迎来|筹得|融得|募得|敲定|(?:首次|首度)(?:披露|公布|官宣)|引入(?=[^,;:!?。|丨\n]{0,12}投资)"
    # `星河科技新一轮融资估值达50亿美元`: a round's valuation names the round
    r"|(?=(?:新一轮|本轮|(?:Pre-)?[A-H]\d*\+*轮)融资(?:后|中)?(?:的)?(?:投后|投前)?估值)"
    # `西湖机器人半年 4 轮融资`: rounds counted over a span of time need no verb
    r"|(?<=[年月天周内])(?=\s*(?:连续|接连)?\s*[两三四五六七八九十\d]\s*轮融资)"
    # `星河智能B轮融资落地`: a round that lands needs no verb before it
    r"|(?=(?:新一轮|天使\+*轮|种子轮|(?:Pre-)?[A-H]\d*\+*轮)融资(?:正式)?(?:落地|落定|敲定|到账|官宣完成))"
    r"|扩大(?=" + r"[^,;:!?。|丨\n]{0,8}融资规模))"  # `ChipAgents扩大融资规模`: an extension
)
#: a bare 轮 is a round's only when it reads as one (`完成B轮`), not `迎来一轮反弹行情`
_ZH_NOUN = (
    r"(?:融资|投资|注资|入股|领投|(?<![一两几])轮(?!行情|反弹|上涨|下跌|调整|回调|涨|跌|牛市|熊市|周期|浪潮|热潮|裁员|降价|涨价"
    r"|攻势|竞争|洗牌|修复|问询|审核|谈判|磋商|冲击))"
)
#: company first: `X获…融资`
ZH_POSITIVE = re.compile(_ZH_TRIGGER + ZH_STOP + r"{0,40}?" + _ZH_NOUN)
_ZH_INTENT_WORDS = (
    r"(?:拟|计划|正洽谈|正在洽谈|洽谈|商讨|磋商|谈判|寻求|筹划|筹备|启动|开启|重启|正在进行|正在募集|将获|有望获)"
)
#: a round in the making: `X拟…融资`, `X拟募资15亿`
#: (`拟用6.82亿元超募资金投建…`: money a listed company already raised, spent on a project, is no round)
ZH_PLANNED = re.compile(_ZH_INTENT_WORDS + ZH_STOP + r"{0,14}?(?:融资|(?<!超)募资(?!金))")
_ZH_AMOUNT_START = r"(?:[超近逾约]|不低于|至少)?(?:\d|数|几|[一二两三四五六七八九十百千]+[亿万])"
#: a round named by its size alone: `X融资2.5亿美元`, `融资数千万`, `融了数亿元` (a cumulative 累计融资 is not one)
#: (`半年融资超50亿`, `年内融资…`: a period's sum is none either)
ZH_BARE_AMOUNT = re.compile(
    r"(?<!累计)(?<!总)(?<![拟将求])(?<!半年)(?<!年内)(?<!以来)(?:融资|融了|再融|获投)\s*" + _ZH_AMOUNT_START
)
#: the round before the verb: `Graphcore在E轮融资中筹得2.22亿美元`, `X于新一轮融资中获得5000万美元`,
#: `在 Redalpine 和 Stride 共同领投的 A 轮融资中获得了 1000 万欧元`
ZH_RAISED_IN_ROUND = re.compile(
    r"(?:在|于)(?:[^,;。在]{1,40}?领投的\s*)?(?:[A-H]\d*\+*\s*轮|新一轮|本轮|天使\+*轮|种子轮|战略)?\s*融资中"
    r"(?:筹得|融得|募得|筹集了?|获得了?|拿到)\s*" + _ZH_AMOUNT_START
)
#: investor first: `Y投资X` (groups `inv` and `verb`)
ZH_INVESTOR_FIRST = re.compile(
    r"(?P<inv>" + ZH_STOP + r"{2,40}?)(?:宣布|已|正式)?(?:独家|联合|共同)?"
    r"(?P<verb>领投|战略投资|投资了|投资|入股|注资|投了|押注|加注|参投)"
    r"(?!人|者|机构|方|界|基金|圈|逻辑|策略|价值|回报|顾问|收益|风格|公司|计划|组合|机会|热|主线|机遇|转机|指南|手记|春晚"
    r"|平台|管理|银行|集团|咨询|控股|研究|服务|狂潮|新机遇|避雷|飙升|建议|热情|布局|理念|周期|门槛|需求|规模|总额|额|中国"
    r"|项目|协议|合作|建设|兴建|扩建|新建|信号|清仓|减持|增持|套现|退出|离场|浮亏|亏损|浮盈|失利)"
)
#: an investor phrase that is a topic or a question, not an investor (`全球AI投资`, `谁在投资`)
_ZH_NOT_INVESTOR = re.compile(
    r"(?:AI|行业|领域|市场|板块|赛道|巨头|全球|谁在?|哪些|如何|为何|继续|过往|以往|历来|此前|左手|一边)$"
)
#: what an investor-first target must not start with: a time, a modal or a topic
_ZH_NOT_TARGET = re.compile(
    r"^(?:今年|明年|将|已|和|的|了|着|未来|下一|更多|什么|哪|怎样|赛道|为主|为|于|建设|新建|扩建|预计|接近|约|超|近|逾|\d|右手|一边"
    r"|其|多|都|均|主要|大多|集中)"
)
_ZH_INVESTOR_SUFFIX = re.compile(
    r"(?:资本|基金|创投|投资|集团|银行|控股|产投|国资|科技|公司|Capital|Ventures|Partners|Fund)$|^(?:腾讯|阿里|百度|字节"
    r"|小米|华为|美团|京东|蚂蚁|英伟达|软银|红杉|高瓴|谷歌|微软|亚马逊|苹果|Meta|OpenAI|Nvidia|Google|Microsoft|Amazon)"
)
_ZH_INTENT = re.compile(_ZH_INTENT_WORDS)
#: an investor part naming a project, a facility or a place, not an investor: capital spending (`在美国投资`)
_CAPITAL_SPENDING = re.compile(
    r"(?:项目|实验室|研发中心|研究院|基地|工厂|产线|生产线|园区|数据中心|网络|产能)\S{0,4}$|(?<!存)在\S{1,8}$"
)

_EN_VERB = (
    r"\b(?:raises?|raised|raising|secures?|secured|securing|lands?|landed|closes|closed|nabs?|nabbed|bags?|bagged|snags?"
    r"|snagged|grabs?|grabbed|gets?|got|picks? up|picked up|scores?|scored|pulls? in|pulled in|hauls? in|hauled in"
    r"|attracts?|attracted|receives?|received|banks?|banked|collects?|collected|reels? in|reeled in"
    # `nets $30M Series A`, never `nets $30M profit`
    r"|nets(?=\s+\S+\s+(?:in\s+)?(?:series|seed|pre-seed|funding|round|financing)\b)|netted(?=\s+\S+\s+(?:in\s+)?(?:series|seed|pre-seed|funding|round|financing)\b)"
    r"|emerge[sd]? from stealth(?: \w+)? with|(?:comes?|came) out of stealth(?: \w+)? with"
    r"|debuts? with|starts? up with|started up with|launch(?:es|ed)? with|snaps? up|snapped up|unloads?|unloaded"
    r"|(?:takes?|took|accepts?|accepted)(?=\s+(?:an?\s+)?[$€£]\s?\d"
    + EN_SENTENCE_CHAR
    + r"{0,30}?\b(?:from|investment)\b))\b"
)
#: verbs that announce anything (`Announces Vessel Sales Generating $46M`): a round only with a funding word after
_EN_WEAK_VERB = r"\b(?:completes?|completed|announces?|announced|unveils?|unveiled)\b"
_EN_FUNDING_NOUN = (
    r"(?:\bseries [a-k]\b|\bseed\b|\bpre-seed\b|\bfunding\b|\bfinancing\b|\bround\b|\binvestments?\b|\bbacking\b"
    r"|\bsecondary\b|\btender offer\b|\bpre-IPO\b)"
)
_EN_MONEY_OR_ROUND = (
    r"(?:[$€£¥₹]\s?\d|\b(?:Rs\.?|INR)\s?\d|\b\d[\d,]*(?:\.\d+)?\s?(?:million|billion|crore|cr|lakh)\b"
    r"|\bseries [a-k]\b|\bseed\b|\bpre-seed\b|\bfunding\b"
    r"|\bfinancing\b|\bround\b|\binvestments?\b|\bbacking\b|\bsecondary\b|\btender offer\b|\bpre-IPO\b)"
)
#: company first: `X raises $5M`
EN_POSITIVE = re.compile(
    _EN_VERB
    + EN_SENTENCE_CHAR
    + r"{0,80}?"
    + _EN_MONEY_OR_ROUND
    + "|"
    + _EN_WEAK_VERB
    + EN_SENTENCE_CHAR
    + r"{0,80}?"
    + _EN_FUNDING_NOUN
    # `Factory hits $1.5B valuation`, `QuTwo reaches $380M valuation in angel round`: a new valuation is a new round
    + r"|\b(?:hits?|reach(?:es|ed)?|notches|notched|clinches|clinched)\s+(?:an?\s+)?[$€£]\s?\d[\w.+]*\s+valuation\b"
    # `Stripe valued at $91.5B in tender offer`: the valuation of a round or a tender offer
    + r"|\bvalued at\s+(?:an?\s+)?[$€£]\s?\d[\w.+]*\s+in\s+(?:(?:a|an|its|new|latest|fresh)\s+)*(?:[\w-]+\s+){0,2}?"
    + r"(?:round|tender offer|funding|financing|share sale|secondary sale)\b"
    # `Anthropic potential $900B+ valuation round could happen within 2 weeks`: a round in the making
    + r"|\b(?:potential|possible|proposed|planned|upcoming)\s+(?:[$€£]\s?\d[\w.+]*\s+)?"
    + r"(?:valuation\s+|funding\s+)?round\b"
    # `Acme nears $100M funding round`, `Acme close to raising $100M`: a round in the making
    + r"|\b(?:nears?|nearing)\s+(?:an?\s+)?(?:[$€£]\s?\d[\w.+]*\s+)?(?:[\w-]+\s+){0,2}?"
    + r"(?:round|funding|raise|financing)\b"
    + r"|\bclose to raising\b"
    # `Snabbit seeks fresh funding at a $400M valuation`: a round in the making
    + r"|\b(?:seeks?|seeking|sought|eyes|eyeing)\s+(?:[\w$€£.]+\s+){0,4}?"
    + r"(?:funding|financing|investment|capital|round)\b",
    re.IGNORECASE,
)
#: investor first: `Google invests $2B in X` (groups `inv`, `verb`, `mid`, `co`)
EN_INVESTOR_FIRST = re.compile(
    r"^(?P<inv>[A-Z][^,;:]{0,60}?)\s+"
    r"(?i:says it will |says it |plans to |will |to |is set to |agrees to |has |have |had |could |may |might "
    r"|(?:is )?in (?:advanced )?talks to )?"
    r"(?P<verb>(?i:invests?|invested|investing|backs|leads|led|co-leads|co-led|puts|pours|injects"
    # the plural `Accel and GV lead $40M round`: a bare `lead` only before money or a round word, not `takes lead in`
    r"|(?:co-)?lead(?=\s+(?:(?:a|an|the|its|new)\s+)?(?:[$€£₹]|\d|series\b|seed\b|round\b|funding\b))"
    # `SoftBank Nears $30 Billion Additional Investment in OpenAI`, `Westpac Confirms Investment in Lawpath`
    r"|(?:nears?|makes?|announces?|confirms?|completes?|finali[sz]es?|unveils?)(?=[^;]{0,40}\binvestment\s+in\b)))\b"
    r"(?P<mid>[^;]{0,60}?)"
    # `Accel and GV lead $40M round for X`: `for` only after a round word
    r"(?:\bin(?:to)?|(?<=round\s)for|(?<=funding\s)for)\s+(?:(?P<desc>(?:[\w'-]+\s+){0,4}?"
    + EN_DESCRIPTOR_WORDS
    + r"\s+)"
    r"|(?P<loose>(?:[a-z][\w'-]*\s+){1,4}?))?"  # `in film studio A24`: lowercase words before the name
    r"(?P<co>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,4})"
)
#: `Accel backs Indian AI startup X`, `Sequoia backs chip maker Y in $40M round`: a descriptor or money is required
EN_BACKS = re.compile(
    r"^(?P<inv>[A-Z][^,;:]{0,60}?(?:,\s+[A-Z][^,;:]{0,40}?)*)\s+"
    r"(?P<verb>(?i:(?:to |will |set to |plans to )?back|backs|backed|bets on|doubles down on))\s+"
    r"(?P<desc>(?:[\w'-]+\s+){0,4}?" + EN_DESCRIPTOR_WORDS + r"\s+)?(?P<co>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,4})"
)
_EN_DEAL_SIGNAL = re.compile(r"[$€£]\s?\d|\bround\b|\bseed\b|\bseries [a-k]\b", re.IGNORECASE)
#: investor first, done: `亚马逊完成对OpenAI总计500亿美元全额投资`, `国投创合完成对X的投资` (groups `inv`, `verb`, `co`)
ZH_DONE_INVESTMENT = re.compile(
    r"(?P<inv>" + ZH_STOP + r"{2,30}?)(?:已|正式)?(?P<verb>完成(?:了)?对)(?P<co>" + ZH_STOP + r"{2,40}?)"
    r"(?:的|总计|合计|共计|(?=\d|数[十百千万亿]|[约超近逾]))" + ZH_STOP + r"{0,20}?(?:投资|注资|入股)"
)
#: `Krafton leads Cashfree's $53M funding`: the company is the possessive after the lead's verb
EN_LEADS_POSSESSIVE = re.compile(
    r"^(?P<inv>[A-Z][^,;:]{0,60}?)\s+(?P<verb>(?i:leads|led|co-leads|co-led|backs))\s+"
    r"(?P<co>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,4})'s\s+" + EN_SENTENCE_CHAR + r"{0,40}?"
    r"(?i:round|funding|raise|seed|series|financing|investment)"
)
_EN_INTENT = re.compile(
    r"\b(?:in talks|in early talks|in discussions|talks to|plans? to|planning to|seeks?|seeking|looking to|aims? to"
    r"|targets?|targeting|eyes|eyeing|could raise|to raise|is raising|are raising|set to raise|considering|weighs"
    r"|weighing|explores?|exploring|in the process of raising|potential|possible|proposed|planned|upcoming|could happen"
    r"|(?<!after )(?<!since )raising|nears?|nearing|close to raising|(?:could|may|might) invest"
    r"|target(?:s|ing)? (?:a |an )?(?:series|seed|round))\b",
    re.IGNORECASE,
)
#: words of a commitment not yet closed (`signs`, `will invest`)
EN_ANNOUNCED = re.compile(r"\b(?:signs?|signed|to invest|will invest|commits?|committed)\b", re.IGNORECASE)

#: a summary saying the round is done (`Ant International has closed a $1.2B round`) outweighs a title's `seeks`
_CLOSED = re.compile(
    r"\bhas (?:closed|raised|secured|completed)\b|\bclosed an? " + EN_SENTENCE_CHAR + r"{0,40}?\b(?:round|financing)\b"
    r"|已完成|宣布完成",
    re.IGNORECASE,
)
#: a summary hedging the round (`This round, should it occur, …`, 尚未敲定): not closed, whatever the title's verb
_HEDGE = re.compile(
    r"\bshould it (?:occur|happen|close|go ahead)\b|\bif (?:it|the deal|the round) (?:closes|happens|goes through)\b"
    r"|\b(?:has|have) not (?:yet )?(?:closed|been finali[sz]ed)\b|尚未(?:最终)?(?:敲定|确定|完成|交割)",
    re.IGNORECASE,
)
#: words that put a clause in the past (an earlier round): its round, amount and investors are not this round's
PREVIOUS = re.compile(
    r"此前|曾获|曾完成|曾经|曾于|曾在|上一轮|前一轮|上轮|去年|早前|previously|\bprior\b|\bearlier\b(?!\s+(?:today|this\s+(?:week|month)))"
    r"|last year|\bin 20\d\d\b"
    r"|\bup from\b|\bafter (?:its|a|raising)\b|\bfollows?\b|\bfollowing (?:its|a)\b",
    re.IGNORECASE,
)


def find_trigger(text: str) -> re.Match[str] | None:
    """The earliest funding trigger in `text`: company-first (X获…融资), planned (拟融资) or investor-first (Y投资X).

    An investor-first match counts from its verb, and never when its investor part holds a company trigger
    (`Plaud获头部大厂投资` is company-first).
    """
    found: list[tuple[int, re.Match[str]]] = []
    for pattern in (ZH_POSITIVE, ZH_PLANNED, EN_POSITIVE, ZH_BARE_AMOUNT, ZH_RAISED_IN_ROUND):
        match = pattern.search(text)
        if match is not None:
            found.append((match.start(), match))
    done = ZH_DONE_INVESTMENT.search(text)
    if done is not None and not _ZH_NOT_INVESTOR.search(done.group("inv")):
        found.append((done.start("verb") - 1, done))  # before the 完成 it shares with the company-first pattern
    for pattern in (ZH_INVESTOR_FIRST, EN_INVESTOR_FIRST, EN_LEADS_POSSESSIVE, EN_BACKS):
        for match in pattern.finditer(text):
            if re.search(_ZH_TRIGGER + "|" + _EN_VERB + "|" + _EN_WEAK_VERB, match.group("inv"), re.IGNORECASE):
                continue
            if pattern is ZH_INVESTOR_FIRST and not _plausible_zh_investor_first(match, text):
                continue
            after = text[match.end() :]
            if pattern is ZH_INVESTOR_FIRST and (
                re.match(r"\s*、", after)
                or (re.match(r"\s*(?:[,;:。]|$)", after) and (found or "由" in match.group("inv")))
            ):
                continue  # `红杉领投，X完成…`, `由Y领投、Z参与`: no target after the verb, so no investor-first deal
            generic = re.fullmatch(r"(?:investors|vcs|backers|angels)", match.group("inv").strip(), re.IGNORECASE)
            if pattern is EN_BACKS and not (match.group("desc") or generic or _EN_DEAL_SIGNAL.search(text)):
                continue  # `Ancelotti backs CR7 as 'the GOAT'`: backing, not an investment
            found.append((match.start("verb"), match))
            break
    # on a tie `Acme completes investment in Beta` is Acme's investment in Beta, not Acme's round
    return min(found, key=lambda pair: (pair[0], pair[1].re is not EN_INVESTOR_FIRST))[1] if found else None


def _plausible_zh_investor_first(match: re.Match[str], text: str) -> bool:
    """`Y投资X` names an investment only when Y reads as an investor and X as a target, with a deal signal.

    `全球AI投资今年将突破…`, `投资机遇`, `交易员押注欧元` are topics; 押注/加注/参投 and a plain 投资 also need an
    amount, a round word or a quoted target, unless the investor's name reads as an investor's (资本, 基金, 腾讯).
    """
    investor = match.group("inv").strip()
    target = text[match.end() :].lstrip()
    if _CAPITAL_SPENDING.search(investor.rsplit("向", 1)[-1]):
        return False  # `本项目计划投资10亿元`, `在美国投资`, `向全球研发实验室网络投资`: capital spending
    if "向" in investor and not _ZH_NOT_INVESTOR.search(investor.split("向")[0]):
        return True  # `腾讯向「智谱」投资10亿元`: the company sits between 向 and the verb
    if _ZH_NOT_INVESTOR.search(investor) or _ZH_NOT_TARGET.match(target) or not target.strip():
        return False
    clause = re.split(r"[,;。!?]", target)[0]
    if re.match(_ZH_AMOUNT_START + r"|接近|约", clause) and re.search(
        r"建设|项目|产业园|基地|工厂|产线|扩产|用于", clause
    ):
        return False  # `拟投资22亿元建设光伏项目`: capital spending, not an investment in a company
    if re.match(r"接近|约|超|近|逾|\d", clause) or re.search(r"(?:之?后|时)$", clause):
        return False  # `美国投资接近6000亿美元`, `押注…RSI后，`: an amount or a time clause, not a company
    if match.group("verb") in ("领投", "战略投资", "注资", "入股"):
        return True
    # a quote is a signal only around the target (`押注「X」`), not anywhere (`机器人先“预演”再行动`)
    signal = re.search(r"轮|" + _ZH_AMOUNT_START + r"\S{0,3}\s?[亿万元]", text) or re.match(r"[「“\"]", target)
    if match.group("verb") in ("押注", "加注", "参投"):
        # `大客户押注白银三个月内涨至90美元`: a bet on a price, not an investment
        return signal is not None and not re.search(r"涨|跌|升至|降至|反弹|回落|走高|走低|降息|加息", clause)
    tail = re.split(r"等|旗下", investor)[0].strip()
    return signal is not None or bool(_ZH_INVESTOR_SUFFIX.search(tail))


def round_status(title: str, summary: str, trigger: re.Match[str] | None, investor_first: bool) -> str:
    """`planned` for talks and intentions, `announced` for commitments not yet closed, else `completed` (a report
    of a closed round, 据报道 or "reportedly", is completed)."""
    lead_sentence = first_sentence(summary)
    # 据报道 / according to people familiar is where the news came from, not a sign the round is still open
    # (issue 13): only talks, intentions and targets make a round planned.
    if trigger is not None and trigger.re is ZH_PLANNED:
        return "planned"
    still_open = _ZH_INTENT.search(lead_sentence) or _EN_INTENT.search(lead_sentence)
    closed = _CLOSED.search(lead_sentence) and not still_open
    for intent in (_ZH_INTENT.search(title), _EN_INTENT.search(title)):
        if intent is not None and (trigger is None or intent.start() <= trigger.end()) and not closed:
            return "planned"
    if _HEDGE.search(lead_sentence):
        return "planned"
    if investor_first and trigger is not None and trigger.re is ZH_INVESTOR_FIRST:
        # an investor's announcement (Y投资X) unless the stake is on record (入股, 参投) or the company says 完成
        done = (
            trigger.group("verb") in ("入股", "参投", "押注", "加注")
            or "完成" in lead_sentence
            or "已" in title[trigger.end("inv") : trigger.start("verb")]  # `腾讯已投资星河智能`
        )
        if done and not re.search(r"宣布|将|拟|签署|计划|同意|承诺", title[: trigger.start("verb")]):
            return "completed"
        return "announced"
    if investor_first or (EN_ANNOUNCED.search(title) and trigger is not None and trigger.re is EN_INVESTOR_FIRST):
        return "announced"
    if re.search(r"宣布(?!完成)" + ZH_STOP + r"{0,10}(?:战略投资|投资|入股|注资)", title):
        return "announced"
    return "completed"
