"""`aipulse record SOURCE`: the real crawl, every response kept as a case, with no secret in any written file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.replay import ReplayServer, Reply, Route
from spiders.cases import items_to_json
from spiders.parsers.azure_gpu import parse
from spiders.parsers.contract import Request
from tests.crawl_support import AZURE_PATH, FIXTURES, azure_routes, write_config

pytestmark = pytest.mark.slow

TOKEN = "azure-token-2718281828"


def _record(tmp_path: Path, routes: list[Route], monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    monkeypatch.setenv("RECORD_CLI_TOKEN", TOKEN)
    out = tmp_path / "recordings"
    with ReplayServer(routes) as server:
        section = {"every": "1h", "endpoint": server.url + AZURE_PATH, "secrets": {"token": "${RECORD_CLI_TOKEN}"}}
        config = write_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", {"azure_gpu": section})
        code = main(["record", "azure_gpu", "--config", str(config), "--out", str(out)])
    return code, out / "azure_gpu"


def _written(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_record_keeps_the_served_bytes_and_the_parsers_draft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, folder = _record(tmp_path, azure_routes(), monkeypatch)
    assert code == 0
    cases = sorted(folder.iterdir())
    pages = [FIXTURES / "azure_gpu" / name / "response.json" for name in ("gpu_two_pages_page1", "gpu_two_pages_page2")]
    assert [(case / "response.json").read_bytes() for case in cases] == [page.read_bytes() for page in pages]
    for case, page in zip(cases, pages, strict=True):
        meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
        draft = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        request = Request(step=meta["request"]["step"], meta=meta["request"]["meta"], url=meta["url"])
        fetched_at = __import__("datetime").datetime.fromisoformat(meta["fetched_at"])
        parsed = parse(page.read_bytes(), url=meta["url"], fetched_at=fetched_at, request=request)
        assert draft == {"reviewed": False, "items": items_to_json(parsed.items), "skipped": parsed.skipped}
    assert TOKEN not in _written(folder)


def test_a_body_echoing_the_configured_secret_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    echo = Route(AZURE_PATH, [Reply(json.dumps({"Items": [], "echo": TOKEN}).encode())])
    _code, folder = _record(tmp_path, [echo], monkeypatch)
    [case] = sorted(folder.iterdir())
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    assert meta["recorded"] == {"passing": False, "problem": "refused: the body contains the value of RECORD_CLI_TOKEN"}
    assert not list(case.glob("response.*"))
    assert TOKEN not in _written(folder)
