"""The weekly report's numbers, built from two weeks of fixture data in a real database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from core.config import AppConfig
from monitor.report.build import build_weekly_report
from monitor.report.model import WeeklyReport
from monitor.report.week import ReportError, parse_week, report_week
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.runs import finish_run, start_run
from storage.writes import write_items
from tests.report_store import REPORT_MONDAY, store_two_weeks

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai, the report's usual time
KINDS = {"azure_gpu": "gpu", "tencent_gpu": "gpu", "similarweb_api_traffic": "traffic",
         "similarweb_traffic": "traffic", "kr36_funding": "funding", "techcrunch_funding": "funding",
         "tencent_quotes": "quotes", "eastmoney_klines": "quotes", "eastmoney_boards": "quotes"}  # fmt: skip
EVERY_DAY = {"every": "1d"}
#: the stored sources ran once a week (on Wednesdays): their schedule says so
EVERY_WEEK = {"every": "7d"}
CONFIG = AppConfig.model_validate(
    {
        "sources": dict.fromkeys(KINDS, EVERY_WEEK),
        "quotes": {
            "watch": [
                {
                    "symbol": "600519.SH",
                    "name": "贵州茅台",
                    "eps": {"2025": "68.64", "2026E": "75.00"},
                    "rating": "买入",
                },
                {"symbol": "000001.SZ", "eps": {"2025": "-0.50"}},
                {"symbol": "002230.SZ", "eps": {"2025": "0"}},
            ],
            "indices": ["000300.SH"],
            "boards": ["BK0800"],
        },
        "fx": {"base": "CNY", "rates": {"USD": "7.10"}},
    }
)


@pytest.fixture
def stored(db_url: str) -> Iterator[tuple[Session, dict[str, Any]]]:
    engine = create_db_engine(db_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        facts = store_two_weeks(session)
        session.commit()
        yield session, facts
    engine.dispose()


def _report(session: Session, config: AppConfig = CONFIG) -> WeeklyReport:
    week = report_week(None, SH, NOW)
    return build_weekly_report(session, config, week, language="zh", kinds=KINDS, now=NOW)


def _same_offer(line: Any, offer: Any) -> bool:
    return (line.instance, line.region, line.billing) == (offer.instance_type, offer.region, offer.billing)


def test_the_default_week_is_the_last_complete_monday_to_sunday() -> None:
    week = report_week(None, SH, NOW)
    assert (week.monday, week.sunday, week.partial) == (REPORT_MONDAY, date(2026, 11, 22), False)
    assert week.start == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)


def test_a_week_that_has_not_begun_is_an_error() -> None:
    with pytest.raises(ReportError, match="has not begun"):
        report_week(date(2026, 12, 7), SH, NOW)


def test_a_week_that_is_not_a_date_is_an_error() -> None:
    with pytest.raises(ReportError, match="not a date like 2024-07-15"):
        parse_week("2026-13-40")


def test_the_running_week_is_partial() -> None:
    assert report_week(date(2026, 11, 25), SH, NOW).partial


def test_gpu_change_is_per_gpu_hour_against_the_state_a_week_earlier(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    first = facts["gpu"][0]
    line = next(g for g in _report(session).gpu.lines if _same_offer(g, first))
    assert line.change_pct is not None
    assert line.change_pct.quantize(Decimal("0.01")) == Decimal("10.00")
    assert line.per_gpu_hour == first.price_per_gpu_hour * Decimal("1.1")


def test_gpu_sold_out_rows_keep_their_price_and_are_marked(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    second = facts["gpu"][1]
    lines = _report(session).gpu.lines
    line = next(g for g in lines if _same_offer(g, second))
    assert line.sold_out and line.price == second.price and line.change_pct == 0
    assert sum(g.sold_out for g in lines) == 1
    assert not any(g.stale for g in lines)


def test_gpu_trend_covers_eight_weeks_in_the_fx_base(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    gpu = _report(session).gpu
    assert gpu.trend_currency == "CNY" and gpu.trend_first_day == date(2026, 9, 28)
    a100 = next(t for t in gpu.trend if t.model == facts["gpu"][0].gpu_model and t.provider == "azure")
    days = [d for d, _ in a100.points]
    # first seen Wednesday 11-11 10:00 Shanghai, last seen Wednesday 11-18: one point a day in between
    assert days[0] == date(2026, 11, 11) and days[-1] == date(2026, 11, 18)
    cheapest = min(o.price_per_gpu_hour for o in facts["gpu"] if o.gpu_model == a100.model)
    assert a100.points[0][1] == cheapest * Decimal("7.10")


def test_traffic_changes_compare_the_newest_week_with_the_one_before(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    traffic = _report(session).traffic
    assert (traffic.granularity, traffic.source, traffic.period_start) == (
        "week", "similarweb_api_traffic", date(2026, 11, 15),
    )  # fmt: skip
    by_period = {s.period_start: s for s in facts["traffic"]}
    now, before = by_period[date(2026, 11, 15)], by_period[date(2026, 11, 8)]
    line = next(t for t in traffic.lines if t.domain == "chatgpt.com")
    assert line.visits == now.visits
    assert line.visits_change_pct == (Decimal(now.visits) / Decimal(before.visits) - 1) * 100
    # the fixture has no duration for the week of 11-08: no change rather than one against an older week
    assert line.avg_visit_duration_s == now.avg_visit_duration_s and before.avg_visit_duration_s is None
    assert line.duration_change_pct is None
    assert not traffic.stale
    assert not next(t for t in traffic.lines if t.domain != "chatgpt.com").has_data


def test_funding_lists_the_weeks_ai_rounds_largest_first(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    funding = _report(session).funding
    companies = [line.company for line in funding.lines]
    expected = [r.company for r in facts["funding"] if r.ai_related is not False]
    assert sorted(companies) == sorted(expected)
    assert companies[0] == "Anthropic"  # $65B before 1亿元
    assert "微光医疗" not in companies  # the source marks it as not AI
    assert "Cognition" not in companies  # published the week before


def test_market_daily_moves_and_the_weeks_largest_rise_and_fall(stored: tuple[Session, Any]) -> None:
    session, _ = stored
    market = _report(session).market
    (csi,) = market.indices
    assert [str(csi.daily_pct[d]) for d in market.days] == ["2.00", "-1.00", "-1.50", "0.50", "1.00"]
    assert csi.week_pct == Decimal("0.96")
    assert market.largest_rise is not None and market.largest_fall is not None
    assert (market.largest_rise.day, market.largest_rise.pct) == (date(2026, 11, 16), Decimal("2.00"))
    assert (market.largest_fall.day, market.largest_fall.pct) == (date(2026, 11, 18), Decimal("-1.50"))


def test_board_movers_of_the_week(stored: tuple[Session, Any]) -> None:
    session, _ = stored
    (board,) = _report(session).market.boards
    assert [r.symbol for r in board.gainers] == ["603918.SH", "002230.SZ"]
    assert [r.symbol for r in board.losers] == ["688668.SH", "002368.SZ"]


def test_watch_list_pe_is_price_over_eps(stored: tuple[Session, Any]) -> None:
    session, _ = stored
    watch = _report(session).watch
    moutai = next(w for w in watch.lines if w.symbol == "600519.SH")
    assert moutai.price == Decimal("1445.50") and not moutai.stale
    expected = (Decimal("1445.50") / Decimal("68.64")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert moutai.pe == {"2025": str(expected), "2026E": "19.27"}
    assert next(w for w in watch.lines if w.symbol == "000001.SZ").pe["2025"] == "亏损"
    assert next(w for w in watch.lines if w.symbol == "002230.SZ").pe["2025"] == "n.m."


def test_alerts_and_health_of_the_week(stored: tuple[Session, Any]) -> None:
    session, _ = stored
    report = _report(session)
    assert [(a.rule, a.label) for a in report.alerts] == [("gpu_price_drop", "azure A100-80G eastus")]
    health = {s.source: s for s in report.health.sources}
    assert health["tencent_gpu"].state == "failing" and health["tencent_gpu"].failed == 3
    assert "HTTP 503" in (health["tencent_gpu"].last_error or "")
    assert health["azure_gpu"].state == "ok"
    assert health["similarweb_traffic"].state == "never"  # enabled, never ran by the week's end
    assert {s.source for s in report.health.problems} >= {"tencent_gpu", "similarweb_traffic"}


def test_health_of_the_week_is_the_source_health_at_its_end(stored: tuple[Session, Any]) -> None:
    """The same verdict `aipulse status` gives at the week's end (storage.health), whatever else happened."""
    session, _ = stored
    daily = CONFIG.model_copy(update={"sources": {**CONFIG.sources, "azure_gpu": CONFIG.sources["azure_gpu"]
                                                  .model_copy(update={"every": timedelta(days=1)})}})  # fmt: skip
    # azure_gpu's last success (Wednesday) is more than three daily intervals before Monday 00:00: stale.
    assert {s.source: s for s in _report(session, daily).health.sources}["azure_gpu"].state == "stale"
    # kr36_funding succeeded this week, then failed on Saturday: failing, though the week had a success.
    _run_at(session, "kr36_funding", datetime(2026, 11, 21, 2, 0, tzinfo=UTC), "failed", "HTTP 502")
    # similarweb_traffic last ran a month earlier: stale now, no longer "never".
    _run_at(session, "similarweb_traffic", datetime(2026, 10, 20, 2, 0, tzinfo=UTC), "succeeded", None)
    health = {s.source: s for s in _report(session).health.sources}
    assert (health["kr36_funding"].state, health["kr36_funding"].succeeded, health["kr36_funding"].failed) == (
        "failing", 1, 1)  # fmt: skip
    assert health["kr36_funding"].last_error == "HTTP 502"
    assert health["similarweb_traffic"].state == "stale"
    assert health["similarweb_traffic"].last_success == datetime(2026, 10, 20, 2, 0, 5, tzinfo=UTC)


