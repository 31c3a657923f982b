"""A webhook's token never reaches the log, at DEBUG too, where Apprise and urllib3 log the URL in pieces."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from alerts.outbox import enqueue_test
from core.config.alert_targets import literal_secret_problem
from core.secrets import RedactSecrets, redact, remember_secret
from tests.test_alerts_notify import HOUR, T0, Store, store  # noqa: F401 - the store fixture
from tests.test_alerts_support import HttpReceiver, alerts_config

TOKEN = "T0KEN-9f8e7d6c5b4a3f2e1d0c"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


def test_a_webhook_sent_at_debug_leaves_no_piece_of_its_token_in_the_log(
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    debug_log: io.StringIO,
) -> None:
    hook = HttpReceiver().start()
    monkeypatch.setenv("AIPULSE_TEST_HOOK", hook.url(f"/hook/{TOKEN}") + f"?secret={TOKEN}x")
    try:
        cfg = alerts_config({"ops": ["${AIPULSE_TEST_HOOK}"]}, [])
        with store.sessions.begin() as session:
            enqueue_test(session, cfg, "ops", T0)
        sent = store.deliver(cfg, T0 + HOUR)
    finally:
        hook.stop()
    assert sent.sent == 1
    text = debug_log.getvalue()
    assert "apprise" in text.lower() or "urllib3" in text, "nothing was logged at DEBUG: the test proves nothing"
    assert TOKEN not in text, [line for line in text.splitlines() if TOKEN in line]


def test_the_parts_of_a_remembered_url_are_redacted_on_their_own() -> None:
    remember_secret(f"slack://{TOKEN}A/{TOKEN}B/{TOKEN}C")
    assert redact(f"POST /{TOKEN}B/{TOKEN}C HTTP/1.1") == "POST *** HTTP/1.1"
    assert TOKEN not in redact(f"host={TOKEN}A path=/{TOKEN}B")


@pytest.mark.parametrize(
    "url",
    ["slack://TokenA1/TokenB22/TokenC333", "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
     "discord://1234567/abcdefgh"],
)  # fmt: skip
def test_a_token_written_literally_in_a_url_path_is_refused(url: str) -> None:
    problem = literal_secret_problem(url)
    assert problem is not None and "in its path" in problem and "TokenB" not in problem


@pytest.mark.parametrize(
    "url", ["slack://${SLACK_A}/${SLACK_B}/${SLACK_C}", "json://127.0.0.1:8080/hook", "mailto://ops@example.com"]
)
def test_referenced_tokens_and_token_free_urls_are_accepted(url: str) -> None:
    assert literal_secret_problem(url) is None
