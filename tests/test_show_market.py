"""`aipulse show market`: index daily moves over a week from stored closes, best/worst day, board top movers."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from core.config import AppConfig
from core.config.quotes import QuotesConfig
from monitor.show_market import add_parser, cmd_show_market, latest_complete_week, previous_trading_day
from storage.db import session_factory
from storage.runs import finish_run, start_run
from storage.writes import write_items
from tests.crawl_support import migrated

SH = ZoneInfo("Asia/Shanghai")
MAY_DAY = [date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5)]
SECTION = QuotesConfig.model_validate(
    {"indices": ["000300.SH", "000922.SH"], "boards": ["BK0800"], "holidays": MAY_DAY}
)
# Daily closes (date, close, the k-line's own previous close). 2026-04-17 is not stored: the week of 04-20
# starts from Monday's own previous close. 000922.SH has no row on 04-27 (a missed crawl, not a holiday).
CSI300 = [
    ("2026-04-20", "4000.00", "3960.40"), ("2026-04-21", "4040.00", "4000.00"), ("2026-04-22", "3999.60", "4040.00"),
    ("2026-04-23", "4019.60", "3999.60"), ("2026-04-24", "3979.40", "4019.60"), ("2026-04-27", "4019.19", "3979.40"),
    ("2026-04-28", "4099.57", "4019.19"), ("2026-04-29", "4058.57", "4099.57"), ("2026-04-30", "4038.28", "4058.57"),
]  # fmt: skip
DIVIDEND = [
    ("2026-04-20", "5500.00", "5555.56"), ("2026-04-21", "5527.50", "5500.00"), ("2026-04-22", "5527.50", "5527.50"),
    ("2026-04-23", "5472.23", "5527.50"), ("2026-04-24", "5499.59", "5472.23"), ("2026-04-28", "5444.59", "5472.00"),
    ("2026-04-29", "5471.81", "5444.59"), ("2026-04-30", "5526.53", "5471.81"),
]  # fmt: skip
BK0800 = ["002230.SZ", "002368.SZ", "603918.SH", "688668.SH", "830799.BJ", "688256.SH", "300024.SZ", "000938.SZ"]


class QuotesAppConfig(AppConfig):
    """AppConfig whose [quotes] section can be replaced in a test."""

    quotes: QuotesConfig = QuotesConfig()


def _quote(source: str, symbol: str, name: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"source": source, "url": "https://example.invalid/", "observed_at": at,
                           "symbol": symbol, "name": name, "kind": "stock", "currency": "CNY", "quote_time": at,
                           "status": "closed"}  # fmt: skip
    for key in ("price", "prev_close", "open", "high", "low", "change", "change_pct", "volume", "turnover",
                "market_cap", "pe_ttm", "limit_up", "limit_down"):  # fmt: skip
        row.setdefault(key, None)
    row.update(values)
    return row


def _closes(symbol: str, name: str, days: list[tuple[str, str, str]]) -> Iterator[dict[str, Any]]:
    for day, close, prev in days:
        at = datetime.combine(date.fromisoformat(day), time(15, 0), SH)
        yield _quote("eastmoney_klines", symbol, name, at, kind="index", price=Decimal(close), prev_close=Decimal(prev))


def _movers(at: datetime) -> list[dict[str, Any]]:
    def member(symbol: str, name: str, pct: str | None, price: str | None = "10.00", **extra: Any) -> dict[str, Any]:
        values = {
            "price": None if price is None else Decimal(price),
            "change_pct": None if pct is None else Decimal(pct),
        }
        return _quote("eastmoney_boards", symbol, name, at, **{**values, **extra})

    later = at + timedelta(minutes=5)
    return [
        member("002230.SZ", "科大讯飞", "0.56", "48.12"),
        _quote("tencent_quotes", "002230.SZ", "科大讯飞", later, price=Decimal("49.33"), change_pct=Decimal("3.0930")),
        member("002368.SZ", "太极股份", "-2.06", "26.10"),
        member("603918.SH", "金桥信息", "10.02", "23.50"),
        member("688668.SH", "鼎通科技", "-4.35", "71.88"),
        member("830799.BJ", "艾融软件", None, None, status="halted", prev_close=Decimal("33.80")),
        member("688256.SH", "寒武纪-U", "-1.23", "588.88"),
        member("300024.SZ", "机器人", "5.50", "15.20"),
        member("000938.SZ", "紫光股份", "0.00", "25.00"),
        member("600519.SH", "贵州茅台", "9.99", "1500.00"),  # not a member of the board
    ]


def _store(engine: Engine) -> None:
    now = datetime(2026, 4, 30, 7, 30, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        write_items(
            session, "quotes", [*_closes("000300.SH", "沪深300", CSI300), *_closes("000922.SH", "中证红利", DIVIDEND)]
        )
        write_items(session, "quotes", _movers(datetime(2026, 4, 30, 15, 0, 3, tzinfo=SH)))
        # An older run listed other members; the newest run failed (its list is not trusted).
        runs = [("succeeded", {"boards": {"BK0800": ["600519.SH"]}}), ("succeeded", {"boards": {"BK0800": BK0800}}),
                ("failed", {"boards": {"BK0800": ["002230.SZ"]}})]  # fmt: skip
        for minutes, (status, details) in enumerate(runs):
            at = now + timedelta(minutes=minutes)
            run = start_run(session, "eastmoney_boards", "schedule", at, None)
            finish_run(session, run.id, status=status, finished_at=at, details=details)


def _show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], section: QuotesConfig = SECTION
) -> tuple[int, str, str]:
    engine = migrated(f"sqlite:///{tmp_path / 'market.db'}")
    _store(engine)
    parser = argparse.ArgumentParser(prog="aipulse")
    show = parser.add_subparsers(dest="command").add_parser("show").add_subparsers(dest="what")
    add_parser(show)
    args = parser.parse_args(["show", "market", *argv])
    assert args.show is cmd_show_market
    with session_factory(engine)() as session:
        code = args.show(args, QuotesAppConfig(quotes=section), session)
    engine.dispose()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _lines(out: str, title: str) -> list[list[str]]:
    """The rows (split on whitespace) of the table that follows the line starting with `title`."""
    lines = out.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows: list[list[str]] = []
    for line in lines[start + 3 :]:  # title, header, rule
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def test_default_week_is_the_latest_complete_one_and_skips_the_holiday(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _show(tmp_path, capsys, [])
    assert code == 0, err
    title, header = out.split("\n")[:2]
    assert title == (
        "Index moves, week of 2026-04-27 (Mon) to 2026-05-01 (Fri), closed Fri 05-01; "
        "% vs the previous trading day's close"
    )
    # May 1 is a holiday: no column at all, never a 0 % day.
    assert header.split() == ["index", "name", "Mon", "04-27", "Tue", "04-28", "Wed", "04-29", "Thu", "04-30",
                              "week", "best", "day", "worst", "day"]  # fmt: skip
    assert "05-01" not in out.split("\n", 1)[1]
    csi300, dividend = _lines(out, "Index moves")
    # Monday is against the previous Friday's stored close (3979.40): 4019.19 / 3979.40 - 1 = +1.00 %.
    assert csi300 == ["000300.SH", "沪深300", "+1.00%", "+2.00%", "-1.00%", "-0.50%", "+1.48%", "+2.00%", "Tue",
                      "-1.00%", "Wed"]  # fmt: skip
    # No close on Monday: a dash; Tuesday falls back to its own previous close (5444.59 / 5472.00 - 1).
    assert dividend == ["000922.SH", "中证红利", "—", "-0.50%", "+0.50%", "+1.00%", "+0.49%", "+1.00%", "Thu",
                        "-0.50%", "Tue"]  # fmt: skip


def test_week_option_shows_that_week_with_a_real_zero_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _show(tmp_path, capsys, ["--week", "2026-04-22"])
    assert code == 0
    assert out.startswith("Index moves, week of 2026-04-20 (Mon) to 2026-04-24 (Fri)")
    csi300, dividend = _lines(out, "Index moves")
    # 04-17 is not stored: Monday and the week start from Monday's own previous close (3960.40, 5555.56).
    assert csi300 == ["000300.SH", "沪深300", "+1.00%", "+1.00%", "-1.00%", "+0.50%", "-1.00%", "+0.48%", "+1.00%",
                      "Mon", "-1.00%", "Wed"]  # fmt: skip
    assert dividend == ["000922.SH", "中证红利", "-1.00%", "+0.50%", "0.00%", "-1.00%", "+0.50%", "-1.01%", "+0.50%",
                        "Tue", "-1.00%", "Mon"]  # fmt: skip


def test_board_top_movers_come_from_the_latest_quotes_of_the_newest_member_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _show(tmp_path, capsys, [])
    assert "BK0800: 7 of 8 members quoted with a day change, latest quote 2026-04-30 15:05" in out
    gainers = _lines(out, "BK0800 top 5 gainers")
    # 002230.SZ: Tencent's later quote (+3.09 %) wins over the board's +0.56 %; 000938.SZ did not move.
    assert gainers == [
        ["1", "603918.SH", "金桥信息", "23.50", "+10.02%"],
        ["2", "300024.SZ", "机器人", "15.20", "+5.50%"],
        ["3", "002230.SZ", "科大讯飞", "49.33", "+3.09%"],
    ]
    losers = _lines(out, "BK0800 top 5 losers")
    assert losers == [
        ["1", "688668.SH", "鼎通科技", "71.88", "-4.35%"],
        ["2", "002368.SZ", "太极股份", "26.10", "-2.06%"],
        ["3", "688256.SH", "寒武纪-U", "588.88", "-1.23%"],
    ]
    assert "艾融软件" not in out and "贵州茅台" not in out  # halted; not a member


def test_top_five_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = migrated(f"sqlite:///{tmp_path / 'top.db'}")
    at = datetime(2026, 4, 30, 7, 0, tzinfo=UTC)
    members = [f"60000{i}.SH" for i in range(7)]
    with session_factory(engine).begin() as session:
        write_items(session, "quotes", [_quote("eastmoney_boards", s, f"s{i}", at, price=Decimal(10),
                                               change_pct=Decimal(i + 1)) for i, s in enumerate(members)])  # fmt: skip
        run = start_run(session, "eastmoney_boards", "schedule", at, None)
        finish_run(session, run.id, status="succeeded", finished_at=at, details={"boards": {"BK0800": members}})
    with session_factory(engine)() as session:
        code = cmd_show_market(argparse.Namespace(week=None), QuotesAppConfig(quotes=QuotesConfig(boards=["BK0800"])),
                               session)  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert [row[1] for row in _lines(out, "BK0800 top 5 gainers")] == members[::-1][:5]
    assert "(none)" in out.split("BK0800 top 5 losers")[1]


def test_missing_data_is_said_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    section = QuotesConfig(indices=["399006.SZ"], boards=["BK1184"])
    code, out, err = _show(tmp_path, capsys, [], section)
    assert (code, out) == (1, "")
    assert "no complete week of daily closes stored for the indices: run eastmoney_klines" in err
    assert "no member list for BK1184 yet: run eastmoney_boards" in err


def test_without_indices_or_boards_the_command_says_what_to_add(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_show_market(argparse.Namespace(week=None), AppConfig(), session=None) == 1  # type: ignore[arg-type]
    assert "boards" in capsys.readouterr().err


def test_a_bad_week_is_refused_by_the_parser() -> None:
    parser = argparse.ArgumentParser(prog="aipulse")
    add_parser(parser.add_subparsers(dest="what"))
    with pytest.raises(SystemExit):
        parser.parse_args(["market", "--week", "15/07/2024"])


CN = {"CN": frozenset(MAY_DAY)}


@pytest.mark.parametrize(
    ("newest", "monday"),
    [
        (date(2026, 4, 24), date(2026, 4, 20)),  # Friday: its week is complete
        (date(2026, 4, 22), date(2026, 4, 13)),  # Wednesday: that week still runs
        (date(2026, 4, 26), date(2026, 4, 20)),  # Sunday
        (date(2026, 4, 30), date(2026, 4, 27)),  # Thursday before the May Day Friday: complete
        (date(2026, 5, 6), date(2026, 4, 27)),  # Wednesday after the holidays
        (date(2026, 5, 8), date(2026, 5, 4)),  # only Wed-Fri traded that week
    ],
)
def test_latest_complete_week(newest: date, monday: date) -> None:
    assert latest_complete_week(newest, CN) == monday


def test_a_whole_week_closure_is_skipped() -> None:
    spring = {date(2026, 2, 16) + timedelta(days=i) for i in range(5)}
    assert latest_complete_week(date(2026, 2, 20), {"CN": spring}) == date(2026, 2, 9)
    assert previous_trading_day("CN", date(2026, 2, 23), spring) == date(2026, 2, 13)
