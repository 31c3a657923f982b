"""Bad input to the dashboard: a 400 or 404 page that gives the reason, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.web_support import fixture_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("web")
    app, _, _ = fixture_app(folder, f"sqlite:///{folder}/aipulse.db", language="en")
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/gpu?modle=A100-80G", 400, "unknown query parameter 'modle'"),
        ("/market?week=2026-13-01", 400, "'2026-13-01' is not a date"),
        ("/funding?since=yesterday", 400, "'yesterday' is not a date"),
        ("/funding?min_usd=lots", 400, "min_usd='lots'"),
        ("/gpu?page=99", 404, "page 99 is past the end"),
        ("/gpu?page=0", 400, "page='0' is not a page number"),
        ("/gpu?sort=42", 400, "sort='42'"),
        ("/gpu?currency=XYZ", 400, "currency='XYZ'"),
        ("/gpu?model=Z999", 404, "no stored GPU model matches 'Z999'"),
        ("/gpu?format=pdf", 400, "format='pdf'"),
        ("/?lang=fr", 400, "lang='fr'"),
        ("/sources/no_such_source", 404, "unknown source 'no_such_source'"),
        ("/alerts?rule=no-such-rule", 404, "rule='no-such-rule': no such alert rule"),
        ("/gpu/series?source=azure_gpu", 400, "missing: provider"),
        ("/gpu/series?source=a&provider=b&instance=c&region=d&billing=e", 404, "no stored GPU offer is that series"),
        ("/reports/../aipulse.toml", 404, "no"),
        ("/no/such/page", 404, "no page at /no/such/page"),
    ],
)
def test_bad_input_gets_a_page_with_the_reason(client: TestClient, path: str, status: int, reason: str) -> None:
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert reason in answer.text.replace("&#39;", "'")
    assert "Traceback" not in answer.text


def test_a_post_to_a_page_is_a_405_page(client: TestClient) -> None:
    answer = client.post("/gpu")
    assert answer.status_code == 405
    assert "POST is not allowed on /gpu" in answer.text


def test_text_from_the_store_is_escaped_never_run_as_html(tmp_path: Path, sqlite_url: str) -> None:
    from datetime import UTC, datetime

    from storage.db import session_factory
    from storage.runs import finish_run, start_run

    app, _, engine = fixture_app(tmp_path, sqlite_url)
    now = datetime.now(UTC)
    with session_factory(engine).begin() as session:
        run = start_run(session, "azure_gpu", "manual", now, None)
        finish_run(session, run.id, status="failed", finished_at=now, error='<script>alert("x")</script>')
    html = TestClient(app).get("/sources").text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_a_scraped_link_that_is_not_http_is_shown_as_text() -> None:
    from monitor.web.pages_more import Mentions

    cell = Mentions([("36氪", "headline", "javascript:alert(1)"), ("TechCrunch", "t", "https://techcrunch.com/?p=1")])
    assert cell.__html__() == ('36氪, <a href="https://techcrunch.com/?p=1" title="t" rel="noreferrer">TechCrunch</a>')
