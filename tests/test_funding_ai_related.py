"""`ai_related` (issue 13.1): the words that describe the funded company decide, not the words around it."""

from __future__ import annotations

import pytest

from spiders.funding_extract.ai_related import is_ai_related
from tests.funding_cases import rounds_of

# (dev item or `probe`, title, summary, whether the one round read is AI-related)
CASES: list[tuple[str, str, str, bool]] = [
    (
        "36kr-404",  # a market sentence naming neither the company nor `该公司` is context, not its business
        "一层“布”涨价270%之后，投资机构用数亿元投票玻璃基板，巽霖科技完成近2亿元B轮融资",
        "【导语】当前，电子级玻纤布价格较2025年低点翻倍，AI封装载板部分交期拉长至6个月以上。"
        "在此背景下，国内玻璃基板领军企业巽霖科技宣布完成近2亿元B轮融资。",
        False,
    ),
    (
        "gnews5-63",  # a site's credit line (`本文由小欧AI…生成`) says how the article was written
        "金沙江联合资本投资艾加生物科技",
        "2026年8月21日，金沙江联合资本宣布完成对艾加生物科技(苏州)有限公司（简称“艾加生物科技”）的天使轮投资。"
        "艾加生物科技是一家专注于生物技术研发的企业。 本文由小欧AI基于亿欧数据生成，如有问题及建议，欢迎联系。",
        False,
    ),
    (
        "gnews5-72",  # an AI word describing the investor (`The artificial intelligence giant`) is not the company's
        "Market Chatter: Nvidia in Advanced Talks to Invest in Cloverleaf Infrastructure",
        "Nvidia is in advanced discussions to invest in data center power developer Cloverleaf Infrastructure. "
        "The artificial intelligence giant is expected to invest several hundred million dollars.",
        False,
    ),
    (
        "gnews5-10",  # the market a company serves (`demand for … AI infrastructure`) is not its business
        "Princeton Critical Minerals Raises $16M to Scale Lithium Production Technologies",
        "Princeton Critical Minerals (PCM), a startup developing technologies to increase lithium production yields "
        "from brine sources, has raised $16 million to address increasing demand for critical minerals used in "
        "energy storage, electrification, and AI infrastructure.",
        False,
    ),
    (
        "gnews5-23",  # a bare GPU among an IC design house's product lines is chip design, not AI compute
        "风致毅半导体获A+轮投资",
        "风致毅半导体成立于2022年2月14日，是一家专注于IC设计服务的公司。公司主要业务包括GPU、DC/DC、光传输供应的设计与开发。",
        False,
    ),
    (
        "gnews5-91",  # a GPU as compute (`the chipmaker's H100 GPU`) still counts
        "Starcloud raises $170 million for orbital data centers",
        "Starcloud flew the chipmaker's H100 GPU to orbit on its Starcloud-1 satellite.",
        True,
    ),
    (
        "36kr-407",  # `该公司` anywhere in a sentence points back at the company
        "网络安全初创公司Horizon3.ai融资2.5亿美元",
        "Anthropic的Mythos和其他前沿人工智能（AI）模型让网络攻击威力大增，引发了企业界的担忧浪潮，该公司希望借此势头实现发展。",
        True,
    ),
    (
        "tidewire-68",  # a headline clause after the company's own continues its subject
        "仁迈生物完成 C 轮融资，推进 AI+ 健康管理业务发展",
        "南京仁迈生物科技有限公司 2016 年创立，深耕全血 / 末梢血精准检测领域。",
        True,
    ),
    (
        "tidewire-50",  # the round's use of funds (`融资将用于具身大脑模型…`) describes the company's business
        "原力无限获近 10 亿元融资，敦鸿资产等机构领投",
        "原力无限完成近 10 亿元 A 轮及 A+ 轮融资，由敦鸿资产领投。"
        "融资将用于具身大脑模型研发及多形态机器人规模化交付验证。",
        True,
    ),
    (
        "36kr-370",  # headline clauses in front of the company describe it (`自研…具身机器人，…「国奥科技」完成…`)
        "自研微米级工业具身机器人，已进入博世产线，「国奥科技」完成近亿元A+轮融资 | 36氪首发",
        "",
        True,
    ),
    (
        "tmtpost-438",  # a headline that never names the company counts whole
        "成立1年融资3轮，前字节女高管创业，跑赢GPT-5登顶编程榜",
        "词元无限拿下数亿元融资。",
        True,
    ),
    (
        "probe",  # the company's descriptor in front of its name decides whatever else the summary says
        "AI芯片公司星辰微完成数亿元B轮融资",
        "星辰微成立于2021年。",
        True,
    ),
    (
        "probe",  # an appositive after the name is a sentence naming it
        "Acme raises $20M Series A",
        "Acme, a startup building AI agents for accountants, raised $20 million led by Index Ventures.",
        True,
    ),
    (
        "probe",  # robotics words in the sentence pointing back at the company
        "星河科技完成数千万元天使轮融资",
        "星河科技近日完成数千万元天使轮融资。公司专注于人形机器人灵巧手的研发。行业方面，AI应用持续升温。",
        True,
    ),
]


@pytest.mark.parametrize(("item", "title", "summary", "expected"), CASES, ids=[c[0] for c in CASES])
def test_ai_related_is_read_from_what_describes_the_company(
    item: str, title: str, summary: str, expected: bool
) -> None:
    (found,) = rounds_of(title, summary)
    assert found.ai_related is expected


def test_a_side_deal_in_the_headline_after_an_investor_first_clause_is_not_the_companys() -> None:
    """`Google invests … in A24, forms AI partnership`: Google forms it; the summary calls A24 a film studio."""
    title = "Google invests $75 million in film studio A24, forms AI partnership"
    assert not is_ai_related(title, "The studio has produced Oscar-winning films.", company="A24")
    assert is_ai_related("Acme raises $5M, builds AI agents for lawyers", "", company="Acme")  # probe: its subject


def test_the_known_list_the_descriptor_and_the_feeds_labels_still_decide_alone() -> None:
    assert is_ai_related("Anthropic raises $65 billion", "", company="Anthropic")
    assert is_ai_related("星辰微完成B轮融资", "", company="星辰微", descriptor="AI芯片")
    assert is_ai_related("Acme raises $5M", "", company="Acme", labels="人工智能")
    assert not is_ai_related("Acme raises $5M", "Acme makes shoes.", company="Acme")


def test_a_text_that_never_names_the_company_counts_whole() -> None:
    assert is_ai_related("Two college kids raise a $5.1M pre-seed to build an AI social network", "", company="Series")


def test_a_shorter_name_for_the_company_still_names_it() -> None:
    """Probes: `Nimbus` and `星辰` name Nimbus Systems Inc. and 苏州星辰科技有限公司 in a later sentence."""
    summary = "Nimbus Systems Inc. closed a seed round led by Y. Nimbus builds humanoid robots for warehouses."
    assert is_ai_related("Nimbus Systems Inc. raises $5M", summary, company="Nimbus Systems Inc.")
    summary = "苏州星辰科技有限公司完成A轮融资。行业方面，AI应用持续升温。星辰专注于具身智能灵巧手。"
    assert is_ai_related("苏州星辰科技有限公司完成A轮融资", summary, company="苏州星辰科技有限公司")
    assert not is_ai_related("苏州星辰科技有限公司完成A轮融资", summary[:-14], company="苏州星辰科技有限公司")
