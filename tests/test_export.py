"""`aipulse export`: stored rows of each kind as CSV (UTF-8 with BOM, exact decimals) or xlsx for Excel users."""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from core.config import AppConfig
from monitor.export import add_parser, cmd_export, default_out, export_rows, write_csv, write_xlsx
from spiders.items import FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.db import session_factory
from storage.writes import write_funding_rounds, write_gpu_offers, write_quotes, write_traffic_snapshots
from tests.crawl_support import migrated

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)
LONG_AGO = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
BOM = b"\xef\xbb\xbf"

H100 = GpuOffer(
    source="aliyun_gpu", url="https://www.aliyun.com/price/ecs", observed_at=LONG_AGO, provider="aliyun",
    instance_type="ecs.gn8v.8xlarge", region="华东1（杭州）", gpu_model="H100", gpu_count=Decimal(8),
    billing="on_demand", currency="CNY", price=Decimal("245.10"), gpu_variant="SXM", vcpus=96,
    memory_gb=Decimal("1536"), disk="系统盘 100GB", price_per_gpu_hour=Decimal("30.6375000001"),
    price_min=Decimal("0.0000001"), offer_count=3,
)  # fmt: skip
GONE = replace(H100, instance_type="ecs.gn7.retired", price=Decimal(99))
FRESH = replace(H100, instance_type="ecs.gn9.new", region="华北2（北京）", observed_at=NOW - timedelta(days=2))
WEEK = date(2026, 5, 18)
VISITS = TrafficSnapshot(
    source="similarweb_api_traffic", url="https://api.similarweb.com/v1/website/chatgpt.com",
    observed_at=NOW - timedelta(days=10), domain="chatgpt.com", period_start=WEEK, granularity="week",
    visits=1_200_000_000, avg_visit_duration_s=Decimal("412.5"), bounce_rate=Decimal("0.3125"),
)  # fmt: skip
ROUND = FundingRound(
    source="kr36_funding", url="https://36kr.com/p/1", observed_at=NOW - timedelta(days=3), company="博登智能",
    round="A++", headline="博登智能完成数亿元A++轮融资", published_at=NOW - timedelta(days=4),
    amount_min=Decimal(10**8), amount_max=Decimal(10**9), currency="CNY", amount_text="数亿元",
    lead_investors=["红杉中国"], investors=["高瓴"], sector="人工智能", ai_related=True,
)  # fmt: skip
MOUTAI = Quote(
    source="sina_quotes", url="https://hq.sinajs.cn/list=sh600519", observed_at=NOW - timedelta(days=1),
    symbol="600519.SH", name="贵州茅台", kind="stock", currency="CNY", quote_time=NOW - timedelta(days=1),
    status="trading", price=Decimal("1520.50"), prev_close=Decimal("1500"), change=Decimal("20.5"),
    change_pct=Decimal("1.3667"), volume=3_456_789, turnover=Decimal("5250000000.55"),
)  # fmt: skip


def _store(url: str) -> Iterator[Session]:
    """A migrated store holding rows of every kind, some inside the 30 days before NOW and some before."""
    factory = session_factory(migrated(url))
    with factory.begin() as session:
        write_gpu_offers(session, [asdict(H100), asdict(GONE)])
        # The same H100 state seen again inside the window only extends its last_seen_at.
        write_gpu_offers(session, [asdict(replace(H100, observed_at=NOW - timedelta(days=1))), asdict(FRESH)])
        write_traffic_snapshots(session, [asdict(VISITS), asdict(replace(VISITS, period_start=date(2026, 4, 6)))])
        # SimilarWeb released the week again with other numbers: revision 2.
        write_traffic_snapshots(session, [asdict(replace(VISITS, visits=1_250_000_000, observed_at=NOW))])
        write_funding_rounds(
            session,
            [
                asdict(ROUND),
                asdict(replace(ROUND, source="pedaily_funding", url="https://news.pedaily.cn/2.shtml",
                               published_at=ROUND.published_at + timedelta(hours=5), investors=["IDG资本"])),
                asdict(replace(ROUND, company="旧公司", url="https://36kr.com/p/old", published_at=LONG_AGO)),
            ],
        )  # fmt: skip
        write_quotes(
            session,
            [
                asdict(MOUTAI),
                asdict(replace(MOUTAI, symbol="000001.SH", name="上证指数", kind="index")),
                asdict(replace(MOUTAI, quote_time=LONG_AGO)),
            ],
        )
    with factory() as reading:
        yield reading


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """The store on SQLite."""
    yield from _store(sqlite_url)


