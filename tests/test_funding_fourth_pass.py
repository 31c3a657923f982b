"""The funding rules of the fourth pass (issue 13.1), one general reading per case, on real dev-half headlines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.funding_cases import case_ids, round_fields, rounds_of

M = 1_000_000

# (dev item, title, summary, expected fields of the one round); amounts as (min, max, currency)
ROUNDS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "gnews26-32",  # a lowercase pre-IPO is the Pre-IPO round
        "“新川电子”完成近亿元pre-IPO轮融资",
        "",
        {"company": "新川电子", "round": "Pre-IPO", "amount": (80 * M, 100 * M, "CNY")},
    ),
    (
        "gnews26-36",  # 由Y独家出资 names Y whole, 投资基金 and all
        "科诺美获数千万元投资，聚焦超高效液相色谱系统",
        "近日，科诺美已完成数千万元人民币战略融资，由北京市医药健康产业投资基金独家出资，募集资金将用于扩大经营。",
        {"company": "科诺美", "round": "Strategic", "leads": ["北京市医药健康产业投资基金"]},
    ),
    (
        "tidewire-146",  # a span of time before the verb is not part of the name
        "材科源图三个月完成两轮融资，AI全链路闭环加速材料产业化",
        "",
        {"company": "材科源图", "amount": (None, None, None)},
    ),
    (
        "gnews26-16",  # 首次披露融资 reports rounds; `三轮数亿元` is the sum of three rounds, not this round's size
        "Current Robotics元流首次披露融资：三轮数亿元，曹曦智元投了",
        "投资界获悉，人形智能公司Current Robotics（ 元流 ）首次披露融资已完成 种子轮、天使轮、Pre-A轮 融资，"
        "累计金额达 数亿元。",
        {"round": "Pre-A", "amount": (None, None, None)},
    ),
    (
        "rsshub36kr-3",  # an IPO plan in a clause after the round is an aside
        "“镁信健康”完成超20亿元C轮融资，今年底拟冲击上市",
        "",
        {"company": "镁信健康", "round": "C", "amount": (2000 * M, None, "CNY")},
    ),
    (
        "rsshub36kr-12",  # `在Y领投的A轮融资中获得了N`; 该团队 points back at the subject of `X是一个…平台`
        "00后创始人为Z世代学生做了个专注于学习的社交平台，最新获投1000万欧元",
        "Knowunity是一个为年轻一代学生打造的数字学习平台。该团队刚刚在 Redalpine 和 Stride 共同领投的 A 轮融资中获得了"
        " 1000 万欧元（约为1071万美元）的新资金。",
        {"company": "Knowunity", "round": "A", "leads": ["Redalpine", "Stride"], "amount": (10 * M, 10 * M, "EUR")},
    ),
    (
        "tidewire-230",  # 同步宣布完成: the subject is the quoted name before 发布, not the product it launched
        "“橡木果机器人”发布Natus具身本能模型",
        "36氪获悉，近日，具身操作公司“橡木果机器人”（Acorn Robot）正式发布“Natus AGE-0具身本能模型”，"
        "同步宣布完成天使轮融资。"
        "本轮融资由招商局创投、蔚来资本共同领投。",
        {"company": "橡木果机器人", "round": "Angel", "leads": ["招商局创投", "蔚来资本"]},
    ),
    (
        "tidewire-235",  # `…成员创立的 X` names X; 种子前轮 is Pre-Seed
        "前 DeepMind 机器人团队创业：工人手把手教，机器人 10 分钟学会新技能",
        "前谷歌 DeepMind 应用机器人团队成员创立的 Reimagine Robotics（R2）完成种子前轮融资，推出交互式机器人平台。",
        {"company": "Reimagine Robotics", "round": "Pre-Seed"},
    ),
    (
        "tidewire-239",  # the title's subject raising money in the summary's first sentence
        "Discovered Materials is playing AI whack-a-mole to hunt cooler chips",
        "Discovered Materials raised $9 million to fund the hunt for more novel materials to build efficient chips.",
        {"company": "Discovered Materials", "amount": (9 * M, 9 * M, "USD")},
    ),
    (
        "tidewire-44",  # rounds counted over a span of time are a round report; their total is not this round's
        "西湖机器人半年 4 轮融资、总额 5 亿元，押注具身智能「GPT 时刻」",
        "",
        {"company": "西湖机器人", "amount": (None, None, None)},
    ),
    (
        "tcdigest-35",  # a potential round is a round in the making
        "Sources: Anthropic potential $900B+ valuation round could happen within 2 weeks",
        "",
        {"company": "Anthropic", "status": "planned"},
    ),
    (
        "probe",  # a valuation `in tender offer` is a secondary round; rounds run past Series H
        "Stripe valued at $91.5B in tender offer",
        "",
        {"company": "Stripe", "round": "Secondary", "amount": (None, None, "USD")},
    ),
    ("probe", "Databricks raises $10B Series J", "", {"company": "Databricks", "round": "J"}),
    ("probe", "星河智能获得阿里巴巴10亿元战略投资", "", {"company": "星河智能", "leads": ["阿里巴巴"]}),  # 获得, not 获
    (
        "probe",  # a span of time in another clause is no period sum
        "成立仅半年，星河智能获数亿元天使轮融资",
        "",
        {"company": "星河智能", "round": "Angel", "amount": (100 * M, 1000 * M, "CNY")},
    ),
    (
        "probe",  # a hedge and the valuation before the verb are not part of the name
        "具身智能独角兽星河智能据悉正以30亿美元估值洽谈新一轮融资",
        "",
        {"company": "星河智能", "status": "planned"},
    ),
    ("probe", "消息称星河智能完成新一轮融资，投后估值超200亿元", "", {"company": "星河智能"}),
    (
        "probe",  # the round label between the name and 融资N
        "星河智能A轮融资3亿元，启明创投领投",
        "",
        {"company": "星河智能", "round": "A", "leads": ["启明创投"], "amount": (300 * M, 300 * M, "CNY")},
    ),
    ("probe", "星河智能被曝完成10亿元融资", "", {"company": "星河智能", "status": "completed"}),  # 被曝 is a hedge
    ("probe", "腾讯已投资星河智能", "", {"company": "星河智能", "leads": ["腾讯"], "status": "completed"}),  # 已: done
    ("probe", "Google has invested $2B in Acme", "", {"company": "Acme", "leads": ["Google"], "status": "completed"}),
    ("probe", "Acme raising $100M at $1B valuation, sources say", "", {"company": "Acme", "status": "planned"}),
    ("probe", "Acme close to raising $100M", "", {"company": "Acme", "status": "planned"}),
    (
        "gnews26-65",  # `X nears $N investment in Y`: investor first; the deal is near, the sum is $N
        "SoftBank Nears $30 Billion Additional Investment in OpenAI as $100 Billion Round Looms",
        "",
        {"company": "OpenAI", "leads": ["SoftBank"], "status": "planned", "amount": (30_000 * M, 30_000 * M, "USD")},
    ),
    (
        "gnews26-69",  # `Aug. 12` ends no sentence; `the new company` points at `Pragmatik Labs, based in …`
        "Former Qwen AI Head Sets Up AI Startup Backed by Tencent",
        "(Yicai) Aug. 12 -- Lin Junyang has established an artificial intelligence startup, with the new company "
        "securing investments from Tencent Holdings, among others. Pragmatik Labs, based in Shanghai, will focus on "
        "AI agents. The company has secured funding led by Gaorong Ventures and HSG, with Tencent also participating.",
        {"company": "Pragmatik Labs", "leads": ["Gaorong Ventures", "HSG"]},
    ),
    ("probe", "腾讯战略入股星河科技", "", {"company": "星河科技", "leads": ["腾讯"]}),  # 战略 is no part of the name
    ("probe", "星河科技引入腾讯战略投资", "", {"company": "星河科技", "round": "Strategic", "leads": ["腾讯"]}),
    ("probe", "星河科技引入战略投资者，获腾讯10亿元投资", "", {"company": "星河科技", "leads": ["腾讯"]}),
    ("probe", "星河科技获国家大基金二期注资", "", {"company": "星河科技", "leads": ["国家大基金二期"]}),
    ("probe", "星河科技新一轮融资估值达50亿美元", "", {"company": "星河科技", "amount": (None, None, "USD")}),
    ("probe", "星河科技估值50亿美元完成新一轮融资", "", {"company": "星河科技"}),
    (
        "probe",  # rupees and crores are money
        "Ather Energy raises Rs 600 crore from existing investors",
        "",
        {"company": "Ather Energy", "amount": (6_000 * M, 6_000 * M, "INR")},
    ),
    (
        "dailymorning-3",  # `is reportedly in talks` is a hedge, not part of the investor's name
        "Amazon is reportedly in talks to invest $50B in OpenAI",
        "",
        {"company": "OpenAI", "leads": ["Amazon"], "status": "planned", "amount": (50_000 * M, 50_000 * M, "USD")},
    ),
]

# (dev item, title, summary): money words in text that reports no funding round
NOT_ROUNDS: list[tuple[str, str, str]] = [
    ("gnews26-1", "最强稳投资信号！国常会部署通信网，发改委两天三会聚焦“六张网”", ""),  # 投资信号 is a noun
    ("gnews26-42", "彤程新材冲刺港股：上半年营收21亿利润3.9亿 宇彤投资清仓 套现6亿", ""),  # a firm selling out
    ("gnews26-37", "黄金冲破200日均线，高盛交易台多头增持至六成，大客户押注白银三个月内涨至90美元", ""),  # a price bet
    (
        "tidewire-137",  # 押注 a technology; a quote elsewhere in the title is no quoted target
        "昆仑万维押注世界模型的两大产业路径：内容创作实时、可交互，机器人先“预演”再行动",
        "",
    ),
    (
        "tidewire-110",  # 迎来一轮反弹行情: a bare 轮 of a market move
        "港股7月领涨全球，结构性行情折射估值修复逻辑",
        "7月，港股市场一改6月的疲弱表现，迎来一轮强劲反弹行情。",
    ),
    (
        "tidewire-160",  # 左手投资右手自研: an idiom, no investor and no target
        "微软 AI 收入七成来自 OpenAI，财年贡献收入达 241 亿美元",
        "微软左手投资右手自研，2026 财年从与 OpenAI 的商业协议中获 241 亿美元收入，对 OpenAI 已实际出资 119 亿美元。",
    ),
    ("tidewire-192", "东芯股份：拟用 6.82 亿元超募资金投建芯片研发项目", ""),  # proceeds already raised, spent
    (
        "tidewire-218",  # a question is commentary; `半年融资超50亿` is a period's sum
        "面壁智能200亿估值疑云：谁在买单，谁在定价？",
        "半年融资超50亿、估值突破200亿，面壁智能一跃成为端侧AI最大独角兽。",
    ),
    ("rsshub36kr-5", "10股获融资净买入超亿元，万孚生物获净买入最多", ""),  # margin buying of listed shares
    ("probe", "沙特主权基金投资50亿美元入股某车企", ""),
    ("probe", "星河科技获国家科技进步奖", ""),
    ("probe", "Adani Green raises $1.4 billion from international banks", ""),  # bank money is debt
    (
        "probe",
        "Berkshire Hathaway raises cash pile to $300 billion",
        "",
    ),  # a figure raised to a level  # an award, not 获…投资
    ("probe", "Acme announces $50M investment in new factory", ""),  # the company spends, nobody funds it
    ("probe", "Acme announces $50M investment in Texas", ""),  # 某车企: the company is left unnamed
    ("gnews26-46", "Fresh Off Nasdaq Debut, Bending Spoons Lands Airtable in $2.25 Billion Takeover", ""),
    ("tidewire-204", "Nvidia investing $1.5B in SoftBank data center developer behind OpenAI project", ""),
]


@pytest.mark.parametrize(("item", "title", "summary", "expected"), ROUNDS, ids=case_ids(ROUNDS))
def test_a_round_written_in_a_new_way_is_read_with_its_fields(
    item: str, title: str, summary: str, expected: dict[str, Any]
) -> None:
    actual, wanted = round_fields(title, summary, expected)
    assert actual == wanted


@pytest.mark.parametrize(("item", "title", "summary"), NOT_ROUNDS, ids=case_ids(NOT_ROUNDS))
def test_money_words_that_are_no_round_give_no_round(item: str, title: str, summary: str) -> None:
    assert rounds_of(title, summary) == []


# (how the investors are written in the summary, the leads and the other investors read from it)
LEADS: list[tuple[str, list[str], list[str]]] = [
    ("红杉中国担任领投方，老股东源码资本跟投。", ["红杉中国"], ["源码资本"]),
    ("红杉中国作为领投方，老股东源码资本跟投。", ["红杉中国"], ["源码资本"]),
    ("本轮融资由红杉中国领衔，高瓴创投跟投。", ["红杉中国"], ["高瓴创投"]),
    ("本轮由老股东红杉中国持续加码领投。", ["红杉中国"], []),
    ("本轮由A资本担任独家财务顾问，红杉中国领投。", ["红杉中国"], []),
    ("该公司由张立华教授领衔，拥有全栈自研技术。红杉中国领投。", ["红杉中国"], []),
    ("Sequoia Capital and Accel co-led the round.", ["Sequoia Capital", "Accel"], []),
]

# (title, the sole investor read as the lead): `gets/nabs … from Y`, a lowercase a16z, the summary's fuller name
SOLE: list[tuple[str, str, str]] = [
    ("Acme gets $20M from SoftBank", "", "SoftBank"),
    ("Exclusive: Acme raises $20M from a16z", "", "a16z"),
    (
        "Bot-detection startup Spur nabs $200M from Insight",
        "Spur Intelligence has raised a $200 million round from Insight Partners for its tech.",
        "Insight Partners",
    ),
]


@pytest.mark.parametrize(("title", "summary", "lead"), SOLE, ids=[case[0][:20] for case in SOLE])
def test_a_sole_investor_is_the_lead(title: str, summary: str, lead: str) -> None:
    (found,) = rounds_of(title, summary)
    assert found.lead_investors == [lead]


@pytest.mark.parametrize(("summary", "leads", "others"), LEADS, ids=[case[0][:12] for case in LEADS])
def test_leads_are_read_however_the_summary_names_them(summary: str, leads: list[str], others: list[str]) -> None:
    title = "Acme raises $20M Series A" if summary.isascii() else "星河智能完成数亿元A轮融资"
    (found,) = rounds_of(title, summary)
    assert (found.lead_investors, found.investors) == (leads, others)
