"""The report's GPU trend rolled up by day (storage.gpu_days): kept days are read back, writes drop what they touch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.config.fx import FxConfig
from monitor.report.build_gpu import TREND_WEEKS, gpu_trend
from monitor.report.model import GpuTrend
from monitor.report.week import report_week
from storage.db import create_db_engine, session_factory
from storage.gpu_days import LOCK_WAIT
from storage.migrate import upgrade
from storage.models import GpuDay, GpuDayCover
from storage.writes import write_items
from tests.report_store import store_gpu

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai
WEEK = report_week(None, SH, NOW)
FIRST_DAY = WEEK.monday - timedelta(days=7 * (TREND_WEEKS - 1))
FX = FxConfig.model_validate({"base": "CNY", "rates": {"USD": "7.10"}})


@pytest.fixture
def stored(db_url: str) -> Iterator[tuple[Session, list[Any]]]:
    engine = create_db_engine(db_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        offers = store_gpu(session)
        session.commit()
        yield session, offers
    engine.dispose()


def _trend(session: Session, models: tuple[str, ...] = ()) -> list[GpuTrend]:
    trend, _ = gpu_trend(session, FX, WEEK, FIRST_DAY, models, NOW)
    session.commit()
    return trend


def _points(trend: list[GpuTrend], model: str) -> dict[date, Decimal]:
    return dict(next(t for t in trend if t.model == model and t.provider == "azure").points)


def _covers(session: Session) -> list[date]:
    return list(session.scalars(select(GpuDayCover.day).where(GpuDayCover.zone == SH.key).order_by(GpuDayCover.day)))


def test_the_days_over_for_two_days_are_kept_and_the_last_ones_are_not(stored: tuple[Session, list[Any]]) -> None:
    session, _ = stored
    _trend(session)
    # NOW - 2 days is Saturday 08:30 Shanghai: Friday 11-20 is the last day kept, the weekend is grouped again
    assert _covers(session) == [FIRST_DAY + timedelta(days=d) for d in range((date(2026, 11, 20) - FIRST_DAY).days + 1)]


def test_a_second_report_shows_the_same_trend_from_the_kept_days(stored: tuple[Session, list[Any]]) -> None:
    session, _ = stored
    first = _trend(session)
    assert _covers(session)
    assert _trend(session) == first


def test_a_kept_day_is_what_the_report_shows(stored: tuple[Session, list[Any]]) -> None:
    session, offers = stored
    model = offers[0].gpu_model
    before = _points(_trend(session), model)
    day = date(2026, 11, 11)
    session.execute(update(GpuDay).where(GpuDay.gpu_model == model, GpuDay.day == day).values(cheapest=0.5))
    session.commit()
    after = _points(_trend(session), model)
    assert after[day] == Decimal("3.55")  # 0.5 USD in CNY: read from the roll-up, not from the offers
    assert {d: v for d, v in after.items() if d != day} == {d: v for d, v in before.items() if d != day}


def test_an_offer_written_into_kept_days_drops_them_and_the_trend_shows_it(stored: tuple[Session, list[Any]]) -> None:
    session, offers = stored
    model = offers[0].gpu_model
    before = _points(_trend(session), model)
    at = datetime(2026, 11, 13, 2, 0, tzinfo=UTC)  # Friday 10:00 Shanghai, a week after the days were kept
    cheap = replace(offers[0], instance_type="backfilled", price=Decimal("0.10"), price_per_gpu_hour=Decimal("0.10"))
    write_items(session, "gpu", [{**asdict(cheap), "observed_at": at}])
    session.commit()
    assert _covers(session)[-1] == date(2026, 11, 11)  # 11-12 (UTC day of the write, minus one) onwards dropped
    points = _points(_trend(session), model)
    assert points[date(2026, 11, 13)] == Decimal("0.71")  # 0.10 USD
    assert points[date(2026, 11, 11)] == before[date(2026, 11, 11)]


def test_an_offer_seen_again_unchanged_fills_the_kept_days_since_it_was_last_seen(
    stored: tuple[Session, list[Any]],
) -> None:
    session, offers = stored
    model = offers[0].gpu_model
    assert max(_points(_trend(session), model)) == date(2026, 11, 18)  # last seen Wednesday: not in force after
    later = [replace(o, price=o.price * Decimal("1.1"), price_per_gpu_hour=o.price_per_gpu_hour * Decimal("1.1"))
             if o is offers[0] else o for o in offers]  # fmt: skip  # the state stored on 11-18
    seen = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    write_items(session, "gpu", [{**asdict(o), "observed_at": seen} for o in later])
    session.commit()
    assert max(_points(_trend(session), model)) == WEEK.sunday  # 11-19 and 11-20 were kept without it


def test_a_report_for_some_models_keeps_the_days_of_every_model(stored: tuple[Session, list[Any]]) -> None:
    session, offers = stored
    other = replace(offers[0], instance_type="Standard_ND96isr_H100_v5", gpu_model="H100-80G")
    write_items(session, "gpu", [asdict(other)])
    session.commit()
    models = sorted({offers[0].gpu_model, other.gpu_model})
    _trend(session, (models[0],))
    kept = set(session.scalars(select(GpuDay.gpu_model).distinct()))
    assert kept == set(models)
    assert [t.model for t in _trend(session, (models[1],))] == [models[1]]


def test_a_report_beside_a_gpu_write_in_progress_keeps_nothing_and_waits_at_most_the_lock_wait(
    stored: tuple[Session, list[Any]],
) -> None:
    session, offers = stored
    model = offers[0].gpu_model
    at = datetime(2026, 11, 13, 2, 0, tzinfo=UTC)
    cheap = replace(offers[0], instance_type="backfilled", price=Decimal("0.10"), price_per_gpu_hour=Decimal("0.10"))
    with Session(session.get_bind()) as writer:
        write_items(writer, "gpu", [{**asdict(cheap), "observed_at": at}])  # not committed yet
        started = time.monotonic()
        during = _points(_trend(session), model)
        assert time.monotonic() - started < LOCK_WAIT.total_seconds() + 1.5
        assert _covers(session) == []  # what it grouped may miss the write: not kept
        assert during.get(date(2026, 11, 13)) != Decimal("0.71")
        writer.commit()
    assert _points(_trend(session), model)[date(2026, 11, 13)] == Decimal("0.71")
    assert _covers(session)


def test_a_database_that_refuses_the_roll_up_still_gets_its_trend(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_factory(engine)() as session:
        store_gpu(session)
        session.commit()
        writable = _trend(session)
        session.execute(delete(GpuDay))
        session.execute(delete(GpuDayCover))
        session.commit()
    engine.dispose()
    read_only = create_db_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with session_factory(read_only)() as session:
        assert _trend(session) == writable
        assert _covers(session) == []
    read_only.dispose()
