"""`aipulse show quotes`: the watch-list table from stored quotes, PE = price / EPS per year."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import AppConfig
from core.config.quotes import QuotesConfig
from monitor.show_quotes import add_parser, cmd_show_quotes, pe_ratio
from storage.db import session_factory
from storage.writes import write_items
from tests.crawl_support import migrated


class QuotesAppConfig(AppConfig):
    """AppConfig with the [quotes] section, as the lead wires it (`quotes: QuotesConfig`)."""

    quotes: QuotesConfig = QuotesConfig()


WATCH = QuotesConfig.model_validate(
    {
        "watch": [
            {"symbol": "002230.SZ", "name": "科大讯飞", "eps": {"2023": "0.28", "2024E": "0.12", "2025E": "0.25"},
             "rating": "买入"},
            {"symbol": "603918.SH", "name": "金桥信息", "eps": {"2023": "-0.05", "2024E": "0.30"}, "rating": "增持"},
            {"symbol": "002368.SZ", "name": "太极股份", "eps": {"2023": "0", "2024E": "0.90"}},
        ],
        "indices": ["000300.SH"],
    }
)  # fmt: skip


def _row(symbol: str, name: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"source": "tencent_quotes", "url": "https://qt.gtimg.cn/q=x", "observed_at": at,
                           "symbol": symbol, "name": name, "kind": "stock", "currency": "CNY", "quote_time": at,
                           "status": "trading"}  # fmt: skip
    for key in ("price", "prev_close", "open", "high", "low", "change", "change_pct", "volume", "turnover",
                "market_cap", "pe_ttm", "limit_up", "limit_down"):  # fmt: skip
        row.setdefault(key, None)
    row.update(values)
    return row


def _show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    engine = migrated(f"sqlite:///{tmp_path / 'quotes.db'}")
    earlier = datetime(2026, 4, 23, 7, 0, tzinfo=UTC)
    now = datetime(2026, 4, 24, 2, 21, tzinfo=UTC)
    rows = [
        _row("002230.SZ", "科大讯飞", earlier, price=Decimal("47.00"), change_pct=Decimal("-1.00")),
        _row("002230.SZ", "科大讯飞", now, price=Decimal("48.12"), prev_close=Decimal("47.85"),
             change_pct=Decimal("0.5643")),
        _row("603918.SH", "金桥信息", now, status="halted", prev_close=Decimal("21.36")),
        _row("0700.HK", "腾讯控股", now, currency="HKD", price=Decimal("478.8")),
    ]  # fmt: skip
    with session_factory(engine).begin() as session:
        write_items(session, "quotes", rows)
    parser = argparse.ArgumentParser(prog="aipulse")
    show = parser.add_subparsers(dest="command").add_parser("show").add_subparsers(dest="what")
    add_parser(show)
    args = parser.parse_args(["show", "quotes"])
    assert args.show is cmd_show_quotes
    with session_factory(engine)() as session:
        code = args.show(args, QuotesAppConfig(quotes=WATCH), session)
    engine.dispose()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_watch_list_table_shows_pe_per_year_from_the_latest_price(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _show(tmp_path, capsys)
    assert code == 0
    header, rule, *lines = out.rstrip("\n").split("\n")
    assert header.split() == ["code", "name", "price", "EPS", "2023", "EPS", "2024E", "EPS", "2025E", "PE", "2023",
                              "PE", "2024E", "PE", "2025E", "change", "rating", "quote", "time"]  # fmt: skip
    assert set(rule) == {"-", " "}
    iflytek, jinqiao, taiji = (line.split() for line in lines)
    # 48.12 / 0.28 = 171.857…, / 0.12 = 401, / 0.25 = 192.48: the newest quote, not yesterday's 47.00.
    assert iflytek == ["002230.SZ", "科大讯飞", "48.12", "0.28", "0.12", "0.25", "171.86", "401.00", "192.48",
                       "+0.56%", "买入", "2026-04-24", "10:21", "Asia/Shanghai"]  # fmt: skip
    # Halted: PE on the last close (21.36 / 0.30 = 71.20); a loss year is 亏损; no EPS for 2025E is —.
    assert jinqiao == ["603918.SH", "金桥信息", "21.36", "-0.05", "0.30", "—", "亏损", "71.20", "—", "halted", "增持",
                       "2026-04-24", "10:21", "Asia/Shanghai"]  # fmt: skip
    assert taiji == ["002368.SZ", "太极股份", "—", "0", "0.90", "—", "—", "—", "—", "—", "—"]
    assert "0700.HK" not in out
    assert "no stored quote yet for 002368.SZ" in err


def test_without_a_watch_list_the_command_says_how_to_add_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_show_quotes(argparse.Namespace(), AppConfig(), session=None) == 1  # type: ignore[arg-type]
    assert "[[quotes.watch]]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("price", "eps", "shown"),
    [
        (Decimal("48.12"), Decimal("0.28"), "171.86"),
        (Decimal("10"), Decimal("3"), "3.33"),
        (Decimal("10"), Decimal("-0.5"), "亏损"),
        (Decimal("10"), Decimal("0"), "n.m."),
        (None, Decimal("1"), "—"),
        (Decimal("10"), None, "—"),
    ],
)
def test_pe_ratio(price: Decimal | None, eps: Decimal | None, shown: str) -> None:
    assert pe_ratio(price, eps) == shown
