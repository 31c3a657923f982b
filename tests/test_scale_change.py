"""A valid-shape scale change is one quality alert and no price alert; a flat new level is confirmed (issue 16.3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from storage.alert_models import QuarantinedObservation
from tests.test_alerts_support import DROP, HOUR, QUALITY, T0, HttpReceiver, Store, gpu_row, hook_config

RISE = {**DROP, "name": "a100-aliyun-rise", "direction": "up"}
#: four series of one source: (instance type, region, price)
SERIES = [
    ("ecs.gn7e-c16g1.4xlarge", "cn-beijing", "34.74"),
    ("ecs.gn7e-c16g1.4xlarge", "cn-shanghai", "35.10"),
    ("ecs.gn7e-c32g1.8xlarge", "cn-beijing", "69.48"),
    ("ecs.gn7e-c32g1.8xlarge", "cn-hangzhou", "70.20"),
]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    yield store
    store.close()


def _run(at: datetime, factors: dict[int, str] | None = None, scale: str = "1") -> list[dict[str, Any]]:
    """One run's rows: every series at its price × `scale`, series `i` × `factors[i]` instead when given."""
    rows = []
    for index, (instance_type, region, price) in enumerate(SERIES):
        factor = Decimal((factors or {}).get(index, scale))
        rows.append(gpu_row(at, instance_type=instance_type, region=region, price=str(Decimal(price) * factor)))
    return rows


def _quarantined(store: Store) -> int:
    with store.sessions() as session:
        return len(session.scalars(select(QuarantinedObservation)).all())


def test_a_whole_source_times_100_is_one_quality_alert_no_price_alert_and_the_real_prices_are_accepted_again(
    store: Store, hook: HttpReceiver
) -> None:
    cfg = hook_config(hook, DROP, RISE, QUALITY)
    store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0), T0)
    shifted = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + HOUR, scale="100"), T0 + HOUR)
    # a second point within 20 % of the shifted one, then the same shifted level again, unchanged
    again = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + 2 * HOUR, scale="101"), T0 + 2 * HOUR)
    flat = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + 3 * HOUR, scale="101"), T0 + 3 * HOUR)
    back = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + 4 * HOUR), T0 + 4 * HOUR)

    assert [(t.rule, t.transition) for t in shifted] == [("data-quality", "event")]
    assert (again, flat, back) == ([], [], [])
    [title] = hook.titles()
    assert title.startswith("[HEALTH] aliyun_gpu: 4 gpu series: implausible price_per_gpu_hour quarantined: ")
    assert "4 of 4 aliyun_gpu series moved ×100 at once (a unit or layout change?)" in title
    assert _quarantined(store) == 8, "both shifted levels are held back, the returned prices are not"


def test_one_series_jumping_alone_is_quarantined_then_confirmed_when_it_stays_flat(
    store: Store, hook: HttpReceiver
) -> None:
    cfg = hook_config(hook, RISE, QUALITY)
    store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0), T0)
    jumped = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + HOUR, factors={0: "10"}), T0 + HOUR)
    # the next run sees the same new price: the stored state is only extended (it keeps its first run's id)
    confirmed = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + 2 * HOUR, factors={0: "10"}), T0 + 2 * HOUR)

    assert [(t.rule, t.transition) for t in jumped] == [("data-quality", "event")]
    assert [(t.rule, t.transition) for t in confirmed] == [("a100-aliyun-rise", "firing")]
    assert (confirmed[0].context["old"], confirmed[0].context["new"]) == ("34.74", "347.4")
    assert _quarantined(store) == 0, "the confirmed level is no longer held back"


def test_a_price_outside_the_bounds_stays_quarantined_however_often_it_is_seen(
    store: Store, hook: HttpReceiver
) -> None:
    cfg = hook_config(hook, RISE, QUALITY)
    store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0), T0)
    store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + HOUR, factors={0: "100000"}), T0 + HOUR)
    again = store.cycle(cfg, "aliyun_gpu", "gpu", _run(T0 + 2 * HOUR, factors={0: "100000"}), T0 + 2 * HOUR)

    assert again == []
    assert _quarantined(store) == 1
