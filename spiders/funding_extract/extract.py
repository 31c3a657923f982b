"""The entry point: one news item in, its FundingRound items out (classify, split, read each deal)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from spiders.cn_amounts import Amount
from spiders.funding_extract.amounts import amount_roles, exact_within, first_of, original_currency
from spiders.funding_extract.classification import classify
from spiders.funding_extract.companies import (
    Company,
    company_after,
    company_before,
    company_from_summary,
    is_person_in,
    sector_near,
    valid_name,
    without_place,
    zh_company,
)
from spiders.funding_extract.deal import Deal, round_item
from spiders.funding_extract.investors import (
    FA_CLAUSE,
    en_names,
    find_investors,
    is_investor_name,
    sole_investors,
    split_names,
    unique,
)
from spiders.funding_extract.rounds import ZH_LABEL, find_round, normalise_round
from spiders.funding_extract.roundups import pieces
from spiders.funding_extract.text import ZH_STOP, clean_title, language, normalise_text
from spiders.funding_extract.triggers import (
    EN_ANNOUNCED,
    EN_BACKS,
    EN_INVESTOR_FIRST,
    EN_LEADS_POSSESSIVE,
    PREVIOUS,
    ZH_BARE_AMOUNT,
    ZH_DONE_INVESTMENT,
    ZH_INVESTOR_FIRST,
    ZH_PLANNED,
    find_trigger,
    round_status,
)
from spiders.items import FundingRound


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
    the text does not. Talks and intentions come back with status `planned`; previous rounds, totals, converted
    currencies and revenue figures never become this round's fields. Each deal of a split item gets its own URL
    (`…#deal-2`) so storage keeps one mention per deal.
    """
    # `由红杉中国（领投）、高瓴参与`: a bracketed role reads as the role word itself
    clean_summary = re.sub(r"\((领投|跟投|参投)\)", r"\1", normalise_text(summary, keep_lines=True))
    found = pieces(re.sub(r"\((领投|跟投|参投)\)", r"\1", clean_title(title)), clean_summary)
    rounds: list[FundingRound] = []
    for piece_title, piece_summary, ready in found:
        if ready is None:
            if not classify(piece_title, piece_summary).is_round:
                continue
            deal = _extract_deal(piece_title, piece_summary, company_hint if len(found) == 1 else None)
        else:
            deal = ready
        if deal is None or deal.company is None or is_investor_name(deal.company):
            continue
        rounds.append(
            round_item(
                deal,
                headline=title,
                url=url,
                source=source,
                published_at=published_at,
                observed_at=observed_at,
                piece_title=piece_title,
                piece_summary=piece_summary,
                categories=categories,
            )
        )
    if len(rounds) > 1:
        for index, item in enumerate(rounds, start=1):
            item.url = f"{url}#deal-{index}"
    return rounds


