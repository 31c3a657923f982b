"""Two weeks of every kind of data, parsed from the recorded fixtures by the real parsers, for report tests.

The report week is Monday 2026-11-16 to Sunday 2026-11-22 (Asia/Shanghai), the week before is 2026-11-09.
Fixture times are moved into those weeks by whole weeks (weekdays and market hours stay true); prices are
changed in the report week by the stated amounts so the report's week-over-week numbers are known exactly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from spiders.parsers import (
    azure_gpu,
    eastmoney_boards,
    eastmoney_klines,
    kr36_funding,
    similarweb_api_traffic,
    techcrunch_funding,
    tencent_quotes,
)
from spiders.parsers.contract import Request
from storage.alert_models import AlertEvent
from storage.runs import finish_run, start_run
from storage.writes import write_items
from tests.fixture_cases import FIXTURES_DIR, load_case

GATEWAY = Request(step="gateway")

REPORT_MONDAY = date(2026, 11, 16)
PREVIOUS = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)  # Wednesday of the week before
CURRENT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday of the report week
#: fixtures of 2026-04-24 (Friday) land on Friday 2026-11-20
APRIL_TO_NOVEMBER = timedelta(weeks=30)
FIXTURES = FIXTURES_DIR

# CSI 300 daily closes for the two weeks and the Friday before. CONSTRUCTED: no real k-line capture of these
# days exists; the body below follows the documented push2his format (spiders/fixtures/eastmoney_klines/README.md)
# and goes through the real parser. Chosen so the report week is Mon +2.00 %, Tue -1.00 %, Wed -1.50 %,
# Thu +0.50 %, Fri +1.00 %, week +0.96 %.
CSI300_CLOSES = [
    ("2026-11-06", "3900.00"), ("2026-11-09", "3939.00"), ("2026-11-10", "3919.31"), ("2026-11-11", "3958.50"),
    ("2026-11-12", "3958.50"), ("2026-11-13", "3978.29"), ("2026-11-16", "4057.86"), ("2026-11-17", "4017.28"),
    ("2026-11-18", "3957.02"), ("2026-11-19", "3976.81"), ("2026-11-20", "4016.58"),
]  # fmt: skip
KLINE_URL = (
    "https://push2his.eastmoney.com/api/qt/stock/kline/get?secid=1.000300&klt=101&fqt=0&lmt=11"
    "&fields1=f1,f2,f3,f4,f5,f6&fields2=f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61"
)
BOARD_MEMBERS = ["002230.SZ", "002368.SZ", "603918.SH", "688668.SH", "830799.BJ"]


def _rows(items: list[Any]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]


def _run(session: Session, source: str, at: datetime, status: str = "succeeded", **extra: Any) -> int:
    run = start_run(session, source, "schedule", at, None)
    finish_run(session, run.id, status=status, finished_at=at + timedelta(seconds=5), **extra)
    return run.id


def _store(session: Session, kind: str, source: str, at: datetime, items: list[Any], **extra: Any) -> None:
    run_id = _run(session, source, at, **extra)
    write_items(session, kind, _rows(items), run_id)


def kline_body() -> str:
    """The constructed push2his answer for CSI300_CLOSES (see above)."""
    lines, previous = [], None
    for day, close in CSI300_CLOSES:
        price = Decimal(close)
        change = Decimal(0) if previous is None else price - previous
        pct = Decimal(0) if previous is None else (change / previous * 100).quantize(Decimal("0.01"))
        lines.append(f"{day},{close},{close},{close},{close},90000000,200000000000.00,0.50,{pct},{change},0.45")
        previous = price
    return json.dumps({"rc": 0, "data": {"code": "000300", "market": 1, "name": "沪深300", "decimal": 2,
                                         "klines": lines}})  # fmt: skip


def store_gpu(session: Session) -> list[Any]:
    """Azure's recorded page in both weeks; in the report week the first offer is 10 % dearer and the second
    sold out. Returns the offers as parsed."""
    case = load_case("azure_gpu", "gpu_two_pages_page1")
    offers = azure_gpu.parse(case.response_text, url=case.url, fetched_at=PREVIOUS).items
    _store(session, "gpu", "azure_gpu", PREVIOUS, offers)
    later = [replace(o, observed_at=CURRENT) for o in offers]
    first = later[0]
    assert first.price is not None and first.price_per_gpu_hour is not None
    later[0] = replace(
        first, price=first.price * Decimal("1.1"), price_per_gpu_hour=first.price_per_gpu_hour * Decimal("1.1")
    )
    later[1] = replace(later[1], available=False)
    _store(session, "gpu", "azure_gpu", CURRENT, later)
    return offers


def store_traffic(session: Session) -> list[Any]:
    """SimilarWeb API weekly visits and durations of chatgpt.com (4 weeks, the last starting Sunday 11-15)."""
    visits_case = load_case("similarweb_api_traffic", "weekly_visits_chatgpt_com")
    duration_case = load_case("similarweb_api_traffic", "weekly_duration_chatgpt_com")
    visits = similarweb_api_traffic.parse_metric(visits_case.response_json(), metric="visits", url=visits_case.url)
    durations = similarweb_api_traffic.parse_metric(
        duration_case.response_json(), metric="average_visit_duration", url=duration_case.url
    )
    snapshots = similarweb_api_traffic.build_snapshots(visits, durations, url=visits_case.url, fetched_at=CURRENT)
    _store(session, "traffic", "similarweb_api_traffic", CURRENT, snapshots)
    return snapshots


def store_funding(session: Session) -> list[Any]:
    """36Kr's gateway rounds and TechCrunch's, published in the report week (one TechCrunch round the week
    before); returns the rounds stored in the report week."""
    kr = load_case("kr36_funding", "gateway_funding_items")
    kr_rounds = kr36_funding.parse(kr.response_text.encode(), url=kr.url, fetched_at=CURRENT, request=GATEWAY).items
    tc = load_case("techcrunch_funding", "venture_feed_funding")
    tc_rounds = techcrunch_funding.parse(tc.response_text.encode(), url=tc.url, fetched_at=CURRENT).items
    this_week = [replace(r, published_at=CURRENT + timedelta(hours=i), observed_at=CURRENT)
                 for i, r in enumerate([*kr_rounds, tc_rounds[0]])]  # fmt: skip
    before = [replace(tc_rounds[1], published_at=PREVIOUS, observed_at=PREVIOUS)]
    _store(session, "funding", "techcrunch_funding", PREVIOUS, before)
    _store(session, "funding", "kr36_funding", CURRENT, this_week)
    return this_week


def store_quotes(session: Session) -> None:
    """Tencent's recorded A-share quotes, the BK0800 board pages and the constructed CSI 300 closes."""
    case = load_case("tencent_quotes", "a_shares_utf8")
    quotes = tencent_quotes.parse(case.response_text, url=case.url, fetched_at=case.fetched_at).items
    moved = [replace(q, quote_time=q.quote_time + APRIL_TO_NOVEMBER, observed_at=q.observed_at + APRIL_TO_NOVEMBER)
             for q in quotes]  # fmt: skip
    _store(session, "quotes", "tencent_quotes", moved[0].observed_at, moved)
    board_quotes: list[Any] = []
    for page in ("bk0800_page1_constructed", "bk0800_page2_constructed"):
        board = load_case("eastmoney_boards", page)
        board_quotes += eastmoney_boards.parse(board.response_text, url=board.url, fetched_at=board.fetched_at).items
    board_quotes = [replace(q, quote_time=q.quote_time + APRIL_TO_NOVEMBER, observed_at=CURRENT + timedelta(days=2))
                    for q in board_quotes]  # fmt: skip
    _store(session, "quotes", "eastmoney_boards", CURRENT + timedelta(days=2), board_quotes,
           details={"boards": {"BK0800": BOARD_MEMBERS}})  # fmt: skip
    fetched = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    closes = eastmoney_klines.parse(kline_body(), url=KLINE_URL, fetched_at=fetched).items
    _store(session, "quotes", "eastmoney_klines", fetched, closes)


def store_health(session: Session) -> None:
    """tencent_gpu fails all through the report week; one alert fires in it."""
    _run(session, "tencent_gpu", PREVIOUS)
    for day in range(3):
        _run(session, "tencent_gpu", CURRENT + timedelta(days=day), status="failed", error="HTTP 503 from the API")
    session.add(
        AlertEvent(
            rule="gpu_price_drop", rule_kind="change", series_key="azure_gpu|A100", series={"provider": "azure"},
            transition="firing", from_state="pending", to_state="firing", at=CURRENT + timedelta(hours=1),
            run_id=None, notified=True, suppressed=None, context={"label": "azure A100-80G eastus"},
        )
    )  # fmt: skip


def store_two_weeks(session: Session) -> dict[str, Any]:
    """Everything above; returns what was stored per kind for the tests' expectations."""
    stored = {
        "gpu": store_gpu(session),
        "traffic": store_traffic(session),
        "funding": store_funding(session),
    }
    store_quotes(session)
    store_health(session)
    session.flush()
    return stored