@pytest.fixture
def any_session(db_url: str) -> Iterator[Session]:
    """The store on SQLite, then on PostgreSQL."""
    yield from _store(db_url)


def _run(session: Session, argv: Sequence[str]) -> int:
    """Parse `export …` with the real sub-parser and call its handler at NOW."""
    parser = argparse.ArgumentParser(prog="aipulse")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export", *argv])
    assert args.export is cmd_export
    return int(args.export(args, AppConfig(), session, now=NOW))


def _folder(tmp_path: Path) -> Path:
    """An empty folder for the exports (tmp_path also holds the SQLite database)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


# --- what each kind exports ------------------------------------------------------------------------


def test_gpu_offer_first_seen_long_ago_but_seen_in_the_window_is_exported_and_one_gone_is_not(
    any_session: Session,
) -> None:
    headers, rows = export_rows(any_session, "gpu", SINCE)
    assert headers[:6] == ["source", "provider", "gpu_model", "gpu_variant", "gpu_count", "instance_type"]
    assert headers[-3:] == ["observed_at (UTC)", "last_seen_at (UTC)", "url"]
    by_instance = {row[5]: dict(zip(headers, row, strict=True)) for row in rows}
    assert list(by_instance) == ["ecs.gn8v.8xlarge", "ecs.gn9.new"]  # oldest state first; the retired one is gone
    still = by_instance["ecs.gn8v.8xlarge"]
    assert (still["observed_at (UTC)"], still["last_seen_at (UTC)"]) == (LONG_AGO, NOW - timedelta(days=1))
    assert (still["price"], still["price_per_gpu_hour"], still["available"]) == (
        Decimal("245.1"), Decimal("30.6375000001"), True
    )  # fmt: skip


def test_traffic_exports_only_the_newest_revision_of_each_period_in_the_window(any_session: Session) -> None:
    headers, rows = export_rows(any_session, "traffic", SINCE)
    assert headers[:6] == ["source", "domain", "granularity", "period_start", "revision", "visits"]
    assert [(row[3], row[4], row[5]) for row in rows] == [(WEEK, 2, 1_250_000_000)]  # 2026-04-06 is before --since


def test_funding_rows_name_their_outlets_and_join_investors(any_session: Session) -> None:
    headers, rows = export_rows(any_session, "funding", SINCE)
    assert len(rows) == 1  # two outlets, one round; the January round is outside the window
    row = dict(zip(headers, rows[0], strict=True))
    assert row["company"] == "博登智能" and row["amount_text"] == "数亿元"
    assert (row["lead_investors"], row["investors"]) == ("红杉中国", "IDG资本; 高瓴")
    assert row["outlets"] == "36氪; 投资界"
    assert row["urls"] == "https://36kr.com/p/1; https://news.pedaily.cn/2.shtml"
    assert row["published_at (UTC)"] == ROUND.published_at


def test_quotes_since_drops_older_quotes_and_orders_by_time_then_symbol(any_session: Session) -> None:
    headers, rows = export_rows(any_session, "quotes", SINCE)
    assert headers[-2:] == ["quote_time (UTC)", "status"]
    assert [(row[1], row[2]) for row in rows] == [("000001.SH", "上证指数"), ("600519.SH", "贵州茅台")]


def test_an_unknown_kind_or_a_naive_since_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="unknown export kind"):
        export_rows(session, "weather", SINCE)
    with pytest.raises(ValueError, match="naive"):
        export_rows(session, "gpu", SINCE.replace(tzinfo=None))


# --- files -----------------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_round_trips_chinese_text_and_exact_decimals(
    any_session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _folder(tmp_path) / "gpu.csv"
    assert _run(any_session, ["gpu", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(BOM)
    rows = _csv(out)
    first = rows[0]
    assert (first["region"], first["disk"]) == ("华东1（杭州）", "系统盘 100GB")
    assert (first["price"], first["price_per_gpu_hour"], first["price_min"]) == ("245.1", "30.6375000001", "0.0000001")
    assert (first["gpu_count"], first["memory_gb"], first["available"]) == ("8", "1536", "TRUE")
    assert first["observed_at (UTC)"] == "2026-01-05 08:00:00"
    assert rows[1]["gpu_variant"] == "SXM"
    assert f"wrote 2 gpu rows to {out}" in capsys.readouterr().err
    assert list(out.parent.iterdir()) == [out]  # the partial file was renamed, nothing left beside it


def test_xlsx_has_a_bold_frozen_header_numbers_as_numbers_and_utc_times(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "quotes.xlsx"
    assert _run(session, ["quotes", "--format", "xlsx", "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "quotes"
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["source", "symbol", "name"] and "quote_time (UTC)" in header
    assert all(cell.font.bold for cell in sheet[1])
    row = dict(zip(header, list(sheet[3]), strict=True))
    assert row["name"].value == "贵州茅台"
    assert row["price"].data_type == "n" and row["price"].value == pytest.approx(1520.5)
    assert row["volume"].value == 3_456_789
    assert row["turnover"].value == pytest.approx(5250000000.55)
    assert row["prev_close"].value == 1500
    assert row["open"].value is None
    stamp = row["quote_time (UTC)"].value
    assert stamp.tzinfo is None and stamp.replace(tzinfo=UTC) == MOUTAI.quote_time  # naive, in UTC
    assert row["quote_time (UTC)"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet.column_dimensions["A"].width >= len("sina_quotes")


def test_format_follows_the_out_extension_and_a_contradiction_is_an_error(
    session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "funding.xlsx"
    assert _run(session, ["funding", "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out).active["A2"].value == "博登智能"
    assert _run(session, ["funding", "--format", "csv", "--out", str(tmp_path / "f.xlsx")]) == 2
    assert "does not match --format csv" in capsys.readouterr().err
    assert not (tmp_path / "f.xlsx").exists()


def test_default_out_is_named_after_the_kind_and_the_utc_date(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_folder(tmp_path))
    assert default_out("traffic", "xlsx", NOW) == Path("aipulse-traffic-20260601.xlsx")
    assert _run(session, ["traffic"]) == 0
    assert [p.name for p in Path.cwd().iterdir()] == ["aipulse-traffic-20260601.csv"]


def test_out_dash_writes_csv_without_a_bom_to_stdout(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(session, ["funding", "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("company,round,status,")
    assert "博登智能" in captured.out and "\ufeff" not in captured.out
    assert "wrote 1 funding rows to standard output" in captured.err


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    headers, rows = ["headline", "amount"], [['=HYPERLINK("http://x")', Decimal("-1.50")], ["@SUM(A1)", None]]
    write_csv(tmp_path / "f.csv", headers, rows)
    assert _csv(tmp_path / "f.csv") == [
        {"headline": '\'=HYPERLINK("http://x")', "amount": "-1.5"},
        {"headline": "'@SUM(A1)", "amount": ""},
    ]
    write_xlsx(tmp_path / "f.xlsx", headers, rows, sheet_title="funding")
    cell = openpyxl.load_workbook(tmp_path / "f.xlsx").active["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


# --- exit codes ------------------------------------------------------------------------------------


def test_no_rows_since_exits_1_and_writes_no_file(
    session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _folder(tmp_path) / "gpu.csv"
    assert _run(session, ["gpu", "--since", "12h", "--out", str(out)]) == 1
    assert "no gpu data since 2026-06-01 00:00 UTC" in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []


def test_a_bad_since_exits_2_with_a_clear_message(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(session, ["gpu", "--since", "last month"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aipulse: --since:") and "'30s', '15m', '1h30m' or '2d'" in err
    assert _run(session, ["gpu", "--since", "9999999d"]) == 2
    assert "aipulse: --since: '9999999d' reaches before year 1" in capsys.readouterr().err


def test_xlsx_to_stdout_exits_2(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(session, ["gpu", "--format", "xlsx", "--out", "-"]) == 2
    captured = capsys.readouterr()
    assert "cannot go to standard output" in captured.err and captured.out == ""


def test_an_unwritable_out_exits_2_and_leaves_nothing(
    session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path)
    assert _run(session, ["gpu", "--out", str(folder / "missing" / "gpu.csv")]) == 2
    assert "aipulse: cannot write" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def test_the_parser_defaults_to_30_days_and_an_unknown_kind_is_a_usage_error() -> None:
    parser = argparse.ArgumentParser(prog="aipulse")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export", "quotes"])
    assert (args.kind, args.since, args.format, args.out) == ("quotes", "30d", None, None)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["export", "weather"])
    assert exit_info.value.code == 2