def _extract_deal(title: str, summary: str, company_hint: str | None) -> Deal | None:
    """Every field of the one deal in (title, summary); None when no company can be named."""
    lang = language(title + summary)
    deal = Deal()
    trigger = find_trigger(title)
    investor_first = False
    if trigger is not None and trigger.re in (ZH_INVESTOR_FIRST, EN_INVESTOR_FIRST, EN_LEADS_POSSESSIVE, EN_BACKS):
        _investor_first(trigger, title, deal)
        investor_first = trigger.re is ZH_INVESTOR_FIRST or bool(
            EN_ANNOUNCED.search(title) or re.search(r"\binvests?\b|\bbacks\b", title, re.IGNORECASE)
        )
    elif trigger is not None and trigger.re is ZH_DONE_INVESTMENT:
        company = zh_company(trigger.group("co"))
        deal.company, deal.sector = company.name, company.sector
        deal.leads = split_names(trigger.group("inv"), "zh")[:1]
    elif trigger is not None:
        prefix = title[: trigger.start()]
        if trigger.re is ZH_PLANNED:
            prefix = re.sub(r"(?:正|正在)$", "", prefix)
        company = company_before(prefix)
        deal.company, deal.sector = company.name, company.sector
    if deal.company is None and trigger is not None and trigger.re is not ZH_BARE_AMOUNT:
        # `融资2.5亿美元` names its company before it; with none there it is a total
        # (`A股市场股权融资1.71万亿元，募集…`)
        deal.company = company_after(_rest_of_clause(title, trigger)).name
    from_summary = company_from_summary(summary)
    if deal.company is None or (
        from_summary.name
        and summary.strip()
        and (
            deal.company.casefold() not in normalise_text(summary).casefold()
            or (from_summary.name != deal.company and is_person_in(deal.company, normalise_text(summary)))
        )
    ):
        # the title's "name" never appears in the summary, which names its own subject: a description in the title
        deal.company = from_summary.name or deal.company
        deal.sector = deal.sector or from_summary.sector
    if deal.company is None and company_hint:
        deal.company = valid_name(normalise_text(company_hint))
    if deal.company is None:
        return None
    current = _current_clauses(summary)
    deal.sector = deal.sector or sector_near(deal.company, (title, current))
    deal.round_raw = _round_written(title, current, lang)
    title_rounds, title_valuations = amount_roles(title, lang)
    summary_rounds, summary_valuations = amount_roles(current, lang)
    if trigger is not None:
        in_clause = [a for a in title_rounds if _same_clause(title, a.start, trigger.start())]
        # `离开200亿星海图，…，雷军追着给他投资`: a figure in another clause is this round's only when nothing else is
        title_rounds = in_clause or ([] if summary_rounds else title_rounds)
    elif summary_rounds:
        title_rounds = []  # a title with no trigger: its figures are about something else, the summary's round is it
    exact = [a for a in summary_rounds if _money_of_this_round(current, a)]
    deal.amount = original_currency(exact_within(first_of(title_rounds, summary_rounds), exact), summary)
    deal.valuation = first_of(title_valuations, summary_valuations)
    leads, others = find_investors((title, current), lang)
    deal.leads = unique([*deal.leads, *leads])
    deal.investors = [n for n in unique([*deal.investors, *others]) if n not in deal.leads]
    if not deal.leads and not deal.investors:
        named, more = sole_investors(title, lang)
        in_summary, more_in_summary = sole_investors(current, lang)
        if not named or (len(named) == len(in_summary) == 1 and in_summary[0].startswith(named[0] + " ")):
            named, more = in_summary, more_in_summary  # `nabs $200M from Insight` + `from Insight Partners`
        if not named:
            named, more = _summary_investor_first(current)
        # A sole named investor counts as the lead; several, or `Y等`, with no lead named are plain investors (§4.8).
        if len(named) == 1 and not more:
            deal.leads = named
        else:
            deal.investors = named
    if trigger is None:
        # `蚂蚁灵波确认融资传闻`: no trigger in the title, the summary's lead says what the round is (拟募资 -> planned)
        lead = current.split("。")[0]
        deal.status = round_status(lead, "", find_trigger(lead), False)
    else:
        deal.status = round_status(title, summary, trigger, investor_first)
    return deal


def _money_of_this_round(current: str, amount: Amount) -> bool:
    """Whether a summary amount is written as money in a clause about this round (not `听力残疾人约有2,780万`)."""
    if not re.search(r"[元币$€£¥₹]|USD|RMB|CNY|dollar|euro|pound|yuan|rupee", amount.text, re.IGNORECASE):
        return False
    start = max(current.rfind(mark, 0, amount.start) for mark in ",;。.")
    clause = current[start + 1 : amount.end + 12]
    return bool(re.search(r"融资|轮|投资|募|raise|round|funding|financing|invest", clause, re.IGNORECASE))


def _summary_investor_first(current: str) -> tuple[list[str], bool]:
    """`英伟达50亿美元投资SSI。` in the summary: its investor, and whether it is one of several (`Y等`)."""
    trigger = find_trigger(current)
    if trigger is None or trigger.re is not ZH_INVESTOR_FIRST:
        return [], False
    names = split_names(re.split(r"[,;。]", trigger.group("inv"))[-1], "zh")
    return names, "等" in trigger.group("inv")


