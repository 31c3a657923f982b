"""`scrapy crawl NAME -s AIPULSE_RECORD_DIR=…` keeps every response as a fixture case, secrets removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.replay import ReplayServer, Reply, Route
from tests.crawl_support import FAST_SETTINGS, FIXTURES, scrapy_crawl
from tests.fixture_cases import validate_meta

pytestmark = pytest.mark.slow

SOURCE = "lambda_gpu"
PATH = "/service/gpu-cloud"
PAGE = FIXTURES / SOURCE / "pricing_table_20241103" / "response.html"
TOKEN = "tok-3141592653-secret"


def _record(tmp_path: Path, reply: Reply, *extra: str, env: dict[str, str] | None = None) -> list[Path]:
    out = tmp_path / "recordings"
    fast = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    with ReplayServer([Route(PATH, [reply])]) as server:
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={server.url}{PATH}", "-s", f"AIPULSE_RECORD_DIR={out}", *fast, *extra],
            tmp_path,
            env=env,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    return sorted((out / SOURCE).iterdir())


def _everything_written(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_a_recorded_case_holds_the_served_bytes_and_the_parsers_draft(tmp_path: Path) -> None:
    [case] = _record(tmp_path, Reply.file(PAGE, content_type="text/html; charset=utf-8"))
    assert (case / "response.html").read_bytes() == PAGE.read_bytes()
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    assert (meta["request"]["status"], meta["constructed"]) == (200, False)
    assert meta["recorded"] == {"passing": True, "problem": None}
    validate_meta(case / "meta.json")  # the fixture runner accepts the recorded case as it is
    assert (meta["request"]["method"], meta["request"]["path"]) == ("GET", PATH)
    draft = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    shipped = json.loads((FIXTURES / SOURCE / "pricing_table_20241103" / "expected.json").read_text(encoding="utf-8"))
    assert draft["reviewed"] is False
    same_but_origin = [{k: v for k, v in item.items() if k not in ("url", "observed_at")} for item in draft["items"]]
    assert same_but_origin == [{k: v for k, v in item.items() if k not in ("url", "observed_at")} for item in shipped]


def test_no_secret_reaches_any_written_file(tmp_path: Path) -> None:
    headers = json.dumps({"Authorization": f"Bearer {TOKEN}", "X-Trace": f"t={TOKEN}"})
    cases = _record(
        tmp_path,
        Reply.file(PAGE, content_type="text/html", headers={"Set-Cookie": f"s={TOKEN}"}),
        "-s", f"DEFAULT_REQUEST_HEADERS={headers}",
        "-s", "AIPULSE_RECORD_SECRET_ENVS=RECORD_TEST_TOKEN",
        env={"RECORD_TEST_TOKEN": TOKEN},
    )  # fmt: skip
    [case] = cases
    assert TOKEN not in _everything_written(case)
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    assert meta["request"]["headers"]["Authorization"] == "***"
    assert meta["request"]["headers"]["X-Trace"] == "t=***"


def test_a_body_that_echoes_a_secret_is_refused(tmp_path: Path) -> None:
    echoed = Reply(f"<html><body>your token is {TOKEN}</body></html>".encode(), content_type="text/html")
    [case] = _record(tmp_path, echoed, "-s", "AIPULSE_RECORD_SECRET_ENVS=RECORD_TEST_TOKEN",
                     env={"RECORD_TEST_TOKEN": TOKEN})  # fmt: skip
    assert not list(case.glob("response.*")) and not (case / "expected.json").exists()
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    assert meta["recorded"] == {
        "passing": False,
        "problem": "refused: the body contains the value of RECORD_TEST_TOKEN",
    }
    assert TOKEN not in _everything_written(case)


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(b"bad gateway", status=502, content_type="text/plain"), "HTTP 502"),
        (Reply(b"\x89PNG\r\n\x1a\n\0\0\0", content_type="image/png"), "binary body"),
    ],
)
def test_an_answer_that_is_not_clean_is_kept_but_never_a_passing_case(
    tmp_path: Path, reply: Reply, problem: str
) -> None:
    cases = _record(tmp_path, reply, "-s", "RETRY_ENABLED=False")
    assert cases
    for case in cases:
        meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
        assert meta["recorded"] == {"passing": False, "problem": problem}
        assert not (case / "expected.json").exists()


def test_a_redirect_chain_is_recorded_with_where_it_started(tmp_path: Path) -> None:
    out = tmp_path / "recordings"
    page = Reply.file(PAGE, content_type="text/html")
    routes = [Route("/old", [Reply(b"", status=301, content_type="text/html", headers={"Location": PATH})]),
              Route(PATH, [page])]  # fmt: skip
    with ReplayServer(routes) as server:
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={server.url}/old", "-s", f"AIPULSE_RECORD_DIR={out}"], tmp_path
        )
    assert done.returncode == 0, done.stderr[-3000:]
    [case] = sorted((out / SOURCE).iterdir())
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    assert meta["redirected_from"] == [f"{server.url}/old"]
    assert meta["url"] == f"{server.url}{PATH}" and meta["recorded"]["passing"] is True


def test_a_credential_in_the_query_is_masked_in_the_recorded_urls(tmp_path: Path) -> None:
    out = tmp_path / "recordings"
    with ReplayServer([Route(PATH, [Reply.file(PAGE, content_type="text/html")])]) as server:
        endpoint = f"{server.url}{PATH}?token={TOKEN}&lang=en"
        done = scrapy_crawl(
            ["crawl", SOURCE, "-a", f"endpoint={endpoint}", "-s", f"AIPULSE_RECORD_DIR={out}"], tmp_path
        )
    assert done.returncode == 0, done.stderr[-3000:]
    [case] = sorted((out / SOURCE).iterdir())
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    assert meta["url"] == f"{server.url}{PATH}?token=%2A%2A%2A&lang=en"
    assert meta["request"]["query"] == {"token": "***", "lang": "en"}
    assert TOKEN not in (case / "meta.json").read_text(encoding="utf-8")
