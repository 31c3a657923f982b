"""Shared pieces of the alert tests (no tests here): local receivers for Apprise, a store, row builders."""

from __future__ import annotations

import email
import email.header
import email.policy
import json
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

import storage.alert_models  # noqa: F401 - registers the alert tables until storage.models imports them
from alerts.engine import evaluate_after_run, tick
from alerts.outbox import DeliveryReport, deliver_pending
from alerts.states import Transition
from core.config.alerts import AlertsConfig
from storage.alert_models import AlertEvent, NotificationAttempt, OutboxNotification
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.runs import finish_run, start_run
from storage.writes import write_items

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- receivers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One message as a target received it."""

    title: str
    body: str
    kind: str
    path: str = ""


class HttpReceiver:
    """A webhook for Apprise's `json://`: records each POST; `stop()` closes the port, `start()` reopens it."""

    def __init__(self, status: int = 200) -> None:
        self.port = free_port()
        self.status = status
        self.messages: list[Received] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if receiver.status < 300:
                    with receiver._lock:
                        receiver.messages.append(
                            Received(payload.get("title", ""), payload.get("message", ""), payload.get("type", ""),
                                     self.path)
                        )  # fmt: skip
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def titles(self) -> list[str]:
        with self._lock:
            return [m.title for m in self.messages]


class _SmtpHandler:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


class SmtpReceiver:
    """A local SMTP server (aiosmtpd) for Apprise's `mailto://`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _SmtpHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=aipulse@example.com&to=analyst@example.com"

    def start(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        out = []
        for message in self.handler.messages:
            part = message.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
            out.append(Received(str(message["Subject"]), str(body), "email"))
        return out


# --- configuration ---------------------------------------------------------------------------------


def alerts_config(
    targets: Mapping[str, Sequence[str]], rules: Sequence[Mapping[str, Any]], **options: Any
) -> AlertsConfig:
    """An `[alerts]` section as if read from TOML (durations as text, `for` as a key)."""
    data = {"language": "en", "targets": {k: list(v) for k, v in targets.items()}, "rules": list(rules), **options}
    return AlertsConfig.model_validate(data)


def hook_config(hook: HttpReceiver, *rules: Mapping[str, Any], **options: Any) -> AlertsConfig:
    """An `[alerts]` section whose one target, `ops`, is the webhook `hook`."""
    return alerts_config({"ops": [hook.url()]}, list(rules), **options)


#: The scenarios' usual rule: aliyun's A100-80G price down 5 % or more, with a resolved notice.
DROP: dict[str, Any] = {
    "name": "a100-aliyun-drop", "kind": "change", "item": "gpu", "pct": 5, "direction": "down",
    "select": {"gpu_model": "A100-80G", "provider": "aliyun"}, "notify": ["ops"], "send_resolved": True,
}  # fmt: skip
QUALITY = {"name": "data-quality", "kind": "health", "check": "quality", "notify": ["ops"]}


# --- the store -------------------------------------------------------------------------------------


class Store:
    """A migrated database with the helpers a scenario needs: a run that writes rows, evaluation, delivery."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_db_engine(url)
        upgrade(self.engine)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)

    def run(
        self,
        source: str,
        kind: str | None,
        rows: Sequence[Mapping[str, Any]] = (),
        at: datetime = T0,
        *,
        status: str = "succeeded",
        error: str | None = None,
        trigger: str = "schedule",
    ) -> int:
        """Record one finished run of `source` that stored `rows` (when it succeeded)."""
        with self.sessions.begin() as session:
            run = start_run(session, source, trigger, at, None)
            stored = unchanged = 0
            if kind is not None and rows and status == "succeeded":
                stats = write_items(session, kind, [dict(r) for r in rows], run.id)
                stored, unchanged = stats.stored, stats.unchanged
            finish_run(session, run.id, status=status, finished_at=at + timedelta(seconds=5), stored=stored,
                       unchanged=unchanged, error=error, details={"items_fetched": len(rows)})  # fmt: skip
            return run.id

    def evaluate(self, config: AlertsConfig, run_id: int, now: datetime) -> list[Transition]:
        with self.sessions.begin() as session:
            return evaluate_after_run(session, config, run_id, now)

    def tick(self, config: AlertsConfig, now: datetime) -> list[Transition]:
        with self.sessions.begin() as session:
            return tick(session, config, now)

    def deliver(self, config: AlertsConfig, now: datetime) -> DeliveryReport:
        return deliver_pending(self.sessions, config, now)

    def cycle(
        self,
        config: AlertsConfig,
        source: str,
        kind: str | None,
        rows: Sequence[Mapping[str, Any]] = (),
        at: datetime = T0,
        **options: Any,
    ) -> list[Transition]:
        """A run, its evaluation and one delivery pass, all at time `at` (as the crawl pipeline does)."""
        run_id = self.run(source, kind, rows, at, **options)
        transitions = self.evaluate(config, run_id, at + timedelta(seconds=10))
        self.deliver(config, at + timedelta(seconds=10))
        return transitions

    def events(self) -> list[AlertEvent]:
        with self.sessions() as session:
            return list(session.scalars(select(AlertEvent).order_by(AlertEvent.id)))

    def outbox(self) -> list[OutboxNotification]:
        with self.sessions() as session:
            return list(session.scalars(select(OutboxNotification).order_by(OutboxNotification.id)))

    def attempts(self) -> list[NotificationAttempt]:
        with self.sessions() as session:
            return list(session.scalars(select(NotificationAttempt).order_by(NotificationAttempt.id)))

    def close(self) -> None:
        self.engine.dispose()


