"""Every send of one notification carries the same idempotency key (an e-mail its Message-ID); a timeout is an
unknown outcome (issue 16.2)."""

from __future__ import annotations

import asyncio
import email.message
import email.policy
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import select

import alerts.outbox
from alerts.apprise_adapter import with_idempotency_key
from alerts.apprise_email import message_id, with_message_id
from alerts.outbox import deliver_pending, enqueue_test
from storage.alert_models import NotificationAttempt, OutboxNotification
from tests.test_alerts_support import T0, Store, alerts_config, free_port


class SlowReceiver:
    """A webhook that records every POST (headers and JSON body) and answers the first ones late."""

    def __init__(self, late_s: float = 0.0, late_answers: int = 0) -> None:
        self.port = free_port()
        self.late_s, self.late_answers = late_s, late_answers
        self.posts: list[tuple[dict[str, str], dict[str, Any]]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with receiver._lock:
                    receiver.posts.append((dict(self.headers.items()), body))
                    late = len(receiver.posts) <= receiver.late_answers
                if late:
                    time.sleep(receiver.late_s)  # it took the message, then answers after the sender gave up
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def keys(self) -> list[tuple[str | None, str | None]]:
        with self._lock:
            return [(headers.get("Idempotency-Key"), body.get("idempotency_key")) for headers, body in self.posts]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    store = Store(sqlite_url)
    yield store
    store.close()


def _queue_one(store: Store, url: str, **delivery: str) -> Any:
    config = alerts_config({"ops": [url]}, [], delivery={"timeout": "1s", **delivery})
    with store.sessions.begin() as session:
        [row] = enqueue_test(session, config, "ops", T0)
        return config, row.id


def _killed(*_: Any, **__: Any) -> None:
    raise SystemExit("kill -9")  # the process is gone before the outcome is written


def _row(store: Store, row_id: int) -> OutboxNotification:
    with store.sessions() as session:
        row = session.get(OutboxNotification, row_id)
        assert row is not None
        return row


def test_a_receiver_answering_after_the_timeout_is_an_unknown_outcome_retried_late_with_the_same_key(
    store: Store,
) -> None:
    receiver = SlowReceiver(late_s=2.5, late_answers=1)
    try:
        config, row_id = _queue_one(store, receiver.url())
        first = deliver_pending(store.sessions, config, T0)
        row = _row(store, row_id)
        assert (first.unknown, first.failed, first.sent) == (1, 0, 0)
        assert row.status == "pending" and row.last_error is not None
        assert row.last_error.startswith("outcome unknown: no answer within 1s")
        assert row.next_attempt_at - T0 == timedelta(minutes=10), "a longer first retry than a failure's 30 s"
        assert deliver_pending(store.sessions, config, T0 + timedelta(minutes=5)).attempted == 0

        second = deliver_pending(store.sessions, config, T0 + timedelta(minutes=10))

        assert second.sent == 1 and _row(store, row_id).status == "sent"
        [(header, field)] = set(receiver.keys())
        assert len(receiver.keys()) == 2, "the receiver took both: it can tell by the key they are one message"
        assert header == field and header is not None and header.startswith(f"aipulse-{row_id}-")
        with store.sessions() as session:
            attempts = session.scalars(select(NotificationAttempt).order_by(NotificationAttempt.id)).all()
        assert [a.ok for a in attempts] == [False, True]
    finally:
        receiver.close()


def test_a_deliverer_killed_between_the_post_and_the_commit_resends_under_the_same_key(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = SlowReceiver()
    try:
        config, row_id = _queue_one(store, receiver.url(), lease="1m")

        with monkeypatch.context() as patch:
            patch.setattr(alerts.outbox, "_record", _killed)
            with pytest.raises(SystemExit):
                deliver_pending(store.sessions, config, T0)
        assert _row(store, row_id).status == "sending"

        after_lease = deliver_pending(store.sessions, config, T0 + timedelta(minutes=2))

        assert after_lease.sent == 1
        keys = receiver.keys()
        assert len(keys) == 2 and len(set(keys)) == 1 and keys[0][0] is not None
    finally:
        receiver.close()


class SlowSmtp:
    """A local SMTP server (aiosmtpd) that keeps every message and answers the first ones' DATA late."""

    def __init__(self, late_s: float = 0.0, late_answers: int = 0) -> None:
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
                raw = envelope.original_content or b""
                receiver.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
                if len(receiver.messages) <= late_answers:
                    await asyncio.sleep(late_s)  # it has the message, and answers after the sender gave up
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=aipulse@example.com&to=analyst@example.com"

    def message_ids(self, count: int) -> list[list[str]]:
        """Every Message-ID header of each message, once `count` messages arrived (a late answer still lands)."""
        deadline = time.monotonic() + 10
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return [[str(value) for value in message.get_all("Message-ID") or []] for message in self.messages]

    def close(self) -> None:
        self._controller.stop()


def test_an_email_answered_after_the_timeout_arrives_again_under_the_same_message_id(store: Store) -> None:
    smtp = SlowSmtp(late_s=2.5, late_answers=1)
    try:
        config, row_id = _queue_one(store, smtp.url())
        assert deliver_pending(store.sessions, config, T0).unknown == 1

        assert deliver_pending(store.sessions, config, T0 + timedelta(minutes=10)).sent == 1

        first, second = smtp.message_ids(2)
        assert first == second, "a retry is the same message to the receiver"
        [message_id] = first
        assert message_id.startswith(f"<aipulse-{row_id}-") and message_id.endswith("@aipulse>")
        assert smtp.messages[0]["X-Idempotency-Key"] == message_id[1:].removesuffix("@aipulse>")
    finally:
        smtp.close()


def test_an_email_resent_after_a_kill_between_the_send_and_the_commit_keeps_its_message_id(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp = SlowSmtp()
    try:
        config, row_id = _queue_one(store, smtp.url(), lease="1m")
        with monkeypatch.context() as patch:
            patch.setattr(alerts.outbox, "_record", _killed)
            with pytest.raises(SystemExit):
                deliver_pending(store.sessions, config, T0)

        assert deliver_pending(store.sessions, config, T0 + timedelta(minutes=2)).sent == 1

        first, second = smtp.message_ids(2)
        assert first == second and len(first) == 1 and first[0].startswith(f"<aipulse-{row_id}-")
    finally:
        smtp.close()


def test_two_notifications_go_out_under_two_message_ids(store: Store) -> None:
    smtp = SlowSmtp()
    try:
        config, _ = _queue_one(store, smtp.url())
        _queue_one(store, smtp.url())
        assert deliver_pending(store.sessions, config, T0).sent == 2
        first, second = smtp.message_ids(2)
        assert first != second
    finally:
        smtp.close()


def test_the_message_id_line_is_replaced_and_the_rest_kept_byte_for_byte() -> None:
    text = "Subject: x\nMessage-ID:\n <1.2@host>\nDate: d\n\nbody\nMessage-ID: <in the body>\n"
    assert with_message_id(text, "<k@aipulse>") == (
        "Subject: x\nMessage-ID: <k@aipulse>\nDate: d\n\nbody\nMessage-ID: <in the body>\n"
    )


def test_a_key_that_is_no_dot_atom_is_refused_as_a_message_id() -> None:
    assert message_id("aipulse-7-1764763200") == "<aipulse-7-1764763200@aipulse>"
    with pytest.raises(ValueError, match="idempotency key must be"):
        message_id("a b@c")


@pytest.mark.parametrize(
    ("url", "carries"),
    [
        ("json://127.0.0.1:8080/hook", True), ("jsons://example.com/hook?+X-A=b", True), ("form://h/p", True),
        ("xml://h/p", True), ("mailtos://user:pw@example.com", True), ("slack://T0/B0/abc", False),
        ("tgram://123:abc/456", False),
    ],
)  # fmt: skip
def test_the_key_goes_only_where_the_apprise_plugin_passes_it(url: str, carries: bool) -> None:
    assert (with_idempotency_key(url, "aipulse-1-2") != url) is carries
