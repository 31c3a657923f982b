"""Storage on SQLite and PostgreSQL: idempotent writes, kept history, the reads, crawl runs, connection errors."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from spiders import items
from storage.db import DatabaseError, check_connection, create_db_engine, masked
from storage.models import Base, CrawlRun, FundingMention, FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.queries import history, latest, value_at
from storage.runs import abort_orphaned_runs, finish_run, last_runs, recent_runs, start_run
from storage.writes import (
    WriteStats,
    company_key,
    write_funding_rounds,
    write_gpu_offers,
    write_items,
    write_quotes,
    write_traffic_snapshots,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CST = timezone(timedelta(hours=8))
ND96 = {
    "source": "azure_gpu",
    "provider": "azure",
    "instance_type": "Standard_ND96asr_v4",
    "region": "eastus",
    "billing": "on_demand",
}


def gpu_row(observed_at: datetime = T0, **changes: Any) -> dict[str, Any]:
    """An Azure ND96asr v4 offer as a spider emits it, with `changes` applied."""
    fields: dict[str, Any] = {
        **ND96,
        "url": "https://prices.azure.com/api/retail/prices",
        "observed_at": observed_at,
        "gpu_model": "A100-40G",
        "gpu_variant": "SXM",
        "gpu_count": Decimal("8"),
        "vcpus": 96,
        "memory_gb": Decimal("900"),
        "currency": "USD",
        "price": Decimal("27.197"),
        **changes,
    }
    return asdict(items.GpuOffer(**fields))


def traffic_row(observed_at: datetime = T0, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "source": "similarweb",
        "url": "https://www.similarweb.com/website/chatgpt.com/",
        "observed_at": observed_at,
        "domain": "chatgpt.com",
        "period_start": date(2026, 2, 1),
        "granularity": "month",
        "visits": 5_140_000_000,
        "avg_visit_duration_s": Decimal("417"),
        "pages_per_visit": Decimal("3.94"),
        "bounce_rate": Decimal("0.4012"),
        "global_rank": 6,
        **changes,
    }
    return asdict(items.TrafficSnapshot(**fields))


def quote_row(observed_at: datetime = T0, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "source": "sina_quotes",
        "url": "https://hq.sinajs.cn/list=gb_nvda",
        "observed_at": observed_at,
        "symbol": "NVDA",
        "name": "NVIDIA",
        "kind": "stock",
        "currency": "USD",
        "quote_time": datetime(2026, 2, 27, 21, 0, tzinfo=UTC),
        "status": "closed",
        "price": Decimal("177.19"),
        "volume": 181_234_567,
        **changes,
    }
    return asdict(items.Quote(**fields))


def funding_row(observed_at: datetime = T0, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "source": "36kr",
        "url": "https://36kr.com/p/3180000000000001",
        "observed_at": observed_at,
        "company": "上海感图网络科技有限公司",
        "round": "B",
        "headline": "感图科技完成数亿元B轮融资",
        "published_at": datetime(2026, 2, 26, 9, 30, tzinfo=CST),
        "lead_investors": ["红杉中国"],
        "investors": ["红杉中国", "高瓴创投"],
        **changes,
    }
    return asdict(items.FundingRound(**fields))


def write(sessions: sessionmaker[Session], kind: str, *rows: dict[str, Any], run_id: int | None = None) -> WriteStats:
    """Write `rows` in their own committed transaction, as one crawl's pipeline does."""
    with sessions.begin() as session:
        return write_items(session, kind, rows, run_id)


def all_rows(sessions: sessionmaker[Session], model: type[Base]) -> list[Any]:
    with sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