def _run_at(session: Session, source: str, at: datetime, status: str, error: str | None) -> None:
    run = start_run(session, source, "schedule", at, None)
    finish_run(session, run.id, status=status, finished_at=at + timedelta(seconds=5), error=error)


def test_a_week_without_data_says_why_each_section_is_empty(stored: tuple[Session, Any]) -> None:
    session, _ = stored
    week = report_week(date(2026, 11, 2), SH, NOW)  # before the stored weeks, after the first crawl? no: error
    with pytest.raises(ReportError, match="ended before aipulse's first crawl"):
        build_weekly_report(session, CONFIG, week, language="zh", kinds=KINDS, now=NOW)


def test_sections_of_a_quiet_week_give_their_reason(stored: tuple[Session, Any]) -> None:
    session, _ = stored
    quiet = AppConfig.model_validate({"sources": {"tencent_gpu": EVERY_DAY}})
    week = report_week(date(2026, 11, 23), SH, datetime(2026, 11, 29, tzinfo=UTC))
    report = build_weekly_report(session, quiet, week, language="en", kinds=KINDS, now=NOW)
    assert report.gpu.empty is None  # last week's offers are still listed, marked stale
    assert all(line.stale for line in report.gpu.lines)
    assert report.funding.empty is not None and report.funding.empty.code == "disabled"
    assert report.market.empty is not None and report.market.empty.code == "not_configured"
    assert report.watch.empty is not None and report.watch.empty.code == "not_configured"
    assert report.traffic.stale


