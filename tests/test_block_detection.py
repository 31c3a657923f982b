"""One block detector before every parser: HTTP-200 captcha pages and auth failures are blocks (issue 16.4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import load_config
from monitor.crawling import CrawlRunner, spider_classes
from monitor.replay import ReplayServer, Reply, Route, case_route, fixtures_root
from spiders.errors import BlockedError, ParseError
from spiders.parsers.blocks import body_kind, detect_block
from tests.crawl_support import AZURE_PATH, azure_config, migrated, write_config

FIXTURES = fixtures_root()


def _data_cases() -> list[tuple[str, str]]:
    """Every recorded case whose answer is data (its expected.json does not say it raises BlockedError)."""
    cases = []
    for source in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for case in sorted(
            p for p in source.iterdir() if (p / "expected.json").is_file() and any(p.glob("response.*"))
        ):
            expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
            if not (isinstance(expected, dict) and expected.get("raises") == "BlockedError"):
                cases.append((source.name, case.name))
    return cases


@pytest.mark.parametrize(("source", "case"), _data_cases())
def test_no_recorded_answer_of_data_is_taken_for_a_block(source: str, case: str) -> None:
    [response] = (FIXTURES / source / case).glob("response.*")
    detect_block(response.read_bytes())  # raises on a false block


@pytest.mark.parametrize(
    ("source", "case"),
    [
        ("autodl_gpu", "authorize_failed"), ("gpushare_gpu", "login_required"), ("kr36_funding", "captcha_page"),
        ("lambda_gpu", "cloudflare_challenge"), ("pedaily_funding", "captcha_page"),
        ("similarweb_api_traffic", "error_invalid_api_key"), ("similarweb_traffic", "cloudfront_block_page"),
        ("tencent_gpu", "error_auth_failure"), ("yahoo_quotes", "invalid_crumb"),
    ],
)  # fmt: skip
def test_recorded_blocks_of_nine_sources_are_recognised_by_the_shared_detector(source: str, case: str) -> None:
    [response] = (FIXTURES / source / case).glob("response.*")
    with pytest.raises(BlockedError):
        detect_block(response.read_bytes())


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>Just a moment...</title></head><body>checking your browser</body></html>",
        "<html><body><div class='captcha'>请输入验证码</div></body></html>".encode(),
        b'<!DOCTYPE html><html><body><div class="g-recaptcha" data-sitekey="x"></div>' + b"x" * 50_000 + b"</html>",
        b'{"code": 401, "message": "Unauthorized"}',
        '{"ret": -1, "msg": "登录失效，请重新登录"}'.encode(),
        b'{"errors": [{"message": "invalid api key"}]}',
    ],
)
def test_a_refusal_with_http_200_is_a_block(body: bytes) -> None:
    with pytest.raises(BlockedError):
        detect_block(body, expects="json")


def test_a_long_real_page_that_mentions_a_login_in_its_footer_is_data() -> None:
    page = (
        b"<html><body>"
        + b"<tr><td>H100</td><td>$2.49</td></tr>" * 1000
        + "<footer>请登录</footer></body></html>".encode()
    )
    detect_block(page, expects="html")


def test_an_article_mentioning_captcha_in_a_feed_is_data() -> None:
    detect_block(
        b'<?xml version="1.0"?><rss><channel><item><title>A captcha startup raises $5M</title></item>', expects="xml"
    )


@pytest.mark.parametrize(
    ("body", "expects", "says"),
    [
        (b'{"prices": []}', "html", "JSON instead of HTML (the answer)"),
        (b"<html><body>maintenance</body></html>", "json", "HTML instead of JSON (the answer)"),
        (b"<html><body>maintenance</body></html>", "xml", "HTML instead of XML"),
    ],
)
def test_an_answer_of_another_kind_than_the_parser_reads_is_a_parse_error(body: bytes, expects: str, says: str) -> None:
    with pytest.raises(ParseError, match=says.replace("(", r"\(").replace(")", r"\)")):
        detect_block(body, expects=expects)


def test_body_kinds_are_sniffed_from_the_first_bytes() -> None:
    assert [body_kind(b) for b in (b" [1]", b"<!doctype html>", b"<?xml ?><rss/>", b'v_sh600519="1~"')] == [
        "json", "html", "xml", "text",
    ]  # fmt: skip


def test_every_single_kind_source_says_what_it_expects() -> None:
    expects = {name: cls.expects for name, cls in spider_classes().items()}
    assert expects["lambda_gpu"] == "html" and expects["azure_gpu"] == "json" and expects["sina_quotes"] == "text"
    assert expects["datacrunch_gpu"] == "json"  # a declared source: from its Source
    assert all(kind in (None, "json", "html", "xml", "text") for kind in expects.values())


CAPTCHA_200 = Reply(
    "<html><body><h1>请输入验证码</h1><img src='/captcha.png'></body></html>".encode(), content_type="text/html"
)


@pytest.mark.slow
def test_a_captcha_page_with_http_200_makes_a_blocked_run_of_a_source_whose_parser_never_checks(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    with ReplayServer([Route(AZURE_PATH, [CAPTCHA_200])]) as server:
        result = CrawlRunner(azure_config(tmp_path, sqlite_url, server.url), engine).run("azure_gpu")
    assert result.status == "blocked", result.error
    assert "captcha page" in (result.error or "")


@pytest.mark.slow
def test_a_json_answer_where_lambda_reads_a_page_is_a_clear_failure_not_a_crash(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = migrated(sqlite_url)
    json_body = Reply(b'{"data": {"instance_types": {}}}')
    with ReplayServer([case_route("lambda_gpu", "pricing_table_20241103", json_body)]) as server:
        section = {"every": "12h", "endpoint": server.url + "/service/gpu-cloud"}
        config = load_config(write_config(tmp_path, sqlite_url, {"lambda_gpu": section}))
        result = CrawlRunner(config, engine).run("lambda_gpu")
    assert result.status == "failed"
    assert "JSON instead of HTML (the lambda_gpu answer)" in (result.error or ""), result.error
    assert "Selector" not in (result.error or "")