def _current_clauses(summary: str) -> str:
    """The summary without clauses about earlier rounds, totals, registered capital or advisers (此前…, 财务顾问)."""
    kept: list[str] = []
    for sentence in re.split(r"(?<=[。!?;])|(?<=[.!?])\s+|\n", summary):
        clauses = re.split(r"(?<=,)|\s(?=since\b|after\b|following\b|bringing\b)", sentence)
        kept.append(
            "".join(c for c in clauses if not PREVIOUS.search(c) and not FA_CLAUSE.search(c) and "注册资本" not in c)
        )
    return " ".join(k.strip() for k in kept if k.strip())


def _round_written(title: str, current: str, lang: str) -> str | None:
    """The round as written: the title's, unless the summary names it where the title does not (新一轮 -> A++轮)
    or more precisely (天使轮 -> 天使+轮)."""
    in_title, in_summary = find_round(title, lang), find_round(current, lang)
    if in_summary is None or in_title is None:
        return in_title or in_summary
    title_round, summary_round = normalise_round(in_title), normalise_round(in_summary)
    if title_round == "Undisclosed" and summary_round != "Undisclosed":
        return in_summary
    if summary_round.startswith(title_round) and summary_round[len(title_round) :].strip("+") == "":
        return in_summary if summary_round != title_round else in_title
    return in_title or in_summary


def _same_clause(text: str, start: int, trigger_at: int) -> bool:
    """Whether position `start` lies in the clause of the trigger (no , ; 。 between them)."""
    low, high = sorted((start, trigger_at))
    return not re.search(r"[,;。!?]", text[low:high])


def _rest_of_clause(title: str, trigger: re.Match[str]) -> str:
    """The title after the trigger's clause (`前海母基金数亿元押注，Om AI联汇…` -> `，Om AI联汇…`)."""
    rest = title[trigger.end() :]
    cut = re.search(r"[,:]", rest)
    return rest[cut.start() :] if cut else ""


_EN_INVESTOR_HEDGE = re.compile(
    r"\s+(?:is|are|was|were)?\s*(?:reportedly|said to be|understood to be)?\s*"
    r"(?:in (?:early |advanced |final )?(?:talks|discussions|negotiations)|considering|weighing|planning)?\s*$"
)


def _investor_first(trigger: re.Match[str], title: str, deal: Deal) -> None:
    """`Y投资X`, `Y领投AI公司「X」`, `Y向X投资`, `Google to invest $2B in X`: the company comes after the verb."""
    if trigger.re in (EN_INVESTOR_FIRST, EN_LEADS_POSSESSIVE, EN_BACKS):
        deal.company = valid_name(
            without_place(trigger.group("co")).split("'s")[0]
        )  # `Skye's AI home screen app` -> Skye
        # `Amazon is reportedly in talks to invest`: the hedge is not part of the investor's name
        names = en_names(_EN_INVESTOR_HEDGE.sub("", trigger.group("inv")))
        if len(names) == 1 or re.match(r"(?i)(?:co-)?lead", trigger.group("verb")):
            deal.leads = names
        else:
            deal.investors = names  # `Bill Gurley, Jack Altman back startup X`: backers, none named the lead
        return
    investors = trigger.group("inv")
    if "向" in investors:  # 腾讯向「智谱」投资: the company sits between 向 and the verb
        investors, target = investors.rsplit("向", 1)
    else:
        target = re.split(
            r"[,;。]|(?="
            + ZH_LABEL
            + r"\s*轮)|(?=\d|数[十百千万亿]|[近超逾约过上](?:\d|数|亿|[千百]万)|亿|[千百]万)|的(?="
            + ZH_STOP
            + r"*轮)|(?=新一轮|融资)",
            title[trigger.end() :],
        )[0]
    company = zh_company(target) if target.strip() else Company(None)
    deal.company, deal.sector = company.name, company.sector
    names = split_names(investors, "zh")
    if trigger.group("verb") == "领投" or (len(names) == 1 and not re.search(r"等\s*$", investors)):
        deal.leads = names
    else:
        deal.investors = names  # `华为哈勃等入股X`: one of several, not the lead
