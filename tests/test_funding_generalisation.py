"""The funding rules of the third pass (issue 13.1), one general reading per case, on real dev-half headlines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.funding_cases import round_fields, rounds_of

M, Y = 1_000_000, 100_000_000

# (dev item, title, summary, expected fields of the one round); amounts as (min, max, currency)
ROUNDS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "tcdigest-24",
        "Factory hits $1.5B valuation to build AI coding for enterprises",
        "The three-year-old startup raised $150 million led by Khosla Ventures.",
        {"company": "Factory", "amount": (150 * M, 150 * M, "USD"), "leads": ["Khosla Ventures"]},
    ),
    (
        "tcdigest-13",
        "Anthropic takes $5B from Amazon and pledges $100B in cloud spending in return",
        "",
        {"company": "Anthropic", "amount": (5000 * M, 5000 * M, "USD"), "leads": ["Amazon"]},
    ),
    (
        "tcdigest-20",
        "India’s Snabbit seeks fresh funding at a $400M valuation, sources say",
        "",
        {"company": "Snabbit", "status": "planned", "amount": (None, None, "USD")},
    ),
    (
        "tcdigest-15",
        "Investors back Skye’s AI home screen app for iPhone ahead of launch",
        "",
        {"company": "Skye", "leads": []},
    ),
    (
        "tcdigest-50",
        "Bill Gurley, Jack Altman back startup Pursuit, which helps companies sell to government",
        "On Wednesday, Pursuit announced a $22 million Series A round led by Mike Rosengarten, the co-founder of "
        "OpenGov.",
        {"company": "Pursuit", "round": "A", "leads": ["Mike Rosengarten"]},
    ),
    (
        "tcdigest-19",
        "Lachy Groom to back India startup Pronto at a $200M valuation, sources say",
        "This round, should it occur, would double the house-help startup's valuation in a matter of weeks.",
        {"company": "Pronto", "status": "planned", "leads": ["Lachy Groom"]},
    ),
    (
        "techcrunch-457",
        "AI chip startup Etched defies skeptics, hits $10.3B valuation from big-name investors",
        "",
        {"company": "Etched"},
    ),
    (
        "tcdigest-16",
        "DeepMind’s David Silver just raised $1.1B to build an AI that learns without human data",
        "Ineffable Intelligence, a British AI lab founded a mere few months ago by former DeepMind researcher David "
        "Silver, has raised $1.1 billion in funding at a valuation of $5.1 billion.",
        {"company": "Ineffable Intelligence", "amount": (1100 * M, 1100 * M, "USD")},
    ),
    (
        "tcdigest-29",
        "Sources: Anthropic could raise a new $50B round at a valuation of $900B",
        "The maker of Claude has received multiple pre-emptive offers at valuations in the $850 billion range.",
        {"company": "Anthropic", "status": "planned"},
    ),
    (
        "tcdigest-3",
        "Sources: Cursor in talks to raise $2B+ at $50B valuation as enterprise growth surges",
        "Returning backers a16z and Thrive are expected to lead the round.",
        {"amount": (2000 * M, None, "USD"), "leads": ["a16z", "Thrive"], "status": "planned"},
    ),
    (
        "tcdigest-2",
        "Loop raises $95M to build supply chain AI that predicts disruptions",
        "The San Francisco startup closed a Series C funding round led by Antonio Gracias' firm Valor, which is a "
        "major backer of xAI.",
        {"round": "C", "leads": ["Valor"]},
    ),
    (
        "tcdigest-26",
        "Salmon raises $100M in equity and debt to bring digital credit to underbanked Filipinos",
        "",
        {"company": "Salmon", "amount": (100 * M, 100 * M, "USD")},
    ),
    (
        "tradingview-15",
        "South Korea's Krafton leads $53 million funding in India's Cashfree",
        "",
        {"company": "Cashfree", "leads": ["Krafton"]},
    ),
    (
        "tradingview-11",
        "Market Chatter: Westpac Banking Invests AU$10 Million in Lawpath to Grow Small Business Lending",
        "",
        {"company": "Lawpath", "amount": (10 * M, 10 * M, "AUD"), "leads": ["Westpac Banking"]},
    ),
    (
        "tidewire-4",
        "月之暗面 Kimi 完成 F 轮超 35 亿美元融资，投后估值 350 亿美元，因融资金额超目标 3 倍多本轮提前关闭",
        "",
        {"round": "F", "amount": (35 * Y, None, "USD")},
    ),
    (
        "tidewire-6",
        "英伟达合作伙伴 ChipAgents 扩大融资规模，借助 AI 加速芯片开发",
        "芯片设计初创公司 ChipAgents 将 A 轮融资规模扩大 6000 万美元，用于支持利用 AI 智能体加速半导体设计的计划。",
        {"company": "ChipAgents", "round": "A-extension", "amount": (60 * M, 60 * M, "USD")},
    ),
    (
        "tidewire-16",
        "离开200亿星海图，清华博导做机器人，雷军追着给他投资",
        "破壳机器人完成亿美元级Pre-A轮融资。",
        {"company": "破壳机器人", "amount": (Y, 10 * Y, "USD")},
    ),
    (
        "tidewire-14",
        "“恺望数据”完成逾亿元新一轮战略融资",
        "本轮融资由北京亦庄产业升级基金、华方资本、天际资本多方联合领投，新鼎资本等投资机构跟投。",
        {"round": "Strategic", "amount": (Y, None, "CNY"), "leads": ["北京亦庄产业升级基金", "华方资本", "天际资本"]},
    ),
    (
        "tidewire-26",
        "飞捷科思完成 A1 轮数亿元融资，持续夯实国产物理 AI 技术底座",
        "飞捷科思宣布完成数亿元 A1 轮融资，老股东泰达科投携手海松资本、复旦科创领投，多家新老股东参与投资。",
        {"leads": ["泰达科投", "海松资本", "复旦科创"]},
    ),
    (
        "tidewire-17",
        "“Warpify”完成Pre-A轮融资",
        "36氪获悉，机器人生产力基础设施品牌“Warpify”宣布完成Pre-A轮融资，本轮投资方为中关村中诺基金。",
        {"leads": ["中关村中诺基金"]},
    ),
    (
        "tidewire-25",
        "矩阵起源完成超千万美元 A 轮融资",
        "",
        {"company": "矩阵起源", "amount": (10 * M, None, "USD")},
    ),
    (
        "tidewire-29",
        "澳大利亚AI基础设施公司Firmus完成20亿美元融资，英伟达、黑石等参投",
        "8月7日，澳大利亚人工智能基础设施公司Firmus宣布完成20亿美元战略股权融资，投资方包括英伟达、Coatue。",
        {"company": "Firmus", "round": "Strategic"},
    ),
    (
        "tidewire-34",
        "英伟达拟向星际之门项目背后电力企业 Lancium 最高投资 30 亿美元",
        "英伟达已同意向得克萨斯州电力基础设施开发商 Lancium 投资 20 亿美元，获其约 20% 股权。",
        {"company": "Lancium", "amount": (None, 30 * Y, "USD"), "status": "planned"},
    ),
    (
        "tidewire-69",
        "英伟达据称拟向数据中心电力开发商 Cloverleaf 投资数亿美元",
        "",
        {"leads": ["英伟达"], "status": "planned"},
    ),
    (
        "tidewire-35",
        "橡木果发布全球首个具身本能模型 完成天使轮融资",
        "橡木果机器人发布全球首个通用操作基座模型 Natus AGE-0，"
        "同时披露完成由招商局创投和蔚来资本共同领投的天使轮融资。",
        {"company": "橡木果", "round": "Angel"},
    ),
    (
        "tidewire-36",
        "Ant Group Units Seek Independent Capital as AI and Global Businesses Step Forward",
        "Ant International has closed a $1.2 billion financing round.",
        {"status": "completed", "amount": (1200 * M, 1200 * M, "USD")},
    ),
    (
        "tidewire-78",
        "马云 2.34 亿港元投资美国旧金山 AI 保险初创公司",
        "云锋基金由马云与虞锋联合发起，过往投资多集中于中国市场，此次参与美国旧金山 AI 保险初创公司 Corgi 的融资。",
        {"company": "Corgi"},
    ),
    (
        "morningstar-5",
        "Astra Security Raises Funding to Simplify Cybersecurity With AI-Driven Pentesting",
        "Astra Security today announced the closing of a growth capital round—led by Emergent Ventures.",
        {"round": "Growth", "leads": ["Emergent Ventures"]},
    ),
]

# (dev item, title, summary): money words, no round
NOT_ROUNDS: list[tuple[str, str, str]] = [
    ("tcdigest-4", "Nuclear startup X-energy raises $1B in data center-driven IPO", ""),
    ("tcdigest-37", "Geothermal startup Fervo Energy to raise up to $1.3B in IPO", ""),
    ("gurufocus-2", "CMB.Tech NV Announces Vessel Sales Generating $46.52 Million Capital Gain", ""),
    ("seekalpha-28", "KKR-backed Cotiviti close to deal to buy Edifecs for $3B - FT", ""),
    ("tidewire-66", "报道：博通在最新 AI 债务交易中寻求超 600 亿美元融资", ""),
    (
        "tidewire-71",
        "豪能股份：拟投建机器人关节减速器生产基地项目，项目计划投资10亿元",
        "36氪获悉，豪能股份公告，公司拟与泸州市江阳区人民政府签署《招商投资合作协议》，约定公司在泸州市江阳区投资建设"
        "“机器人关节减速器生产基地项目”，本项目计划投资10亿元。",
    ),
    (
        "tidewire-91",
        "泛林宣布逾 30 亿美元研发实验室投资，实验承载数量提升超 50%",
        "泛林宣布未来五年将向全球研发实验室网络投资超 30 亿美元，可使实验承载数量提升超 50%。",
    ),
    ("tidewire-93", "黄仁勋出手安抚AI算力市场：英伟达可能会“为单个投资项目提供最高25%的残值支持机制”", ""),
    (
        "tidewire-105",
        "美光推出美光研究实验室，未来十年计划投资 100 亿美元",
        "美光科技计划在美国投资超 2500 亿美元，并推出美光研究实验室，未来十年拟向该研发中心投资 100 亿美元。",
    ),
    ("tidewire-76", "台积电 1.4 纳米工厂建设进度超前 总投资 490 亿美元", ""),
    ("tradingview-1", "Centurion Corp. Target Price Raised to S$1.16 From S$1.06 by RHB Research >OU8.SG", ""),
    ("tradingview-2", "AXP Energy to Raise AU$1.3 Million via Share Placement", ""),
    ("seekalpha-8", "Microbix receives C$2.4M from exercise of warrants", ""),
    ("tipranks-8", "La Rosa Holdings Secures Financing Through Convertible Note Agreement", ""),
    ("tipranks-2", "Minda Corporation Invests INR 15 Crores in Subsidiary SMGM", ""),
    ("tradingview-27", "Tongdao Liepin Group's Unit Invest 80 Million Yuan in Structured Deposit Product", ""),
    (
        "tradingview-7",
        "Innovate BC and NRC IRAP Invest $1.5M to Support 12 Cleantech Innovation Pilot Projects in British Columbia",
        "",
    ),
    (
        "seekalpha-29",
        "PureCycle announces financing transaction for $33M",
        "PureCycle Technologies ( NASDAQ: PCT ) on Wednesday entered into a transaction to raise gross proceeds of "
        "$33 million.",
    ),
]


@pytest.mark.parametrize(("item", "title", "summary", "expected"), ROUNDS, ids=[case[0] for case in ROUNDS])
def test_a_round_written_in_a_new_way_is_read_with_its_fields(
    item: str, title: str, summary: str, expected: dict[str, Any]
) -> None:
    actual, wanted = round_fields(title, summary, expected)
    assert actual == wanted


@pytest.mark.parametrize(("item", "title", "summary"), NOT_ROUNDS, ids=[case[0] for case in NOT_ROUNDS])
def test_money_words_that_are_no_round_give_no_round(item: str, title: str, summary: str) -> None:
    assert rounds_of(title, summary) == []
