"""`aipulse verify`: every parser over every case, reviewed cases compared field by field, bad folders named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.crawling import spider_classes
from monitor.verify import SHIPPED_FIXTURES, verify

SOURCE = "lambda_gpu"
CASE = "pricing_table_20241103"


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """A private copy of lambda_gpu's shipped cases to break on purpose."""
    root = tmp_path / "cases"
    shutil.copytree(SHIPPED_FIXTURES / SOURCE, root / SOURCE)
    return root


def _edit(path: Path, change: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data), encoding="utf-8")


def test_the_shipped_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", SOURCE, "--fixtures", str(SHIPPED_FIXTURES)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{SOURCE}: ok — 5 cases, 44 items, 1 left out")


def test_a_changed_expected_value_fails_with_the_field_named(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(cases / SOURCE / CASE / "expected.json", lambda items: items[2].update(price="99.99"))
    assert main(["verify", SOURCE, "--fixtures", str(cases)]) == 1
    [report] = verify([SOURCE], [cases])
    [line] = report.differences
    assert line.startswith(f'{CASE}: item 2.price: expected "99.99", got "')


def test_numbers_written_differently_are_the_same_value(cases: Path) -> None:
    _edit(cases / SOURCE / CASE / "expected.json", lambda items: items[0].update(price=items[0]["price"] + "000"))
    [report] = verify([SOURCE], [cases])
    assert report.ok, report.differences


def test_a_missing_item_is_a_difference_in_count(cases: Path) -> None:
    _edit(cases / SOURCE / CASE / "expected.json", lambda items: items.pop())
    [report] = verify([SOURCE], [cases])
    assert report.differences == [f"{CASE}: the output: expected 16 entries, the parser gives 17"]


def test_a_malformed_meta_json_names_the_file_and_the_key(cases: Path) -> None:
    _edit(cases / SOURCE / CASE / "meta.json", lambda meta: meta.pop("fetched_at"))
    [report] = verify([SOURCE], [cases])
    [error] = report.errors
    assert f"{CASE}/meta.json: key 'fetched_at' is missing" in error


def test_an_unknown_meta_key_is_named(cases: Path) -> None:
    _edit(cases / SOURCE / CASE / "meta.json", lambda meta: meta.update(fetchd_at="2024"))
    [report] = verify([SOURCE], [cases])
    assert "key 'fetchd_at' is not a meta.json key" in report.errors[0]


def test_a_draft_is_parsed_but_not_compared(cases: Path) -> None:
    _edit(cases / SOURCE / CASE / "expected.json", lambda items: items.clear())
    path = cases / SOURCE / CASE / "expected.json"
    path.write_text(json.dumps({"reviewed": False, "items": []}), encoding="utf-8")
    [report] = verify([SOURCE], [cases])
    assert report.ok and report.drafts == [CASE] and report.items == 44


def test_json_output_and_an_unknown_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", SOURCE, "--fixtures", str(SHIPPED_FIXTURES), "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert (entry["source"], entry["cases"], entry["ok"]) == (SOURCE, 5, True)
    assert main(["verify", "nope_gpu"]) == 2


def test_an_implausible_value_is_flagged(cases: Path) -> None:
    _edit(cases / SOURCE / CASE / "expected.json", lambda items: None)
    page = cases / SOURCE / CASE / "response.html"
    page.write_text(page.read_text(encoding="utf-8").replace("$1.29 / GPU / hr", "$1290 / GPU / hr"), encoding="utf-8")
    [report] = verify([SOURCE], [cases])
    assert not report.ok
    assert any("above the plausible 200 USD" in line for line in report.out_of_bounds), report.out_of_bounds


def test_every_shipped_case_of_every_source_verifies() -> None:
    reports = verify(sorted(spider_classes()), [SHIPPED_FIXTURES])
    assert {r.source for r in reports} == set(spider_classes())
    assert [(r.source, r.differences, r.errors, r.out_of_bounds) for r in reports if not r.ok] == []
