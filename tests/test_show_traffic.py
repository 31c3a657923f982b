"""`aipulse show traffic`: the latest complete period, changes vs the period just before, apps without data."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.config import AppConfig
from core.config.traffic import DEFAULT_APPS, TrafficApp
from monitor.show_traffic import (
    add_parser,
    build_traffic_table,
    cmd_show_traffic,
    format_duration_ms,
    previous_period,
    render_traffic_table,
)
from storage.db import session_factory
from storage.writes import write_traffic_snapshots
from tests.crawl_support import migrated

OBSERVED = datetime(2026, 11, 12, 6, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)  # a Thursday: the week of Sunday 2026-11-22 is not over


def snapshot(source: str, domain: str, start: date, granularity: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": source, "url": f"https://example.test/{domain}", "observed_at": values.pop("observed_at", OBSERVED),
        "domain": domain, "period_start": start, "granularity": granularity, "visits": None,
        "avg_visit_duration_s": None, "pages_per_visit": None, "bounce_rate": None, "global_rank": None,
    }  # fmt: skip
    row.update(values)
    return row


def monthly(domain: str, month: int, **values: Any) -> dict[str, Any]:
    return snapshot("similarweb_traffic", domain, date(2026, month, 1), "month", **values)


def weekly(domain: str, start: date, **values: Any) -> dict[str, Any]:
    return snapshot("similarweb_api_traffic", domain, start, "week", **values)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    engine = migrated(sqlite_url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def store(session: Session, *rows: dict[str, Any]) -> None:
    write_traffic_snapshots(session, rows)
    session.commit()


def cells(output: str, app: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(app + " "))
    return re.split(r"\s{2,}", line.strip())


def show(session: Session, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="what"))
    args = parser.parse_args(["traffic", *argv])
    code = args.show(args, AppConfig(), session)
    return code, capsys.readouterr().out


def test_monthly_table_shows_the_changes_vs_the_month_before(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    store(
        session,
        monthly("chatgpt.com", 9, visits=5_000_000_000, avg_visit_duration_s=Decimal("400")),
        monthly("chatgpt.com", 10, visits=5_500_000_000, avg_visit_duration_s=Decimal("380"), global_rank=5),
        monthly("kimi.com", 10, visits=31_000_000, avg_visit_duration_s=Decimal("388.4"), global_rank=1234),
        monthly("perplexity.ai", 9, visits=120_000_000, avg_visit_duration_s=Decimal("300")),
        monthly("perplexity.ai", 10, visits=90_000_000, avg_visit_duration_s=Decimal("330.5")),
    )
    code, out = show(session, capsys, "--granularity", "month")
    assert code == 0
    heading = out.splitlines()[0]
    assert "2026-10 (monthly; source: SimilarWeb free extension endpoint `similarweb_traffic`)" in heading
    assert "change vs 2026-09" in heading
    assert cells(out, "ChatGPT") == ["ChatGPT", "5,500.00", "+10.0%", "6:20", "-5.0%", "5"]
    assert cells(out, "Perplexity") == ["Perplexity", "90.00", "-25.0%", "5:31", "+10.2%", "—"]
    assert cells(out, "Kimi") == ["Kimi", "31.00", "—", "6:28", "—", "1,234"], "no September: no change"
    assert cells(out, "Gemini") == ["Gemini", "no data", "—", "—", "—", "—"]
    assert " 0.00 " not in out and "+0.0%" not in out


def test_a_revised_month_uses_its_newest_numbers_and_keeps_the_duration_of_the_first_release(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    store(
        session,
        monthly("chatgpt.com", 9, visits=5_000_000_000, avg_visit_duration_s=Decimal("400")),
        monthly("chatgpt.com", 10, visits=5_500_000_000, avg_visit_duration_s=Decimal("380"), global_rank=5),
    )
    # October again, as next month's history: visits only, revised up
    store(session, monthly("chatgpt.com", 10, visits=5_600_000_000, observed_at=datetime(2026, 12, 12, tzinfo=UTC)))
    table = build_traffic_table(session, DEFAULT_APPS[:1], "month", TODAY)
    (line,) = table.lines
    assert (line.visits, line.visits_change_pct, line.avg_visit_duration_s) == (
        5_600_000_000,
        Decimal(12),
        Decimal(380),
    )


def test_weekly_table_takes_the_latest_complete_week_of_the_api(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    store(
        session,
        weekly("chatgpt.com", date(2026, 11, 8), visits=1_400_000_000, avg_visit_duration_s=Decimal("390")),
        weekly("chatgpt.com", date(2026, 11, 15), visits=1_386_000_000, avg_visit_duration_s=Decimal("409.5")),
        weekly("chatgpt.com", date(2026, 11, 22), visits=700_000_000, avg_visit_duration_s=Decimal("300")),
        # Kimi skipped the week of 11-08: no change against 11-01, two weeks back
        weekly("kimi.com", date(2026, 11, 1), visits=7_000_000, avg_visit_duration_s=Decimal("300")),
        weekly("kimi.com", date(2026, 11, 15), visits=8_000_000, avg_visit_duration_s=Decimal("310")),
        monthly("chatgpt.com", 10, visits=5_500_000_000),
    )
    table = build_traffic_table(session, DEFAULT_APPS, None, TODAY)
    assert (table.granularity, table.source, table.period_start) == (
        "week",
        "similarweb_api_traffic",
        date(2026, 11, 15),
    )
    out = render_traffic_table(table)
    assert "week 2026-11-15 – 2026-11-21 (weekly; source: SimilarWeb API `similarweb_api_traffic`)" in out
    assert "change vs week 2026-11-08 – 2026-11-14" in out
    assert cells(out, "ChatGPT") == ["ChatGPT", "1,386.00", "-1.0%", "6:50", "+5.0%", "—"]
    assert cells(out, "Kimi") == ["Kimi", "8.00", "—", "5:10", "—", "—"]
    assert cells(out, "Bing") == ["Bing", "no data", "—", "—", "—", "—"]


def test_the_week_still_running_is_not_shown_until_it_ends(session: Session) -> None:
    store(session, weekly("chatgpt.com", date(2026, 11, 22), visits=700_000_000))
    assert build_traffic_table(session, DEFAULT_APPS, "week", TODAY).source is None
    table = build_traffic_table(session, DEFAULT_APPS, "week", date(2026, 11, 29))
    assert table.period_start == date(2026, 11, 22)


def test_changes_are_never_computed_across_granularities_or_sources(session: Session) -> None:
    store(
        session,
        monthly("chatgpt.com", 9, visits=5_000_000_000),
        snapshot("similarweb_api_traffic", "chatgpt.com", date(2026, 10, 1), "month", visits=5_200_000_000),
        weekly("chatgpt.com", date(2026, 9, 27), visits=1_000_000_000),
    )
    (line,) = build_traffic_table(session, DEFAULT_APPS[:1], "month", TODAY).lines
    assert (line.visits, line.visits_change_pct) == (5_200_000_000, None)


def test_monthly_prefers_the_api_and_falls_back_to_the_free_endpoint(session: Session) -> None:
    store(session, monthly("chatgpt.com", 10, visits=5_500_000_000))
    assert build_traffic_table(session, DEFAULT_APPS, "month", TODAY).source == "similarweb_traffic"
    store(session, snapshot("similarweb_api_traffic", "chatgpt.com", date(2026, 9, 1), "month", visits=5_200_000_000))
    assert build_traffic_table(session, DEFAULT_APPS, "month", TODAY).source == "similarweb_api_traffic"


def test_a_source_without_rank_borrows_tranco_and_says_so(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    store(
        session,
        weekly("chatgpt.com", date(2026, 11, 15), visits=1_386_000_000),
        snapshot("tranco_traffic", "chatgpt.com", date(2026, 11, 20), "day", global_rank=88),
        snapshot("tranco_traffic", "chatgpt.com", date(2026, 11, 21), "day", global_rank=87),
        snapshot("tranco_traffic", "chatgpt.com", date(2026, 11, 23), "day", global_rank=80),  # after the week
    )
    code, out = show(session, capsys, "--domains", "chatgpt.com")
    assert code == 0
    assert cells(out, "ChatGPT")[-1] == "87 (Tranco)"
    assert "(Tranco): the source has no rank" in out


def test_domains_option_picks_apps_and_names_unknown_domains_by_domain(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    store(session, monthly("wrtn.ai", 10, visits=3_254_665), monthly("kimi.com", 10, visits=31_000_000))
    code, out = show(session, capsys, "--domains", "https://www.wrtn.ai/,kimi.com", "--granularity", "month")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith(("wrtn.ai", "Kimi", "ChatGPT"))]
    assert [line.split()[0] for line in lines] == ["wrtn.ai", "Kimi"]


def test_nothing_stored_says_what_to_crawl_and_exits_1(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = show(session, capsys, "--granularity", "week")
    assert code == 1
    assert "no complete weekly traffic period" in out and "similarweb_api_traffic" in out


def test_a_bad_domain_exits_2(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["traffic", "--domains", "not a domain"])
    assert cmd_show_traffic(args, AppConfig(), session) == 2
    assert "not a domain name" in capsys.readouterr().err


def test_granularity_choices_are_week_and_month_only() -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["traffic", "--granularity", "day"])


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(Decimal("388"), "6:28"), (Decimal("388.49"), "6:28"), (Decimal("388.5"), "6:29"), (Decimal("59.6"), "1:00"),
     (Decimal("653.6227479279224"), "10:54"), (None, "—")],
)  # fmt: skip
def test_durations_are_m_ss_rounded_to_the_nearest_second(seconds: Decimal | None, text: str) -> None:
    assert format_duration_ms(seconds) == text


@pytest.mark.parametrize(
    ("start", "granularity", "before"),
    [(date(2026, 1, 1), "month", date(2025, 12, 1)), (date(2026, 3, 1), "month", date(2026, 2, 1)),
     (date(2026, 11, 15), "week", date(2026, 11, 8)), (date(2026, 3, 1), "day", date(2026, 2, 28))],
)  # fmt: skip
def test_previous_period_is_the_one_just_before_of_the_same_granularity(
    start: date, granularity: str, before: date
) -> None:
    assert previous_period(start, granularity) == before


def test_apps_are_listed_in_configured_order(session: Session) -> None:
    apps = (TrafficApp(name="B", domain="b.com"), TrafficApp(name="A", domain="a.com"))
    store(session, monthly("a.com", 10, visits=1), monthly("b.com", 10, visits=2))
    assert [line.app for line in build_traffic_table(session, apps, "month", TODAY).lines] == ["B", "A"]
