"""Bad funding input: mixed encodings and entities, unknown currencies, items without a title — never a wrong number."""

from __future__ import annotations

from datetime import UTC, datetime

from spiders.cn_amounts import UNKNOWN_CURRENCY, find_amounts
from spiders.funding_extract import extract_rounds, normalise_text
from spiders.parsers import techcrunch_funding
from spiders.validation import problems

WHEN = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def _rounds(title: str, summary: str = "") -> list[tuple[object, ...]]:
    items = extract_rounds(title, summary, published_at=WHEN, url="https://x.test/1", source="t", observed_at=WHEN)
    assert all(problems(item) == [] for item in items)
    return [(i.company, i.round, i.amount_min, i.amount_max, i.currency, i.amount_text) for i in items]


def test_a_headline_with_html_entities_and_full_width_text_reads_like_its_plain_form() -> None:
    plain = _rounds("Acme's robot arm raises $40M Series B led by Index Ventures")
    escaped = _rounds("Acme&#39;s robot arm raises &#36;40M Series&nbsp;B led by Index Ventures")
    assert escaped == plain
    assert _rounds("「智元」完成５亿元Ｂ＋轮融资") == _rounds("「智元」完成5亿元B+轮融资")


def test_a_headline_decoded_in_the_wrong_encoding_yields_no_round_rather_than_a_wrong_one() -> None:
    mojibake = "「智元」完成5亿元B+轮融资".encode().decode("latin-1")  # UTF-8 bytes read as Latin-1
    assert _rounds(mojibake) == []
    assert normalise_text(mojibake)  # the text is kept readable for the skip reason, not dropped


def test_an_amount_in_an_unknown_currency_is_kept_as_text_and_never_guessed() -> None:
    [amount] = find_amounts("完成5000万泰铢融资", default_currency="CNY")
    assert (amount.low, amount.high, amount.currency, amount.qualifier, amount.text) == (
        None, None, None, UNKNOWN_CURRENCY, "5000万泰铢",
    )  # fmt: skip
    assert _rounds("泰国电商平台「Acme」完成5000万泰铢A轮融资") == [("Acme", "A", None, None, None, "5000万泰铢")]
    assert _rounds("Lagos fintech Acme raises 500 million naira in seed funding") == [
        ("Acme", "Seed", None, None, None, "500 million naira")
    ]


def test_a_feed_item_without_a_title_is_skipped_with_its_reason() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>TC</title>
    <item><title></title><link>https://techcrunch.com/2026/06/01/acme/</link>
    <pubDate>Mon, 01 Jun 2026 03:00:00 +0000</pubDate><description>Acme raised $40M.</description></item>
    <item><title>Beta raises $5M seed</title><link>https://techcrunch.com/2026/06/01/beta/</link>
    <pubDate>Mon, 01 Jun 2026 03:00:00 +0000</pubDate></item></channel></rss>"""
    page = techcrunch_funding.parse(body, url="https://techcrunch.com/feed/", fetched_at=WHEN)
    assert [(i.company, i.amount_min) for i in page.items] == [("Beta", 5_000_000)]
    assert page.skipped == ["'https://techcrunch.com/2026/06/01/acme/': no title or no link"]
