"""The dashboard's action buttons in a real Chromium: the token pasted once is kept in sessionStorage and sent as
the Authorization header by /static/actions.js; the right token silences (the store and the page show it), a
wrong one shows 401 and changes nothing; zh pages name states in Chinese. Screenshots go to /tmp/web-shots/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, func, select

from storage.alert_models import AlertSilence
from storage.db import session_factory
from storage.models import CrawlRun
from tests.test_alerts_support import HttpReceiver
from tests.test_web_browser import SHOTS, _visit
from tests.web_support import ACTIVE_ALERTS, fixture_app, serving, store_active_alerts

pytestmark = pytest.mark.browser

TOKEN = "web-token-c41f09e6d3"


@dataclass
class Site:
    url: str
    engine: Engine
    hook: HttpReceiver


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("web-actions")
    hook = HttpReceiver().start()
    extra = f'\n[web]\ntoken = "${{AIPULSE_WEB_TOKEN}}"\n\n[alerts.targets]\nops = ["{hook.url()}"]\n'
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIPULSE_WEB_TOKEN", TOKEN)
        app, _, engine = fixture_app(folder, f"sqlite:///{folder}/aipulse.db", extra=extra)
    with session_factory(engine).begin() as session:
        store_active_alerts(session)
    with serving(app) as url:
        yield Site(url, engine, hook)
    hook.stop()


def _silences(engine: Engine) -> list[AlertSilence]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(AlertSilence).order_by(AlertSilence.id)))


def _paste_token(page: Page, token: str) -> None:
    page.fill("#token-input", token)
    page.click("#token-form button[type=submit]")


def _outcome(page: Page) -> tuple[str, str]:
    """The result line once the request has been answered: (ok | denied | error, its text)."""
    result = page.locator("#action-result:not([data-outcome=busy])[data-outcome]")
    result.wait_for()
    return str(result.get_attribute("data-outcome")), result.inner_text()


def test_the_pasted_token_is_kept_in_session_storage_only_and_shown_nowhere(browser: Browser, site: Site) -> None:
    page, problems = _visit(browser, site.url + "/alerts?lang=en")
    try:
        _paste_token(page, TOKEN)
        assert page.evaluate("sessionStorage.getItem('aipulse.web.token')") == TOKEN
        assert page.evaluate("localStorage.length") == 0
        assert page.context.cookies() == []
        assert page.input_value("#token-input") == ""
        assert TOKEN not in page.content()
        assert page.inner_text("#token-state") == "a token is kept for this tab"
        assert problems == []
    finally:
        page.close()


def test_silence_with_the_right_token_is_stored_and_shown_in_the_page(browser: Browser, site: Site) -> None:
    before = len(_silences(site.engine))
    page, problems = _visit(browser, site.url + "/alerts?lang=en")
    try:
        _paste_token(page, TOKEN)
        page.locator("#table-alerts_active button[data-action=silence]").first.click()
        page.fill("#silence-form input[name=for]", "3h")
        page.fill("#silence-form input[name=comment]", "provider maintenance")
        with page.expect_navigation():  # the page reloads to show the new silence
            page.click("#silence-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        outcome, text = _outcome(page)
        silences = _silences(site.engine)
        assert len(silences) == before + 1
        row = silences[-1]
        assert (row.rule, row.matchers, row.comment) == ("gpu_price_drop", ACTIVE_ALERTS[0][1], "provider maintenance")
        assert round((row.ends_at - row.starts_at).total_seconds()) == 3 * 3600
        shown = page.locator("#table-silences tbody tr", has_text="provider maintenance")
        assert shown.locator("td").first.inner_text() == str(row.id)
        ends = shown.locator("td").nth(3).inner_text()
        assert (outcome, text) == ("ok", f"Silence #{row.id} created (gpu_price_drop) until {ends}")
        firing = page.locator("#table-alerts_active tbody tr").first.locator("td").nth(2).inner_text()
        assert firing == f"firing · silenced #{row.id}"
        assert problems == []
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(full_page=True, path=SHOTS / "alerts_silenced_en.png")
    finally:
        page.close()


def test_silence_with_a_wrong_token_shows_401_and_changes_nothing(browser: Browser, site: Site) -> None:
    before = [s.id for s in _silences(site.engine)]
    page, problems = _visit(browser, site.url + "/alerts?lang=en")
    try:
        _paste_token(page, "not-the-token")
        page.locator("#table-alerts_active button[data-action=silence]").first.click()
        page.click("#silence-form button[type=submit]")
        outcome, text = _outcome(page)
        assert outcome == "denied" and text.startswith("401 unauthorised: ")
        assert "Authorization: Bearer" in text
        assert [s.id for s in _silences(site.engine)] == before
        assert page.locator("#table-silences tbody tr", has_text="provider maintenance").count() == len(before)
        # the one expected failure: the action's own 401
        assert sorted(problems) == [
            f"401 {site.url}/actions/silence",
            "console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)",
        ]
    finally:
        page.close()


def test_without_a_saved_token_an_action_asks_for_it_and_sends_nothing(browser: Browser, site: Site) -> None:
    page, problems = _visit(browser, site.url + "/sources?lang=en")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/actions/" in r.url else None)
    try:
        _paste_token(page, TOKEN)
        page.click("#token-forget")
        page.locator("#table-sources button[data-action=run]").first.click()
        assert _outcome(page) == ("error", "Paste and save the token first.")
        assert requests == [] and problems == []
    finally:
        page.close()


def test_run_now_with_a_wrong_token_shows_401_and_starts_no_run(browser: Browser, site: Site) -> None:
    with session_factory(site.engine)() as session:
        runs = session.scalar(select(func.count()).select_from(CrawlRun))
    page, problems = _visit(browser, site.url + "/sources/tencent_gpu?lang=en")
    try:
        _paste_token(page, "not-the-token")
        page.click("#actions button[data-action=run]")
        outcome, _ = _outcome(page)
        assert outcome == "denied"
        with session_factory(site.engine)() as session:
            assert session.scalar(select(func.count()).select_from(CrawlRun)) == runs
        assert sorted(problems) == [
            f"401 {site.url}/actions/run/tencent_gpu",
            "console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)",
        ]
    finally:
        page.close()


def test_a_test_notification_from_the_page_reaches_the_target(browser: Browser, site: Site) -> None:
    sent = len(site.hook.titles())
    page, problems = _visit(browser, site.url + "/alerts?lang=zh")
    try:
        _paste_token(page, TOKEN)
        page.click("#test-form button[type=submit]")
        assert _outcome(page) == ("ok", "已向 ops 排队 1 条测试通知，投递错误 0 条")
        assert len(site.hook.titles()) == sent + 1
        assert problems == []
    finally:
        page.close()


def test_the_zh_alerts_page_shows_translated_state_names(browser: Browser, site: Site) -> None:
    page, problems = _visit(browser, site.url + "/alerts?lang=zh")
    try:
        states = page.locator("#table-alerts_active tbody td:nth-child(3)").all_inner_texts()
        # the firing one may carry "· 已静默 #n" once another test has silenced it
        assert [state.split(" · ")[0] for state in states] == ["触发", "待定"]
        assert page.locator("#table-alerts_history tbody td:nth-child(5)").first.inner_text() == "待定 → 触发"
        assert problems == []
    finally:
        page.close()


@pytest.mark.parametrize("name", ["alerts", "sources"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_action_pages_are_screenshotted(browser: Browser, site: Site, name: str, language: str) -> None:
    page, problems = _visit(browser, f"{site.url}/{name}?lang={language}")
    try:
        _paste_token(page, TOKEN)
        assert page.locator("#actions-ui").is_visible()
        assert problems == []
        SHOTS.mkdir(exist_ok=True)
        assert len(page.screenshot(full_page=True, path=SHOTS / f"{name}_actions_{language}.png")) > 10_000
    finally:
        page.close()
