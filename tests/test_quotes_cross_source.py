"""The same moment seen by different sources: real captures of 600519.SH (10:21-10:23 CST) and 0700.HK must agree."""

from __future__ import annotations

import json
from decimal import Decimal
from types import ModuleType

from core.symbols import parse_symbol
from spiders.items import Quote
from spiders.parsers import eastmoney_quotes, sina_quotes, tencent_quotes, yahoo_quotes
from spiders.parsers.contract import ParseResult
from tests.quotes_support import load_quote_case


def _quote(module: ModuleType, source: str, case_name: str, symbol: str) -> Quote:
    case = load_quote_case(source, case_name)
    batch: ParseResult = module.parse(case.body, url=case.url, fetched_at=case.fetched_at)
    return next(q for q in batch.items if q.symbol == symbol)


def _spread(values: list[Decimal | None]) -> Decimal:
    present = [v for v in values if v is not None]
    assert len(present) == len(values), values
    return max(present) - min(present)


def test_three_a_share_sources_agree_on_the_same_minutes() -> None:
    # Captured within ~2.5 minutes (stocks.md §12): open, prev close, high, low identical; last differs by 0.09.
    tencent = _quote(tencent_quotes, "tencent_quotes", "a_shares_gbk", "600519.SH")
    sina = _quote(sina_quotes, "sina_quotes", "a_shares_gbk", "600519.SH")
    eastmoney = _quote(eastmoney_quotes, "eastmoney_quotes", "a_share_scaled", "600519.SH")
    for field in ("open", "prev_close", "high", "low", "limit_up", "limit_down"):
        values = {getattr(q, field) for q in (tencent, sina, eastmoney) if getattr(q, field) is not None}
        assert len(values) == 1, (field, values)
    assert _spread([q.price for q in (tencent, sina, eastmoney)]) <= Decimal("0.10")
    assert _spread([q.change_pct for q in (tencent, sina, eastmoney)]) <= Decimal("0.02")
    # Sina counts shares, Tencent lots: both become shares and agree to the lot.
    assert tencent.volume is not None and sina.volume is not None
    assert abs(tencent.volume - sina.volume) < 100
    assert tencent.turnover == Decimal("2991697134") and sina.turnover == Decimal("2991697134.000")
    assert {q.currency for q in (tencent, sina, eastmoney)} == {"CNY"}
    assert {q.status for q in (tencent, sina, eastmoney)} == {"trading"}


def test_three_hk_sources_give_478_8_for_tencent_holdings() -> None:
    tencent = _quote(tencent_quotes, "tencent_quotes", "hk_two_codes", "0700.HK")
    yahoo = _quote(yahoo_quotes, "yahoo_quotes", "hk_five_days", "0700.HK")
    # The Eastmoney HK capture has no f86 time, so it cannot be a Quote; its numbers are compared directly.
    raw = json.loads(load_quote_case("eastmoney_quotes", "hk_without_time").body)["data"]
    eastmoney = eastmoney_quotes.decode_values(raw, parse_symbol("0700.HK"), fltt2=False)
    assert tencent.price == yahoo.price == eastmoney["f43"] == Decimal("478.8")
    assert tencent.prev_close == yahoo.prev_close == eastmoney["f60"] == Decimal("479.2")
    assert tencent.high == yahoo.high == eastmoney["f44"] and tencent.low == yahoo.low == eastmoney["f45"]
    assert tencent.volume == int(raw["f47"]) == 16319939
    assert yahoo.volume is not None and abs(yahoo.volume - 16319939) <= 100  # Yahoo counts a late trade more
    # Turnover: Tencent exact, Eastmoney float32 (7803757312.0).
    assert eastmoney["f48"] is not None and tencent.turnover is not None
    assert abs(eastmoney["f48"] - tencent.turnover) < 50
    assert tencent.change == yahoo.change == Decimal("-0.400")
    assert {tencent.currency, yahoo.currency, tencent.status, yahoo.status} == {"HKD", "closed"}