# --- rows as the spiders emit them -----------------------------------------------------------------


def gpu_row(observed_at: datetime = T0, **changes: Any) -> dict[str, Any]:
    """Alibaba Cloud ecs.gn7e-c16g1.4xlarge (1× A100 80 GB, cn-beijing, on demand), CNY per hour."""
    price = Decimal(str(changes.pop("price", "34.74")))
    count = Decimal(str(changes.pop("gpu_count", "1")))
    available = changes.pop("available", True)
    row: dict[str, Any] = {
        "source": "aliyun_gpu", "provider": "aliyun", "instance_type": "ecs.gn7e-c16g1.4xlarge",
        "region": "cn-beijing", "billing": "on_demand", "gpu_model": "A100-80G", "gpu_variant": None,
        "gpu_count": count, "vcpus": 16, "memory_gb": Decimal(125), "disk": None,
        "price": price if available or changes.get("keep_price") else None, "currency": "CNY",
        "available": available, "url": "https://ecs-buy.aliyun.com/pricing", "observed_at": observed_at,
    }  # fmt: skip
    changes.pop("keep_price", None)
    row.update(changes)
    row["price_per_gpu_hour"] = row["price"] / row["gpu_count"] if row["price"] is not None else None
    return row


def gpushare_row(observed_at: datetime, available: bool, price: str = "5.98") -> dict[str, Any]:
    """恒源云 (gpushare) A800-80G community offer."""
    return gpu_row(observed_at, source="gpushare_gpu", provider="gpushare", instance_type="A800-80G-1x",
                   region="cn-east", billing="community", gpu_model="A800-80G", price=price, available=available,
                   url="https://gpushare.com/store/hire", keep_price=True)  # fmt: skip


def traffic_row(period: date, visits: int, domain: str = "kimi.com", observed_at: datetime = T0) -> dict[str, Any]:
    """A monthly SimilarWeb-style snapshot."""
    url = f"https://www.similarweb.com/website/{domain}/"
    return {"source": "similarweb_traffic", "domain": domain, "granularity": "month", "period_start": period,
            "visits": visits, "url": url, "observed_at": observed_at}  # fmt: skip


def quote_row(quote_time: datetime, price: str | None, prev_close: str, status: str = "trading") -> dict[str, Any]:
    """科大讯飞 002230.SZ from a quote source."""
    row: dict[str, Any] = {
        "source": "sina_quotes", "symbol": "002230.SZ", "name": "科大讯飞", "kind": "stock", "currency": "CNY",
        "price": Decimal(price) if price is not None else None, "prev_close": Decimal(prev_close),
        "quote_time": quote_time, "status": status, "url": "https://hq.sinajs.cn/list=sz002230",
        "observed_at": quote_time + timedelta(seconds=3),
    }  # fmt: skip
    if row["price"] is not None:
        row["change"] = row["price"] - row["prev_close"]
        row["change_pct"] = (row["change"] / row["prev_close"] * 100).quantize(Decimal("0.01"))
    return row


def funding_row(source: str, url: str, observed_at: datetime = T0, **changes: Any) -> dict[str, Any]:
    """A $100M AI round as one outlet reported it."""
    row: dict[str, Any] = {
        "source": source, "url": url, "observed_at": observed_at, "company": "月之暗面", "round": "B",
        "headline": "月之暗面完成1亿美元B轮融资", "published_at": observed_at - HOUR, "status": "completed",
        "amount_min": Decimal(100_000_000), "amount_max": Decimal(100_000_000), "currency": "USD",
        "amount_text": "1亿美元", "lead_investors": ["阿里巴巴"], "investors": ["阿里巴巴", "红杉中国"],
        "ai_related": True,
    }  # fmt: skip
    row.update(changes)
    return row


def month(index: int) -> date:
    """The first day of month `index` counted from 2025-01."""
    return date(2025 + index // 12, index % 12 + 1, 1)


def wait_for(predicate: Any, timeout_s: float = 5.0) -> bool:
    """Poll until `predicate()` is true (SMTP delivery finishes on the server's own thread)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def receivers() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
