"""The funding rules of the fifth pass (issue 13.1), one general reading per case, on real dev-half headlines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.funding_cases import case_ids, round_fields, rounds_of

M = 1_000_000

# (dev item or `probe`, title, summary, expected fields of the one round); amounts as (min, max, currency)
ROUNDS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "gnews5-121",  # a 【…】 column label before the name is no part of it; 筹备 makes the round planned
        "【电报解读】蚂蚁数科筹备Pre-IPO轮融资，其在中国金融大模型与智能体服务市场占有率第一",
        "",
        {"company": "蚂蚁数科", "round": "Pre-IPO", "status": "planned"},
    ),
    ("probe", "【快讯】星河智能完成数亿元A轮融资", "", {"company": "星河智能", "round": "A"}),
    (
        "gnews5-21",  # a bare 千万级 between the investor and 战略投资 is the amount; 参与过 is the team's past
        "招行系AI科技公司「招平数科」获宇信科技千万级战略投资",
        "招平数科成立于2020年2月。创始团队在招商银行、平安银行等头部股份制银行深耕多年，深度参与过零售银行线上营销的建设。",
        {"company": "招平数科", "round": "Strategic", "leads": ["宇信科技"], "amount": (10 * M, 100 * M, "CNY")},
    ),
    (
        "gnews5-86",  # wire-style Mln / Bln are millions and billions
        "Starcloud Raises $250 MLn At $2.3 Bln Valuation To Scale AI With Orbital Data Centers",
        "",
        {"company": "Starcloud", "amount": (250 * M, 250 * M, "USD")},
    ),
    (
        "gnews5-72",  # `several hundred million dollars` is the English 数亿; in talks to invest: planned
        "Market Chatter: Nvidia in Advanced Talks to Invest in Cloverleaf Infrastructure",
        "Nvidia is in advanced discussions to invest in data center power developer Cloverleaf Infrastructure. "
        "The artificial intelligence giant is expected to invest several hundred million dollars.",
        {"leads": ["Nvidia"], "status": "planned", "amount": (100 * M, 1000 * M, "USD")},
    ),
    (
        "gnews5-76",  # `could invest in <lowercase words> Y`: a round in the making; `as much as hundreds of millions`
        "Nvidia could invest in data center power facilitator Cloverleaf Infrastructure: report",
        "The deal could see the chip giant invest potentially as much as hundreds of millions of dollars "
        "into Cloverleaf.",
        {"company": "Cloverleaf Infrastructure", "status": "planned", "amount": (None, 1000 * M, "USD")},
    ),
    (
        "gnews5-36",  # lowercase words before the investee's name (`in film studio A24`) still name a company
        "Google invests $75 million in film studio A24, forms AI partnership",
        "",
        {"company": "A24", "leads": ["Google"], "amount": (75 * M, 75 * M, "USD")},
    ),
    (
        "gnews5-2",  # a company that starts up (launches) with money raises it
        "Boulevard starts up with $65M to pursue targeted autoimmune drugs",
        "",
        {"company": "Boulevard", "amount": (65 * M, 65 * M, "USD")},
    ),
    ("probe", "Acme launches with $12M seed round", "", {"company": "Acme", "round": "Seed"}),
    (
        "gnews5-85",  # `the prominent investor in this round is Y` leads; a Series A funding extension
        "Starcloud Raises $250 Million at $2.3 Billion Valuation to Scale AI with Orbital Data Centers",
        "The company unveiled an additional funding round totaling $250 million as part of their Series A funding "
        "extension. The prominent investor in this round is Manhattan West, accompanied by existing investors.",
        {"round": "A-extension", "leads": ["Manhattan West"]},
    ),
    (
        "probe",
        "Acme raises $20M",
        "The lead investor in the round was Accel, with Index joining.",
        {"leads": ["Accel"]},
    ),
]

# (dev item or `probe`, title, summary): money words that are no round
NOT_ROUNDS: list[tuple[str, str, str]] = [
    ("gnews5-115", "AI云公司Nscale寻求在美国IPO中募资30亿美元", ""),  # IPO中募资: an IPO
    (
        "gnews5-60",  # money raised to pay for an acquisition
        "The Metals Royalty Company Announces Fully Allocated US$165 Million Financing to Fund Acquisition of "
        "Additional 1.0% Mesabi Royalty",
        "",
    ),
    (
        "gnews5-79",  # buying listed shares through a note is no round
        "MicroCloud Hologram Inc. Announces Acquisition of 140,268 MSTR Shares Through Structured Note "
        "Investment Product",
        "",
    ),
    (
        "gnews5-83",  # proceeds from sales are revenue
        "Silver Elephant Received US$1.4 Million in Cash Proceeds from Apuradita Silver Concentrate Sales in 2026",
        "",
    ),
    ("gnews5-117", "Vireo Growth Inc. Completes Acquisition of C21 Investments Inc.", ""),  # a firm called …Investments
    ("probe", "Acme announces acquisition of Beta Investments Group", ""),
    ("gnews5-33", "ComfortDelGro's Zig invests over $10m in EVs, hybrids for hire fleet", ""),  # capital spending
    ("probe", "Acme invests $50M in new vehicles for its fleet", ""),
]


@pytest.mark.parametrize(("item", "title", "summary", "expected"), ROUNDS, ids=case_ids(ROUNDS))
def test_each_general_reading_gives_the_hand_read_fields(
    item: str, title: str, summary: str, expected: dict[str, Any]
) -> None:
    actual, wanted = round_fields(title, summary, expected)
    assert actual == wanted


@pytest.mark.parametrize(("item", "title", "summary"), NOT_ROUNDS, ids=case_ids(NOT_ROUNDS))
def test_money_words_that_are_no_round_give_no_round(item: str, title: str, summary: str) -> None:
    assert rounds_of(title, summary) == []
