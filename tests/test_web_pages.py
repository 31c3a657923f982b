"""The dashboard's pages over a store filled from the recorded fixtures: the same numbers as the `show` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.cli import main
from tests.web_support import fixture_app

PAGES = ["/", "/gpu", "/traffic", "/funding", "/quotes", "/market", "/alerts", "/sources", "/sources/azure_gpu",
         "/reports"]  # fmt: skip


@pytest.fixture
def site(tmp_path: Path, sqlite_url: str) -> tuple[TestClient, Path]:
    app, config, _ = fixture_app(tmp_path, sqlite_url)
    assert config.path is not None
    return TestClient(app), config.path


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_200_html(site: tuple[TestClient, Path], path: str) -> None:
    answer = site[0].get(path)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    assert "<nav>" in answer.text


def _show_gpu(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["--config", str(config), "show", "gpu", "--json", *args]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


@pytest.mark.parametrize(("side", "in_china"), [("china", True), ("outside", False)])
def test_the_overviews_cheapest_a100_on_each_side_is_show_gpus_cheapest(
    site: tuple[TestClient, Path], capsys: pytest.CaptureFixture[str], side: str, in_china: bool
) -> None:
    rows = _show_gpu(site[1], capsys, "--model", "A100-80G")
    cheapest = next(r for r in rows if (r["currency"] == "CNY") == in_china and r["compared_per_gpu_hour"] is not None)
    html = site[0].get("/").text
    row = re.search(rf'<tr data-model="A100-80G">.*?data-side="{side}">(.*?)</td>', html, re.S)
    assert row is not None
    shown = re.search(r'data-per-gpu="([^"]+)" data-currency="([^"]+)" data-provider="([^"]+)" '
                      r'data-instance="([^"]+)"', row.group(1))  # fmt: skip
    assert shown is not None
    assert shown.groups() == (str(cheapest["price_per_gpu_hour"]), cheapest["currency"], cheapest["provider"],
                              cheapest["instance_type"])  # fmt: skip


def test_the_gpu_page_lists_show_gpus_rows_in_its_order(
    site: tuple[TestClient, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _show_gpu(site[1], capsys)
    html = site[0].get("/gpu").text
    instances = re.findall(r"<tr><td><a href=\"/gpu/series[^\"]*\">[^<]*</a></td><td>[^<]*</td><td>([^<]*)</td>", html)
    assert instances == [r["instance_type"] for r in rows]


def test_a_gpu_filter_changes_the_rows(site: tuple[TestClient, Path]) -> None:
    client = site[0]
    every = client.get("/gpu").text.count('href="/gpu/series')
    spot = client.get("/gpu?billing=spot").text.count('href="/gpu/series')
    assert every > spot > 0


def test_a_gpu_row_opens_its_series_chart_with_data_points(site: tuple[TestClient, Path]) -> None:
    client = site[0]
    link = re.search(r'href="(/gpu/series[^"]+)"', client.get("/gpu").text)
    assert link is not None
    html = client.get(link.group(1).replace("&amp;", "&")).text
    assert "<svg" in html
    assert html.count('<circle class="point"') >= 2


def test_the_language_follows_the_report_setting_and_lang_switches_it(site: tuple[TestClient, Path]) -> None:
    client = site[0]
    assert "概览" in client.get("/").text
    english = client.get("/?lang=en").text
    assert "Overview" in english and "概览" not in english.split("<main>")[1]


def test_the_funding_filters_keep_only_rounds_reaching_the_minimum(site: tuple[TestClient, Path]) -> None:
    client = site[0]
    every = client.get("/funding?since=3650d").text.count("<tr><td>")
    large = client.get("/funding?since=3650d&min_usd=500M").text.count("<tr><td>")
    assert (every, large) == (4, 2)


def test_a_table_downloads_as_csv_with_every_row(site: tuple[TestClient, Path]) -> None:
    client = site[0]
    answer = client.get("/gpu?format=csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="aipulse-gpu.csv"'
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert len(lines) - 1 == client.get("/gpu").text.count('href="/gpu/series')


def test_a_table_downloads_as_xlsx(site: tuple[TestClient, Path], tmp_path: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    answer = site[0].get("/sources?format=xlsx")
    assert answer.status_code == 200
    (tmp_path / "s.xlsx").write_bytes(answer.content)
    sheet = load_workbook(tmp_path / "s.xlsx").active
    assert next(sheet.iter_rows(max_row=1))[0].value == "数据源"
    assert sheet.max_row > 1


def test_the_reports_page_links_each_report_file(site: tuple[TestClient, Path]) -> None:
    folder = site[1].parent / "reports"
    folder.mkdir()
    (folder / "aipulse-weekly-2026-11-16.html").write_text("<html>week</html>", encoding="utf-8")
    client = site[0]
    assert 'href="/reports/aipulse-weekly-2026-11-16.html"' in client.get("/reports").text
    assert client.get("/reports/aipulse-weekly-2026-11-16.html").text == "<html>week</html>"


def test_the_sources_page_shows_the_failing_source_and_its_error(site: tuple[TestClient, Path]) -> None:
    html = site[0].get("/sources?lang=en").text
    assert "tencent_gpu" in html and "failing" in html and "HTTP 503 from the API" in html


def test_served_by_the_daemon_the_sources_page_shows_the_schedulers_next_run(tmp_path: Path, sqlite_url: str) -> None:
    from datetime import UTC, datetime

    from apscheduler.schedulers.background import BackgroundScheduler

    app, _, _ = fixture_app(tmp_path, sqlite_url)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(print, "date", run_date=datetime(2031, 5, 6, 7, 8, tzinfo=UTC), id="azure_gpu")
    scheduler.start(paused=True)
    try:
        app.state.web.scheduler = scheduler
        row = re.search(r'<tr><td><a href="/sources/azure_gpu">.*?</tr>', TestClient(app).get("/sources").text, re.S)
    finally:
        scheduler.shutdown(wait=False)
    assert row is not None and "2031-05-06 07:08 UTC" in row.group(0)
