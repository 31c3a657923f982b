"""Robustness probes of the funding rules (issue 13.1): hand-written headlines that vary the common phrasings of
funding news one at a time — descriptors, round words, amount forms, investor phrases, word order, trigger verbs —
each read by the conventions of `tests/funding_eval/README.md`. None is a real headline; none is in the eval set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.funding_cases import case_ids, round_fields, rounds_of

M = 1_000_000
Y = 100 * M  # 亿

# (probe class, title, summary, expected fields of the one round); amounts as (min, max, currency)
ROUNDS: list[tuple[str, str, str, dict[str, Any]]] = [
    # Chinese: the words describing the company before its name
    (
        "probe zh descriptor",
        "具身智能领域初创公司星河智能完成数千万元天使轮融资",
        "",
        {"company": "星河智能", "round": "Angel"},
    ),
    ("probe zh descriptor", "AI芯片赛道企业云帆微电子获得近亿元A轮融资", "", {"company": "云帆微电子", "round": "A"}),
    ("probe zh descriptor", "专注大模型推理的深蓝智算完成Pre-A轮融资", "", {"company": "深蓝智算", "round": "Pre-A"}),
    ("probe zh descriptor", "机器人公司极光动力宣布完成B1轮融资", "", {"company": "极光动力", "round": "B1"}),
    ("probe zh descriptor", "「青禾数据」完成A+轮融资", "", {"company": "青禾数据", "round": "A+"}),
    ("probe zh descriptor", "AI医疗影像公司明镜医疗获种子轮融资", "", {"company": "明镜医疗", "round": "Seed"}),
    # Chinese: round words
    ("probe zh round", "星河智能完成新一轮融资", "", {"company": "星河智能", "round": "Undisclosed"}),
    ("probe zh round", "星河智能完成首轮融资", "", {"company": "星河智能", "round": "First"}),
    ("probe zh round", "星河智能获新一轮战略投资", "", {"company": "星河智能", "round": "Strategic"}),
    ("probe zh round", "星河智能完成战略融资", "", {"company": "星河智能", "round": "Strategic"}),
    ("probe zh round", "星河智能完成C2轮融资", "", {"round": "C2"}),
    ("probe zh round", "星河智能完成Pre-B轮融资", "", {"round": "Pre-B"}),
    ("probe zh round", "星河智能完成天使+轮融资", "", {"round": "Angel+"}),
    # Chinese: amount forms
    ("probe zh amount", "星河智能完成数千万元A轮融资", "", {"amount": (10 * M, 100 * M, "CNY")}),
    ("probe zh amount", "星河智能完成近亿元A轮融资", "", {"amount": (80 * M, Y, "CNY")}),
    ("probe zh amount", "星河智能完成超2亿元B轮融资", "", {"amount": (2 * Y, None, "CNY")}),
    ("probe zh amount", "星河智能完成1.5亿美元C轮融资", "", {"amount": (150 * M, 150 * M, "USD")}),
    ("probe zh amount", "星河智能完成逾3亿元B轮融资", "", {"amount": (3 * Y, None, "CNY")}),
    ("probe zh amount", "星河智能完成约5000万元A轮融资", "", {"amount": (50 * M, 50 * M, "CNY")}),
    ("probe zh amount", "星河智能完成上亿元A轮融资", "", {"amount": (Y, None, "CNY")}),
    ("probe zh amount", "星河智能完成数亿人民币B轮融资", "", {"amount": (Y, 10 * Y, "CNY")}),
    ("probe zh amount", "星河智能完成3-5亿元C轮融资", "", {"amount": (3 * Y, 5 * Y, "CNY")}),
    ("probe zh amount", "星河智能完成3亿至5亿元C轮融资", "", {"amount": (3 * Y, 5 * Y, "CNY")}),
    ("probe zh amount", "星河智能完成4到5亿美元D轮融资", "", {"amount": (4 * Y, 5 * Y, "USD")}),
    ("probe zh amount", "星河智能完成数千万美元A轮融资", "", {"amount": (10 * M, 100 * M, "USD")}),
    ("probe zh amount", "星河智能完成2000万元天使轮融资", "", {"amount": (20 * M, 20 * M, "CNY")}),
    ("probe zh amount", "星河智能完成A轮融资，金额数亿元", "", {"amount": (Y, 10 * Y, "CNY")}),
    # Chinese: investor phrases
    ("probe zh investors", "星河智能完成A轮融资，由红杉中国领投、高瓴跟投", "", {"leads": ["红杉中国"]}),
    ("probe zh investors", "星河智能完成B轮融资，红杉中国、高瓴联合领投", "", {"leads": ["红杉中国", "高瓴"]}),
    ("probe zh investors", "星河智能完成天使轮融资，奇绩创坛独家投资", "", {"leads": ["奇绩创坛"]}),
    ("probe zh investors", "星河智能完成Pre-A轮融资，投资方为蓝驰创投", "", {"leads": ["蓝驰创投"]}),
    ("probe zh investors", "星河智能完成A轮融资，经纬创投领投，源码资本、线性资本参投", "", {"leads": ["经纬创投"]}),
    ("probe zh investors", "星河智能完成A+轮融资，红杉中国领投，老股东经纬创投持续加注", "", {"leads": ["红杉中国"]}),
    (
        "probe zh investors",
        "星河智能完成B轮融资",
        "本轮融资由红杉中国和高瓴共同领投，老股东经纬创投跟投。",
        {"leads": ["红杉中国", "高瓴"]},
    ),
    (
        "probe zh investors",  # a financial advisor is no investor
        "星河智能完成数亿元B轮融资",
        "本轮融资由红杉中国领投，华兴资本担任独家财务顾问。",
        {"leads": ["红杉中国"]},
    ),
    (
        "probe zh investors",
        "星河智能完成数千万元A轮融资",
        "本轮融资由经纬创投领投，光源资本担任本轮独家财务顾问。",
        {"leads": ["经纬创投"]},
    ),
    # Chinese: word order
    ("probe zh order", "红杉中国领投星河智能B轮融资", "", {"company": "星河智能", "round": "B", "leads": ["红杉中国"]}),
    ("probe zh order", "星河智能获红杉中国投资", "", {"company": "星河智能", "leads": ["红杉中国"]}),
    ("probe zh order", "腾讯投资星河智能", "", {"company": "星河智能", "leads": ["腾讯"]}),
    (
        "probe zh order",
        "星河智能宣布完成2亿元B轮融资",
        "",
        {"company": "星河智能", "amount": (2 * Y, 2 * Y, "CNY"), "status": "completed"},
    ),
    # Chinese: trigger verbs
    ("probe zh verb", "星河智能获得数千万元A轮融资", "", {"company": "星河智能", "round": "A"}),
    ("probe zh verb", "星河智能获数千万元A轮融资", "", {"company": "星河智能", "round": "A"}),
    ("probe zh verb", "星河智能斩获亿元B轮融资", "", {"company": "星河智能", "round": "B"}),
    ("probe zh verb", "星河智能拿下数亿元C轮融资", "", {"company": "星河智能", "round": "C"}),
    ("probe zh verb", "星河智能官宣完成A轮融资", "", {"company": "星河智能", "round": "A"}),
    ("probe zh verb", "星河智能拟融资5亿元", "", {"company": "星河智能", "status": "planned"}),
    # English: phrasings of a round
    (
        "probe en verb",
        "Nimbus raises $40M Series B led by Accel",
        "",
        {"company": "Nimbus", "round": "B", "amount": (40 * M, 40 * M, "USD"), "leads": ["Accel"]},
    ),
    (
        "probe en verb",
        "Nimbus lands $12M to build AI agents",
        "",
        {"company": "Nimbus", "amount": (12 * M, 12 * M, "USD")},
    ),
    ("probe en verb", "Nimbus secures $12M seed round", "", {"company": "Nimbus", "round": "Seed"}),
    ("probe en verb", "Nimbus nabs $8M from Sequoia", "", {"company": "Nimbus", "leads": ["Sequoia"]}),
    ("probe en verb", "Nimbus bags $30M Series A", "", {"company": "Nimbus", "round": "A"}),
    ("probe en verb", "Nimbus snags $5 million in seed funding", "", {"company": "Nimbus", "round": "Seed"}),
    ("probe en verb", "Nimbus closes $25M Series A", "", {"company": "Nimbus", "round": "A"}),
    ("probe en verb", "Nimbus gets $10M from Index Ventures", "", {"company": "Nimbus", "leads": ["Index Ventures"]}),
    (
        "probe en order",
        "Accel leads $40M round in Nimbus",
        "",
        {"company": "Nimbus", "leads": ["Accel"], "amount": (40 * M, 40 * M, "USD")},
    ),
    (
        "probe en order",
        "Nimbus, a robotics startup, has raised $30 million in a Series A round led by Accel with participation "
        "from Index Ventures and GV",
        "",
        {"company": "Nimbus", "round": "A", "leads": ["Accel"], "amount": (30 * M, 30 * M, "USD")},
    ),
    (
        "probe en investors",
        "Nimbus raises $50M Series B co-led by Accel and GV",
        "",
        {"leads": ["Accel", "GV"]},
    ),
    ("probe en round", "Nimbus raises $3M seed round", "", {"round": "Seed", "amount": (3 * M, 3 * M, "USD")}),
    ("probe en round", "Nimbus raises $20 million in new funding", "", {"round": "Undisclosed"}),
    (
        "probe en amount",  # the valuation is not the amount
        "Nimbus raises $100M at a $1B valuation",
        "",
        {"amount": (100 * M, 100 * M, "USD")},
    ),
    (
        "probe en amount",
        "Nimbus raises $100 million Series C at $1.2 billion valuation led by Accel",
        "",
        {"amount": (100 * M, 100 * M, "USD"), "round": "C", "leads": ["Accel"]},
    ),
    (
        "probe en investors",  # existing backers are not this round's leads
        "Accel-backed Nimbus raises $15M",
        "",
        {"company": "Nimbus", "leads": []},
    ),
    (
        "probe en investors",
        "Nimbus, backed by Sequoia, raises $15M Series A",
        "",
        {"company": "Nimbus", "leads": []},
    ),
    (
        "probe en investors",  # a financial advisor is no investor
        "Nimbus raises $60M Series B",
        "The round was led by Accel. Goldman Sachs acted as financial advisor to Nimbus.",
        {"leads": ["Accel"]},
    ),
    (
        "probe en investors",
        "Nimbus raises $60M",
        "The Series B round was led by Accel, with participation from existing investors GV and Index Ventures.",
        {"leads": ["Accel"], "round": "B"},
    ),
    ("probe en amount", "Nimbus raises more than $20M", "", {"amount": (20 * M, None, "USD")}),
    ("probe en amount", "Nimbus raises nearly $20M", "", {"amount": (16 * M, 20 * M, "USD")}),
    ("probe en amount", "Nimbus raises €15M Series A", "", {"amount": (15 * M, 15 * M, "EUR")}),
    ("probe en status", "Nimbus is in talks to raise $200M", "", {"company": "Nimbus", "status": "planned"}),
    # failing before this sweep: the investor's clause first, then the company's own trigger
    (
        "probe zh order",
        "红杉中国领投，星河智能完成亿元A轮融资",
        "",
        {"company": "星河智能", "round": "A", "amount": (Y, Y, "CNY"), "leads": ["红杉中国"]},
    ),
    ("probe zh order", "红杉领投，“星河智能”完成亿元A轮融资", "", {"company": "星河智能", "leads": ["红杉"]}),
    (
        "probe zh order",
        "腾讯、阿里联合领投，星河智能完成B轮融资",
        "",
        {"company": "星河智能", "leads": ["腾讯", "阿里"]},
    ),
    (
        "probe zh order",
        "红杉中国独家投资，星河智能完成数千万元天使轮融资",
        "",
        {"company": "星河智能", "round": "Angel", "leads": ["红杉中国"]},
    ),
    # failing before: a kicker before the colon (a sector word, an IPO) is no aggregate before the company's trigger
    ("probe zh kicker", "具身智能赛道再融资：星河智能完成5亿元A轮融资", "", {"company": "星河智能", "round": "A"}),
    ("probe zh kicker", "冲刺IPO：星河智能完成Pre-IPO轮融资", "", {"company": "星河智能", "round": "Pre-IPO"}),
    (
        "probe zh previous",  # failing before: `曾于…完成由Y领投的A轮` is an earlier round, its lead not this round's
        "星河智能完成B轮融资",
        "此前，星河智能曾于2024年完成由红杉中国领投的A轮融资。",
        {"round": "B", "leads": []},
    ),
    (
        "probe en order",  # failing before: a plural `lead`, and `round for X`
        "Accel and GV lead $40M round for Nimbus",
        "",
        {"company": "Nimbus", "leads": ["Accel", "GV"], "amount": (40 * M, 40 * M, "USD")},
    ),
    ("probe en amount", "Nimbus raises up to $15 million", "", {"amount": (None, 15 * M, "USD")}),  # failing before
    ("probe en round", "Nimbus raises $20M in Series A+ funding", "", {"round": "A+"}),  # failing before: + kept
    ("probe en round", "Nimbus raises $20M Series B++ round", "", {"round": "B++"}),
    # failing before: a round that lands (`B轮融资落地/落定`) needs no verb; the lead after a colon
    (
        "probe zh verb",
        "星河智能B轮融资落地，红杉中国领投",
        "",
        {"company": "星河智能", "round": "B", "leads": ["红杉中国"]},
    ),
    ("probe zh verb", "星河智能B轮融资落定：红杉中国领投5亿元", "", {"company": "星河智能", "leads": ["红杉中国"]}),
    # failing before: `获得Y领投` (the lead was read `得Y`), `完成Y领投的B轮融资`
    ("probe zh investors", "星河智能获得红杉中国领投5亿元B轮融资", "", {"leads": ["红杉中国"]}),
    ("probe zh investors", "星河智能完成红杉中国领投的5亿元B轮融资", "", {"leads": ["红杉中国"], "round": "B"}),
    ("probe en verb", "Nimbus nets $30M Series A", "", {"company": "Nimbus", "round": "A"}),  # failing before
    ("probe en verb", "Nimbus reels in $30M Series A", "", {"company": "Nimbus", "round": "A"}),  # failing before
    (
        "probe en order",
        "Nimbus raises $30M",
        "San Francisco-based Nimbus, which builds AI agents for insurers, said on Tuesday it has raised $30 million "
        "in a Series A round led by Accel.",
        {"round": "A", "leads": ["Accel"]},
    ),
    ("probe en investors", "Nimbus raises $30M Series A from Accel, GV", "", {"leads": []}),  # two, no lead named
    ("probe en investors", "Nvidia-backed Nimbus raises $30M Series A led by Accel", "", {"leads": ["Accel"]}),
    (
        "probe en investors",  # an earlier round's lead is not this round's
        "Nimbus raises $30M Series A",
        "The company previously raised a $10 million seed round led by Sequoia.",
        {"leads": [], "amount": (30 * M, 30 * M, "USD")},
    ),
    (
        "probe en amount",
        "Nimbus raises $30M Series A, bringing total funding to $50M",
        "",
        {"amount": (30 * M, 30 * M, "USD")},
    ),
    ("probe zh investors", "星河智能获蚂蚁集团和美团龙珠2亿元投资", "", {"leads": []}),  # two, no lead named
    (
        "probe zh amount",  # the valuation is not the amount
        "星河智能完成A轮融资，估值达10亿元",
        "本轮融资金额为2亿元，由红杉中国领投。",
        {"amount": (2 * Y, 2 * Y, "CNY"), "leads": ["红杉中国"]},
    ),
    (
        "probe zh investors",  # failing before: a bracketed role, and `由Y领投、Z参与` is no investor-first deal
        "星河智能完成A轮融资",
        "本轮融资由红杉中国（领投）、高瓴创投参与。",
        {"company": "星河智能", "leads": ["红杉中国"]},
    ),
    (
        "probe zh order",  # failing before: `超亿元` after the name (the company was read `星河智能超`)
        "红杉中国领投星河智能超亿元A轮融资",
        "",
        {"company": "星河智能", "leads": ["红杉中国"], "amount": (Y, None, "CNY")},
    ),
    ("probe zh amount", "星河智能完成1亿元至2亿元B轮融资", "", {"amount": (Y, 2 * Y, "CNY")}),  # failing before
    ("probe zh amount", "星河智能完成7000万美元（约合人民币5亿元）B轮融资", "", {"amount": (70 * M, 70 * M, "USD")}),
    ("probe zh amount", "星河智能完成近5000万美元A轮融资", "", {"amount": (40 * M, 50 * M, "USD")}),
    ("probe zh round", "星河智能完成B1轮及B2轮融资", "", {"round": "B2"}),
    ("probe zh round", "星河智能完成Pre-A+轮融资", "", {"round": "Pre-A+"}),
    ("probe zh round", "星河智能完成新一轮B轮融资", "", {"round": "B"}),
    (
        "probe zh order",
        "红杉中国战略投资星河智能",
        "",
        {"company": "星河智能", "round": "Strategic", "leads": ["红杉中国"]},
    ),
    ("probe zh order", "腾讯10亿元注资星河智能", "", {"company": "星河智能", "amount": (10 * Y, 10 * Y, "CNY")}),
    ("probe zh investors", "星河智能完成A轮融资", "红杉中国作为领投方参与本轮融资。", {"leads": ["红杉中国"]}),
]

# (probe class, title, summary): money words that are no round
NOT_ROUNDS: list[tuple[str, str, str]] = [
    ("probe zh fund", "红杉中国完成新一期美元基金募资，规模90亿美元", ""),
    ("probe zh fund", "某AI产业基金完成首关，募资规模20亿元", ""),
    ("probe zh ipo", "星河智能科创板IPO获受理，拟募资15亿元", ""),
    ("probe zh ipo", "星河智能港股上市首日大涨，募资10亿港元", ""),
    ("probe zh placement", "星河股份拟定增募资不超过20亿元", ""),
    ("probe zh buyback", "星河股份拟回购不超过1亿元股份", ""),
    ("probe zh margin", "星河股份获融资买入1.2亿元，融资余额创新高", ""),
    ("probe zh earnings", "星河股份上半年营收12亿元，净利润同比增长30%", ""),
    ("probe zh contract", "星河智能斩获2亿元机器人订单", ""),
    ("probe zh acquisition", "星河股份拟5亿元收购云帆科技", ""),
    ("probe zh loan", "星河智能获银行授信10亿元", ""),
    ("probe en fund", "Accel closes $650M early-stage fund", ""),
    ("probe en fund", "Nimbus Capital announces first close of $200M Fund II", ""),
    ("probe en ipo", "Nimbus raises $500M in IPO", ""),
    ("probe en earnings", "Nimbus reports $20M in quarterly revenue", ""),
    ("probe en contract", "Nimbus wins $50M contract from the US Army", ""),
    ("probe en acquisition", "Nimbus acquires Cirrus for $300M", ""),
    ("probe en loan", "Nimbus secures $100M credit facility", ""),
    ("probe en loan", "Nimbus secures $40M loan from Silicon Valley Bank", ""),
    ("probe en buyback", "Nimbus announces $1B share buyback", ""),
    ("probe zh ipo", "星河智能冲刺港股IPO，此前已完成5轮融资", ""),  # failing before: 冲刺…IPO, the rounds are history
    ("probe en earnings", "Nimbus nets $30M profit in second quarter", ""),
    ("probe en acquisition", "Nimbus takes lead in race to acquire Cirrus Group's paper unit", ""),  # `takes lead`
]


@pytest.mark.parametrize(("probe", "title", "summary", "expected"), ROUNDS, ids=case_ids(ROUNDS))
def test_each_probe_gives_the_fields_the_conventions_read(
    probe: str, title: str, summary: str, expected: dict[str, Any]
) -> None:
    actual, wanted = round_fields(title, summary, expected)
    assert actual == wanted


@pytest.mark.parametrize(("probe", "title", "summary"), NOT_ROUNDS, ids=case_ids(NOT_ROUNDS))
def test_money_words_that_are_no_round_give_no_round(probe: str, title: str, summary: str) -> None:
    assert rounds_of(title, summary) == []