def test_an_offer_delisted_weeks_before_is_left_out(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    gone = {
        **asdict(facts["gpu"][0]),
        "instance_type": "Standard_OLD_A100",
        "observed_at": datetime(2026, 10, 1, tzinfo=UTC),
    }
    run = start_run(session, "azure_gpu", "schedule", gone["observed_at"], None)
    write_items(session, "gpu", [gone], run.id)
    assert "Standard_OLD_A100" not in {line.instance for line in _report(session).gpu.lines}
    week = report_week(date(2026, 10, 12), SH, NOW)  # two weeks after it was last seen: listed, marked stale
    lines = build_weekly_report(session, CONFIG, week, language="zh", kinds=KINDS, now=NOW).gpu.lines
    assert [(line.instance, line.stale) for line in lines] == [("Standard_OLD_A100", True)]


def _cny_offer_beside(session: Session, usd: Any, price: str) -> None:
    """A tencent_gpu offer of the same model as `usd`, in CNY, stored in the report week."""
    cny = {**asdict(usd), "source": "tencent_gpu", "provider": "tencent", "instance_type": "GN10Xp.2XLARGE40",
           "region": "ap-beijing", "currency": "CNY", "gpu_count": Decimal(1), "price": Decimal(price),
           "price_per_gpu_hour": Decimal(price), "observed_at": datetime(2026, 11, 18, 3, 0, tzinfo=UTC)}  # fmt: skip
    run = start_run(session, "tencent_gpu", "schedule", cny["observed_at"], None)
    write_items(session, "gpu", [cny], run.id)


def test_gpu_table_ranks_each_model_by_the_fx_converted_price(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    usd = facts["gpu"][0]
    usd_prices = [o.price_per_gpu_hour for o in facts["gpu"] if o.gpu_model == usd.gpu_model]
    assert usd.currency == "USD" and min(usd_prices) < Decimal("3.00") < min(usd_prices) * Decimal("7.10")
    _cny_offer_beside(session, usd, "3.00")  # 3 CNY: the cheapest, though a bigger number than the cheapest USD
    lines = [g for g in _report(session).gpu.lines if g.model.startswith(usd.gpu_model)]
    per_gpu_cny = [g.per_gpu_hour * (Decimal("7.10") if g.currency == "USD" else 1) for g in lines if g.per_gpu_hour]
    assert lines[0].provider == "tencent"
    assert per_gpu_cny == sorted(per_gpu_cny)


def test_gpu_offers_without_an_fx_rate_are_ranked_apart_and_named(stored: tuple[Session, Any]) -> None:
    session, facts = stored
    usd = facts["gpu"][0]
    _cny_offer_beside(session, usd, "70.00")  # dearer than every USD offer once converted, but USD has no rate
    no_rates = CONFIG.model_copy(update={"fx": CONFIG.fx.model_copy(update={"rates": {}})})
    gpu = _report(session, no_rates).gpu
    lines = [g for g in gpu.lines if g.model.startswith(usd.gpu_model)]
    assert lines[0].currency == "CNY", "the convertible group (the base currency) first"
    assert {g.currency for g in lines[1:]} == {"USD"}
    assert gpu.unconverted == ["USD"]


def test_an_empty_section_of_a_source_whose_last_runs_failed_says_failing(stored: tuple[Session, Any]) -> None:
    """The reason agrees with the source's health at the week's end: an early success does not make it 'nothing'."""
    session, _ = stored
    config = AppConfig.model_validate({"sources": {"kr36_funding": EVERY_DAY}})
    monday = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    _run_at(session, "kr36_funding", monday, "succeeded", None)
    _run_at(session, "kr36_funding", monday + timedelta(days=1), "failed", "HTTP 502")
    _run_at(session, "kr36_funding", monday + timedelta(days=2), "failed", "HTTP 502")
    week = report_week(date(2026, 11, 23), SH, datetime(2026, 11, 30, 1, tzinfo=UTC))
    report = build_weekly_report(session, config, week, language="en", kinds=KINDS, now=NOW)
    assert report.funding.empty is not None
    assert (report.funding.empty.code, report.funding.empty.detail) == ("failing", "kr36_funding: HTTP 502")
