"""An evaluation reads the history of all the series a run touched in a fixed number of statements.

(Writes are counted apart: SQLite gives no RETURNING order for a multi-row INSERT, so SQLAlchemy stores each new
alert state and event with its own statement there.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import evaluate_after_run
from core.config.alerts import AlertsConfig
from storage.alert_models import AlertState
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.runs import finish_run, start_run
from storage.writes import write_quotes

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
RULES = [
    {"name": "move", "kind": "change", "item": "quotes", "pct": 8, "notify": []},
    {"name": "spike", "kind": "spike", "item": "quotes", "window": "1d", "z": 6, "notify": []},
    {"name": "cheap", "kind": "threshold", "item": "quotes", "field": "price", "op": "<", "value": 1, "notify": []},
    {"name": "quality", "kind": "health", "check": "quality", "notify": []},
]


def quote(symbol: str, at: datetime, price: str) -> dict[str, Any]:
    return {"source": "sina_quotes", "symbol": symbol, "name": symbol, "kind": "stock", "currency": "CNY",
            "price": Decimal(price), "quote_time": at, "status": "trading", "url": "https://hq.sinajs.cn/",
            "observed_at": at}  # fmt: skip


def store_run(sessions: sessionmaker[Session], symbols: range, at: datetime, price: str = "20") -> int:
    with sessions.begin() as session:
        run = start_run(session, "sina_quotes", "schedule", at, None)
        write_quotes(session, [quote(f"SH{600000 + s}", at, price) for s in symbols], run.id)
        finish_run(session, run.id, status="succeeded", finished_at=at, stored=len(symbols))
        return run.id


def statements_of_an_evaluation(db_url: str, symbols: range) -> int:
    engine = create_db_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    config = AlertsConfig.model_validate({"rules": RULES})
    for hour in range(30):  # a day of hourly history, and more, for every series
        store_run(sessions, symbols, T0 + hour * HOUR, price=str(20 + hour % 3))
    run_id = store_run(sessions, symbols, T0 + 30 * HOUR, price="23.9")  # +8.6 % on 22: "move" holds everywhere
    executed: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: executed.append(args[2].lstrip().split()[0].upper()))
    with sessions.begin() as session:
        transitions = evaluate_after_run(session, config, run_id, T0 + 30 * HOUR + timedelta(seconds=5))
    with sessions() as session:
        states = session.query(AlertState).filter(AlertState.rule == "move", AlertState.last_run_id == run_id).count()
    engine.dispose()
    assert len({t.series["symbol"] for t in transitions if t.rule == "move"}) == len(symbols) == states
    return executed.count("SELECT")


def test_ten_times_the_series_cost_no_more_reads(db_url: str) -> None:
    few = statements_of_an_evaluation(db_url, range(5))
    many = statements_of_an_evaluation(db_url, range(100, 150))  # the same store, other series
    assert many <= few <= 30


def test_the_prefetched_baselines_give_the_per_series_answers(sqlite_url: str) -> None:
    statements_of_an_evaluation(sqlite_url, range(3))  # its assertion: every series' move found
