"""The demo's simulated weeks: run days, content dates moved forward, prices varied deterministically."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.demo import DemoError, _reset, demo_target
from monitor.demo_history import QUOTE_STEP, price_factor, run_times, shifted_period, varied, weeks_shift
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.runs import start_run

NOW = datetime(2026, 12, 3, 9, 30, 12, tzinfo=UTC)


def test_two_weeks_are_fourteen_daily_runs_ending_an_hour_before_now() -> None:
    times = run_times(NOW, 2)
    assert len(times) == 14
    assert times[-1] == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert {b - a for a, b in itertools.pairwise(times)} == {timedelta(days=1)}


def test_a_quote_time_moves_by_whole_weeks_keeping_its_weekday_and_never_past_the_run() -> None:
    friday_close = datetime(2026, 4, 24, 7, 0, tzinfo=UTC)
    moved = friday_close + weeks_shift(friday_close, NOW)
    assert moved.weekday() == friday_close.weekday() and moved.time() == friday_close.time()
    assert NOW - timedelta(days=7) < moved <= NOW


def test_a_month_period_becomes_the_newest_month_complete_at_the_run_and_older_months_follow() -> None:
    assert shifted_period(date(2024, 9, 1), "month", date(2024, 9, 1), NOW) == date(2026, 11, 1)
    assert shifted_period(date(2024, 7, 1), "month", date(2024, 9, 1), NOW) == date(2026, 9, 1)
    assert shifted_period(date(2024, 12, 1), "month", date(2025, 1, 1), datetime(2026, 2, 3, tzinfo=UTC)) == date(
        2025, 12, 1
    )


def test_a_week_period_stays_a_monday_and_ends_before_the_run() -> None:
    moved = shifted_period(date(2025, 3, 3), "week", date(2025, 3, 3), NOW)
    assert moved.weekday() == 0 and moved + timedelta(days=7) <= NOW.date()
    assert moved + timedelta(days=14) > NOW.date()


def test_a_day_period_becomes_yesterday() -> None:
    assert shifted_period(date(2025, 1, 10), "day", date(2025, 1, 10), NOW) == date(2026, 12, 2)


def test_price_factors_are_the_same_for_the_same_key_and_stay_within_six_steps() -> None:
    factors = {price_factor("aws", "p5.48xlarge", day) for day in range(200)}
    assert price_factor("aws", 1) == price_factor("aws", 1)
    assert len(factors) > 5
    assert all(Decimal("0.91") <= f <= Decimal("1.09") for f in factors)
    assert all(abs(price_factor("600519.SH", d, step=QUOTE_STEP) - 1) <= Decimal("0.018") for d in range(50))


def test_a_varied_price_keeps_its_decimal_places() -> None:
    assert varied(Decimal("3.673"), Decimal("1.015")) == Decimal("3.728")
    assert varied(Decimal("8.5"), Decimal("0.97")) == Decimal("8.25")
    assert varied(None, Decimal("1.1")) is None


def test_the_demo_database_and_its_config_sit_side_by_side(tmp_path: Path) -> None:
    url, config, file = demo_target(str(tmp_path / "d" / "demo.db"))
    assert url == f"sqlite:///{tmp_path}/d/demo.db" and config == tmp_path / "d" / "demo.toml"
    assert file == tmp_path / "d" / "demo.db"


def test_a_database_with_real_runs_is_refused_and_kept(tmp_path: Path) -> None:
    file = tmp_path / "aipulse.db"
    engine = create_db_engine(f"sqlite:///{file}")
    upgrade(engine)
    with session_factory(engine).begin() as session:
        start_run(session, "azure_gpu", "schedule", NOW, None)
    engine.dispose()
    with pytest.raises(DemoError, match=r"holds 1 run\(s\) that are not the demo's: give the demo its own"):
        _reset(f"sqlite:///{file}", file)
    assert file.exists()


def test_a_former_demo_database_is_started_afresh(tmp_path: Path) -> None:
    file = tmp_path / "demo.db"
    engine = create_db_engine(f"sqlite:///{file}")
    upgrade(engine)
    with session_factory(engine).begin() as session:
        start_run(session, "azure_gpu", "demo", NOW, None)
    engine.dispose()
    _reset(f"sqlite:///{file}", file)
    assert not file.exists()