def count(sessions: sessionmaker[Session], model: type[Base]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- GPU offers ------------------------------------------------------------------------------------


def test_same_offer_observed_twice_is_one_row_with_extended_last_seen(sessions: sessionmaker[Session]) -> None:
    first = write(sessions, "gpu", gpu_row(T0))
    second = write(sessions, "gpu", gpu_row(T0 + HOUR))

    (offer,) = all_rows(sessions, GpuOffer)
    assert (first, second) == (WriteStats(stored=1), WriteStats(unchanged=1))
    assert (offer.observed_at, offer.last_seen_at) == (T0, T0 + HOUR)


def test_changed_price_starts_a_new_row_and_keeps_history(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    stats = write(sessions, "gpu", gpu_row(T0 + HOUR, price=Decimal("24.48")))

    old, new = all_rows(sessions, GpuOffer)
    assert stats == WriteStats(stored=1)
    assert (old.price, old.observed_at, old.last_seen_at) == (Decimal("27.197"), T0, T0)
    assert (new.price, new.observed_at, new.last_seen_at) == (Decimal("24.48"), T0 + HOUR, T0 + HOUR)
    assert new.price_per_gpu_hour == Decimal("3.06")


def test_rewriting_the_same_observation_is_idempotent(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    stats = write(sessions, "gpu", gpu_row(T0))

    (offer,) = all_rows(sessions, GpuOffer)
    assert stats == WriteStats(unchanged=1)
    assert (offer.observed_at, offer.last_seen_at) == (T0, T0)


def test_same_instant_written_in_another_zone_is_the_same_observation(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    stats = write(sessions, "gpu", gpu_row(T0.astimezone(CST)))

    assert stats == WriteStats(unchanged=1)
    assert count(sessions, GpuOffer) == 1


def test_rewriting_an_observation_with_corrected_values_updates_it_in_place(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    write(sessions, "gpu", gpu_row(T0, price=Decimal("26.50")))

    (offer,) = all_rows(sessions, GpuOffer)
    assert offer.price == Decimal("26.50")


def test_repeated_offer_within_one_batch_is_one_row(sessions: sessionmaker[Session]) -> None:
    stats = write(sessions, "gpu", gpu_row(T0), gpu_row(T0 + HOUR))

    (offer,) = all_rows(sessions, GpuOffer)
    assert stats == WriteStats(stored=1, unchanged=1)
    assert offer.last_seen_at == T0 + HOUR


def test_sold_out_offer_keeps_no_price_and_is_unavailable(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    write(sessions, "gpu", gpu_row(T0 + HOUR, price=None, available=False))

    before, sold_out = all_rows(sessions, GpuOffer)
    assert (sold_out.price, sold_out.price_per_gpu_hour, sold_out.available) == (None, None, False)
    assert (before.price, before.available) == (Decimal("27.197"), True)
    with sessions() as session:
        assert [o.id for o in latest(session, "gpu")] == [sold_out.id]


def test_offer_with_repeating_per_gpu_price_observed_twice_is_one_row(sessions: sessionmaker[Session]) -> None:
    three_gpus = {"gpu_count": Decimal("3"), "price": Decimal("1.577")}
    write(sessions, "gpu", gpu_row(T0, **three_gpus))
    stats = write(sessions, "gpu", gpu_row(T0 + HOUR, **three_gpus))

    assert stats == WriteStats(unchanged=1)
    assert count(sessions, GpuOffer) == 1


def test_rows_remember_the_run_that_stored_them(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        run_id = start_run(session, "azure_gpu", "schedule", T0, pid=None).id
    write(sessions, "gpu", gpu_row(T0), run_id=run_id)

    (offer,) = all_rows(sessions, GpuOffer)
    assert offer.run_id == run_id


def test_deleting_a_run_keeps_the_facts_it_stored(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        run_id = start_run(session, "azure_gpu", "schedule", T0, pid=None).id
    write(sessions, "gpu", gpu_row(T0), run_id=run_id)
    with sessions.begin() as session:
        session.delete(session.get(CrawlRun, run_id))

    (offer,) = all_rows(sessions, GpuOffer)
    assert offer.run_id is None


# --- reads -----------------------------------------------------------------------------------------


def test_latest_returns_one_row_per_series(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0), gpu_row(T0, region="westus2", price=Decimal("32.77")))
    write(sessions, "gpu", gpu_row(T0 + HOUR, price=Decimal("24.48")))

    with sessions() as session:
        found = {(o.region, o.price) for o in latest(session, "gpu")}
    assert found == {("eastus", Decimal("24.48")), ("westus2", Decimal("32.77"))}


def test_latest_filters_by_provider_and_gpu_model_list(sessions: sessionmaker[Session]) -> None:
    write(
        sessions,
        "gpu",
        gpu_row(T0),
        gpu_row(T0, instance_type="Standard_ND96isr_H100_v5", gpu_model="H100", price=Decimal("98.32")),
        gpu_row(T0, source="aliyun_gpu", provider="aliyun", instance_type="ecs.gn7-c13g1.13xlarge", currency="CNY"),
    )

    with sessions() as session:
        azure = {o.instance_type for o in latest(session, "gpu", provider="azure")}
        a100 = {o.provider for o in latest(session, "gpu", gpu_model=["A100-40G", "A800-80G"])}
    assert azure == {"Standard_ND96asr_v4", "Standard_ND96isr_H100_v5"}
    assert a100 == {"azure", "aliyun"}


def test_latest_as_of_a_time_ignores_later_observations(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    write(sessions, "gpu", gpu_row(T0 + HOUR, price=Decimal("24.48")))

    with sessions() as session:
        (offer,) = latest(session, "gpu", at=T0 + HOUR / 2)
    assert offer.price == Decimal("27.197")


def test_value_at_returns_state_in_force_at_that_time(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0))
    write(sessions, "gpu", gpu_row(T0 + 2 * HOUR, price=Decimal("24.48")))

    with sessions() as session:
        before_first = value_at(session, "gpu", ND96, T0 - HOUR)
        at_first = value_at(session, "gpu", ND96, T0)
        between = value_at(session, "gpu", ND96, T0 + HOUR)
        at_change = value_at(session, "gpu", ND96, (T0 + 2 * HOUR).astimezone(CST))
    assert before_first is None
    assert (at_first.price, between.price, at_change.price) == (Decimal("27.197"), Decimal("27.197"), Decimal("24.48"))


def test_history_starts_with_state_in_force_at_window_start(sessions: sessionmaker[Session]) -> None:
    for hours, price in ((0, "27.197"), (2, "24.48"), (4, "22.03"), (6, "20.00")):
        write(sessions, "gpu", gpu_row(T0 + hours * HOUR, price=Decimal(price)))

    with sessions() as session:
        window = history(session, "gpu", ND96, since=T0 + HOUR, until=T0 + 4 * HOUR)
        from_start = history(session, "gpu", ND96, since=T0 - HOUR)
    assert [o.price for o in window] == [Decimal("27.197"), Decimal("24.48"), Decimal("22.03")]
    assert [o.observed_at for o in from_start] == [T0, T0 + 2 * HOUR, T0 + 4 * HOUR, T0 + 6 * HOUR]


# --- column types ----------------------------------------------------------------------------------


def test_aware_datetimes_round_trip_as_utc(sessions: sessionmaker[Session]) -> None:
    quote_time = datetime(2026, 2, 27, 15, 0, tzinfo=CST)
    write(sessions, "quotes", quote_row(quote_time=quote_time, observed_at=T0.astimezone(CST)))

    (quote,) = all_rows(sessions, Quote)
    assert quote.quote_time == quote_time
    assert quote.quote_time.utcoffset() == timedelta(0)
    assert (quote.quote_time.hour, quote.observed_at) == (7, T0)


def test_decimal_prices_round_trip_exactly(sessions: sessionmaker[Session]) -> None:
    prices = ["0.7345", "297.476", "1.577", "12345678901234567.0123456789"]
    write(sessions, "gpu", *(gpu_row(T0, region=f"r{i}", price=Decimal(p)) for i, p in enumerate(prices)))

    stored = [str(o.price) for o in all_rows(sessions, GpuOffer)]
    assert stored == prices


def test_whole_number_decimals_read_back_in_plain_notation(sessions: sessionmaker[Session]) -> None:
    write(sessions, "gpu", gpu_row(T0, price=Decimal("100"), gpu_count=Decimal("10")))

    (offer,) = all_rows(sessions, GpuOffer)
    assert (str(offer.price), f"{offer.gpu_count:g}") == ("100", "10")


def test_naive_datetime_is_refused_rather_than_stored(sessions: sessionmaker[Session]) -> None:
    naive = datetime(2026, 3, 1, 8, 0)  # noqa: DTZ001 - the point of the test

    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        write(sessions, "gpu", gpu_row(naive))
    assert count(sessions, GpuOffer) == 0


# --- traffic ---------------------------------------------------------------------------------------


def test_month_released_again_with_other_numbers_is_a_new_revision(sessions: sessionmaker[Session]) -> None:
    write(sessions, "traffic", traffic_row(T0))
    stats = write(sessions, "traffic", traffic_row(T0 + 24 * HOUR, visits=5_210_000_000, global_rank=5))

    first, second = all_rows(sessions, TrafficSnapshot)
    assert stats == WriteStats(stored=1)
    assert [(s.revision, s.visits) for s in (first, second)] == [(1, 5_140_000_000), (2, 5_210_000_000)]
    with sessions() as session:
        (newest,) = latest(session, "traffic", domain="chatgpt.com")
    assert (newest.revision, newest.global_rank) == (2, 5)


def test_identical_re_release_of_a_month_is_unchanged(sessions: sessionmaker[Session]) -> None:
    write(sessions, "traffic", traffic_row(T0))
    stats = write(sessions, "traffic", traffic_row(T0 + 24 * HOUR))

    (snapshot,) = all_rows(sessions, TrafficSnapshot)
    assert stats == WriteStats(unchanged=1)
    assert (snapshot.revision, snapshot.last_seen_at) == (1, T0 + 24 * HOUR)


def test_latest_traffic_is_the_newest_period(sessions: sessionmaker[Session]) -> None:
    write(sessions, "traffic", traffic_row(T0), traffic_row(T0, visits=6_000_000_000))
    write(sessions, "traffic", traffic_row(T0 + HOUR, period_start=date(2026, 3, 1), visits=5_500_000_000))

    with sessions() as session:
        (newest,) = latest(session, "traffic")
        (in_february,) = latest(session, "traffic", at=datetime(2026, 2, 28, tzinfo=UTC))
    assert (newest.period_start, newest.visits) == (date(2026, 3, 1), 5_500_000_000)
    assert (in_february.period_start, in_february.revision, in_february.visits) == (date(2026, 2, 1), 2, 6_000_000_000)


# --- quotes ----------------------------------------------------------------------------------------


def test_same_quote_fetched_twice_is_one_row(sessions: sessionmaker[Session]) -> None:
    first = write(sessions, "quotes", quote_row(T0))
    second = write(sessions, "quotes", quote_row(T0 + HOUR), quote_row(T0 + 2 * HOUR))

    assert (first, second) == (WriteStats(stored=1), WriteStats(unchanged=2))
    assert count(sessions, Quote) == 1


def test_another_source_for_the_same_moment_is_kept_as_its_own_row(sessions: sessionmaker[Session]) -> None:
    write(sessions, "quotes", quote_row(T0))
    stats = write(sessions, "quotes", quote_row(T0, source="eastmoney_quotes", price=Decimal("177.2")))

    assert stats == WriteStats(stored=1)
    assert {(q.source, q.price) for q in all_rows(sessions, Quote)} == {
        ("sina_quotes", Decimal("177.19")),
        ("eastmoney_quotes", Decimal("177.2")),
    }


def test_quotes_keep_one_row_per_exchange_time(sessions: sessionmaker[Session]) -> None:
    close = datetime(2026, 2, 27, 21, 0, tzinfo=UTC)
    write(sessions, "quotes", quote_row(T0, quote_time=close))
    write(sessions, "quotes", quote_row(T0 + HOUR, quote_time=close + 24 * HOUR, price=Decimal("180.01")))

    with sessions() as session:
        (newest,) = latest(session, "quotes", symbol="NVDA")
        then = value_at(session, "quotes", {"symbol": "NVDA"}, close + HOUR)
    assert count(sessions, Quote) == 2
    assert (newest.price, then.price) == (Decimal("180.01"), Decimal("177.19"))


# --- funding ---------------------------------------------------------------------------------------


def test_same_round_from_two_outlets_is_one_round_with_two_mentions(sessions: sessionmaker[Session]) -> None:
    write(sessions, "funding", funding_row(T0))
    stats = write(
        sessions,
        "funding",
        funding_row(
            T0 + 24 * HOUR,
            source="itjuzi",
            url="https://www.itjuzi.com/company/98765",
            company="上海感图网络科技",
            published_at=datetime(2026, 2, 28, 10, 0, tzinfo=CST),
            investors=["高瓴创投", "元禾原点"],
        ),
    )

    (funding_round,) = all_rows(sessions, FundingRound)
    mentions = all_rows(sessions, FundingMention)
    assert stats == WriteStats(unchanged=1)
    assert [m.source for m in mentions] == ["36kr", "itjuzi"]
    assert {m.round_id for m in mentions} == {funding_round.id}
    assert sorted(funding_round.investors) == ["元禾原点", "红杉中国", "高瓴创投"]
    assert funding_round.lead_investors == ["红杉中国"]


def test_later_mention_fills_an_amount_the_first_lacked(sessions: sessionmaker[Session]) -> None:
    write(sessions, "funding", funding_row(T0))
    amount = {"amount_min": Decimal("100000000"), "amount_max": Decimal("100000000"), "currency": "CNY"}
    write(sessions, "funding", funding_row(T0, source="itjuzi", url="https://www.itjuzi.com/c/1", **amount))

    (funding_round,) = all_rows(sessions, FundingRound)
    assert (funding_round.amount_min, funding_round.currency) == (Decimal("100000000"), "CNY")


def test_same_article_seen_twice_is_unchanged(sessions: sessionmaker[Session]) -> None:
    write(sessions, "funding", funding_row(T0))
    stats = write(sessions, "funding", funding_row(T0 + HOUR), funding_row(T0 + 2 * HOUR))

    assert stats == WriteStats(unchanged=2)
    assert (count(sessions, FundingRound), count(sessions, FundingMention)) == (1, 1)


def test_same_company_and_round_months_apart_are_two_rounds(sessions: sessionmaker[Session]) -> None:
    write(sessions, "funding", funding_row(T0))
    stats = write(
        sessions,
        "funding",
        funding_row(T0, url="https://36kr.com/p/3180000000000999", published_at=datetime(2026, 6, 1, tzinfo=CST)),
    )

    assert stats == WriteStats(stored=1)
    assert count(sessions, FundingRound) == 2


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海感图网络科技有限公司", "上海感图网络科技"),
        ("World Labs Inc.", "world labs"),
        ("World Labs, Inc.", "World-Labs"),
        ("智谱华章股份有限公司", "智谱华章"),
        ("ＭｉｎｉＭａｘ", "minimax"),
        ("Moonshot AI Ltd", "Moonshot AI"),
    ],
)
def test_company_key_folds_legal_suffix_width_case_and_punctuation(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)


def test_company_key_keeps_different_companies_apart() -> None:
    assert company_key("Moonshot AI") != company_key("Moonshot")


def test_company_key_keeps_names_that_merely_end_like_a_suffix() -> None:
    assert (company_key("Cisco"), company_key("Zinc")) == ("cisco", "zinc")


# --- crawl runs ------------------------------------------------------------------------------------


def test_finished_run_stores_counts_and_status(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        run_id = start_run(session, "azure_gpu", "schedule", T0, pid=4242).id
        finish_run(
            session,
            run_id,
            status="succeeded",
            finished_at=T0 + HOUR,
            stored=3,
            unchanged=5,
            dropped=1,
            requests=2,
            details={"pages": 2},
        )

    (run,) = all_rows(sessions, CrawlRun)
    assert (run.status, run.started_at, run.finished_at, run.error) == ("succeeded", T0, T0 + HOUR, None)
    assert (run.items_stored, run.items_unchanged, run.items_dropped, run.requests) == (3, 5, 1, 2)
    assert (run.details, run.pid, run.trigger) == ({"pages": 2}, 4242, "schedule")


def test_running_run_has_no_outcome_yet(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        start_run(session, "azure_gpu", "manual", T0, pid=None)

    (run,) = all_rows(sessions, CrawlRun)
    assert (run.status, run.finished_at, run.items_stored) == ("running", None, 0)


def test_finishing_a_closed_run_keeps_its_first_outcome(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        run_id = start_run(session, "azure_gpu", "schedule", T0, pid=None).id
        finish_run(session, run_id, status="failed", finished_at=T0 + HOUR, error="HTTP 503")
    with sessions.begin() as session:
        finish_run(session, run_id, status="succeeded", finished_at=T0 + 2 * HOUR, stored=9)

    (run,) = all_rows(sessions, CrawlRun)
    assert (run.status, run.finished_at, run.error, run.items_stored) == ("failed", T0 + HOUR, "HTTP 503", 0)


@pytest.mark.parametrize("status", ["running", "done"])
def test_finish_run_refuses_a_status_that_is_not_final(sessions: sessionmaker[Session], status: str) -> None:
    with sessions.begin() as session:
        run_id = start_run(session, "azure_gpu", "schedule", T0, pid=None).id
        with pytest.raises(ValueError, match="not a final run status"):
            finish_run(session, run_id, status=status, finished_at=T0 + HOUR)


def test_finish_run_of_an_unknown_run_raises_lookup_error(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(LookupError):
        finish_run(session, 999, status="succeeded", finished_at=T0)


def test_abort_orphaned_runs_closes_dead_runs_and_leaves_alive_ones(sessions: sessionmaker[Session]) -> None:
    alive, dead = os.getpid(), 2**22 + 1
    with sessions.begin() as session:
        mine = start_run(session, "azure_gpu", "schedule", T0, pid=alive).id
        crashed = start_run(session, "aliyun_gpu", "schedule", T0, pid=dead).id
        unknown = start_run(session, "similarweb", "manual", T0, pid=None).id
        done = start_run(session, "sina_quotes", "schedule", T0, pid=dead).id
        finish_run(session, done, status="succeeded", finished_at=T0 + HOUR)
    with sessions.begin() as session:
        closed = abort_orphaned_runs(session, T0 + 2 * HOUR, alive=[alive])

    runs = {run.id: run for run in all_rows(sessions, CrawlRun)}
    assert sorted(closed) == sorted([crashed, unknown])
    assert runs[mine].status == "running"
    assert [(runs[i].status, runs[i].finished_at) for i in (crashed, unknown)] == [("aborted", T0 + 2 * HOUR)] * 2
    assert runs[crashed].error
    assert (runs[done].status, runs[done].finished_at) == ("succeeded", T0 + HOUR)


def test_last_runs_returns_the_newest_run_per_source(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for hours, source in ((0, "azure_gpu"), (0, "sina_quotes"), (1, "azure_gpu"), (2, "sina_quotes")):
            start_run(session, source, "schedule", T0 + hours * HOUR, pid=None)

    with sessions() as session:
        newest = {source: run.started_at for source, run in last_runs(session).items()}
    assert newest == {"azure_gpu": T0 + HOUR, "sina_quotes": T0 + 2 * HOUR}


def test_recent_runs_are_newest_first_and_limited(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for hours in (1, 3, 2, 0):
            start_run(session, "azure_gpu", "schedule", T0 + hours * HOUR, pid=None)
        start_run(session, "sina_quotes", "schedule", T0 + 9 * HOUR, pid=None)

    with sessions() as session:
        runs = recent_runs(session, "azure_gpu", limit=3)
    assert [run.started_at for run in runs] == [T0 + 3 * HOUR, T0 + 2 * HOUR, T0 + HOUR]


def test_recent_runs_before_a_time_leave_later_runs_out(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for hours in (0, 1, 2, 3):
            start_run(session, "azure_gpu", "schedule", T0 + hours * HOUR, pid=None)

    with sessions() as session:
        runs = recent_runs(session, "azure_gpu", limit=10, before=T0 + 2 * HOUR)
    assert [run.started_at for run in runs] == [T0 + HOUR, T0]


# --- engine and connection -------------------------------------------------------------------------


def test_write_items_dispatches_by_kind(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        stats = [
            write_gpu_offers(session, [gpu_row()]),
            write_traffic_snapshots(session, [traffic_row()]),
            write_quotes(session, [quote_row()]),
            write_funding_rounds(session, [funding_row()]),
        ]
    assert stats == [WriteStats(stored=1)] * 4
    assert [count(sessions, m) for m in (GpuOffer, TrafficSnapshot, Quote, FundingRound)] == [1, 1, 1, 1]


def test_sessions_keep_loaded_objects_usable_after_commit(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        run = start_run(session, "azure_gpu", "schedule", T0, pid=None)
    assert (run.source, run.status) == ("azure_gpu", "running")


def test_sqlite_engine_uses_wal_and_enforces_foreign_keys(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    with engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    engine.dispose()
    assert (journal, foreign_keys) == ("wal", 1)


def test_sqlite_engine_creates_the_missing_folder(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'data' / 'nested' / 'aipulse.db'}")
    check_connection(engine)
    engine.dispose()
    assert (tmp_path / "data" / "nested" / "aipulse.db").is_file()


def test_unreachable_postgresql_raises_database_error_naming_the_masked_url() -> None:
    engine = create_db_engine("postgresql+psycopg://u:secretpw@127.0.0.1:1/x")

    with pytest.raises(DatabaseError) as raised:
        check_connection(engine)
    message = str(raised.value)
    assert "secretpw" not in message
    assert "postgresql+psycopg://u:***@127.0.0.1:1/x" in message
    assert "refused" in message.lower()


def test_sqlite_path_that_cannot_be_opened_raises_database_error(tmp_path: Path) -> None:
    folder = tmp_path / "aipulse.db"
    folder.mkdir()  # a directory where the database file should be
    engine = create_db_engine(f"sqlite:///{folder}")

    with pytest.raises(DatabaseError, match="unable to open database file") as raised:
        check_connection(engine)
    assert str(folder) in str(raised.value)


def test_sqlite_folder_that_cannot_be_created_raises_database_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the database folder should be")

    with pytest.raises(DatabaseError, match="data"):
        check_connection(create_db_engine(f"sqlite:///{blocker / 'aipulse.db'}"))


def test_invalid_url_error_does_not_repeat_the_password() -> None:
    with pytest.raises(DatabaseError, match="invalid database URL") as raised:
        create_db_engine("postgresql+psycopg//u:secretpw@127.0.0.1/x")  # missing ':' after the scheme
    assert "secretpw" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://u:secretpw@db.example:5432/aipulse",
            "postgresql+psycopg://u:***@db.example:5432/aipulse",
        ),
        ("sqlite:///data/aipulse.db", "sqlite:///data/aipulse.db"),
        ("not a url :secretpw@", "<unparseable database URL>"),
    ],
)
def test_masked_hides_the_password(url: str, shown: str) -> None:
    assert masked(url) == shown
