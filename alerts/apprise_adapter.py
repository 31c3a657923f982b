"""With `alerts.apprise_email` the only modules that import Apprise: URL checks and sending one message."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from core.config.alert_targets import ENV_REF
from core.config.alerts import AlertsConfig
from core.secrets import ConfigError, redact


@contextmanager
def _quiet_apprise() -> Iterator[None]:
    # Apprise logs an ERROR for every URL it cannot parse; while validating config we report it ourselves.
    apprise_logger = logging.getLogger("apprise")
    level = apprise_logger.level
    apprise_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        apprise_logger.setLevel(level)


def apprise_url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url` (None when it can); the URL itself is not echoed, it may hold a token."""
    import apprise

    with _quiet_apprise():
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        return f"not a valid Apprise URL (scheme {scheme!r}; see https://github.com/caronc/apprise/wiki)"
    return None


def check_target_urls(config: AlertsConfig, where: str) -> None:
    """Fail at start when Apprise cannot use a literal target URL; `where` names the config file.

    The message is the one config validation gives (`<where>: invalid configuration` and the located key).
    URLs holding a `${NAME}` are only known at delivery and are not checked here.
    """
    for name, urls in config.targets.items():
        for url in urls:
            if isinstance(url, str) and not ENV_REF.search(url):
                problem = apprise_url_problem(url)
                if problem:
                    raise ConfigError(f"{where}: invalid configuration\n  alerts.targets: {name}: {problem}")


def attachment_problem(path: str) -> str | None:
    """Why the file at `path` cannot be attached (None when it can be read)."""
    try:
        with Path(path).open("rb"):
            return None
    except FileNotFoundError:
        return f"attachment {path} does not exist"
    except OSError as exc:
        return f"attachment {path} cannot be read: {exc.strerror or exc}"


#: the HTTP header and the JSON/form/XML body field that carry a notification's idempotency key
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_FIELD = "idempotency_key"
#: the e-mail header that carries the key beside the `Message-ID` derived from it (`alerts.apprise_email`)
EMAIL_IDEMPOTENCY_HEADER = "X-Idempotency-Key"
_BODY_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
#: the schemes of Apprise's SMTP plugin (API-based mail services have schemes and payloads of their own)
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})


@dataclass(frozen=True)
class Undelivered:
    """Why a message was not confirmed; `unknown`: it went out and no answer came in time (it may have arrived)."""

    reason: str
    unknown: bool = False


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def with_idempotency_key(url: str, key: str) -> str:
    """`url` with `key` where its Apprise plugin passes one: a header and a body field (json, form, xml), a header
    (e-mail, whose `Message-ID` `send` derives from the key too). Other schemes (Slack, Telegram, …) have no such
    field in Apprise: `url` is returned unchanged."""
    scheme = _scheme(url)
    if scheme in _BODY_SCHEMES:
        extra = {f"+{IDEMPOTENCY_HEADER}": key, f":{IDEMPOTENCY_FIELD}": key}
    elif scheme in EMAIL_SCHEMES:
        extra = {f"+{EMAIL_IDEMPOTENCY_HEADER}": key}
    else:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(extra)


def supports_idempotency_key(url: str) -> bool:
    """Whether a message to `url` carries its idempotency key (see `with_idempotency_key`)."""
    return with_idempotency_key(url, "k") != url


def send(
    url: str,
    title: str,
    body: str,
    level: str,
    timeout_s: float,
    body_format: str = "text",
    attachments: Sequence[str] = (),
    idempotency_key: str | None = None,
) -> Undelivered | None:
    """Deliver one message through Apprise; None on success, else why not (Apprise never raises).

    `body_format` is "text" or "html"; `attachments` are file paths, each checked first so that a missing file
    is a failed attempt naming it rather than Apprise's anonymous "could not access attachment".
    `idempotency_key` goes into every payload that carries one (`with_idempotency_key`), the same on every
    retry, so a receiver that deduplicates shows a message once however often it was sent; an e-mail goes out
    under `Message-ID: <key@aipulse>` on every attempt (`alerts.apprise_email`). A timeout is
    `unknown`: the request left, the receiver may have taken it.
    """
    import apprise

    for path in attachments:
        problem = attachment_problem(path)
        if problem is not None:
            return Undelivered(problem)
    asset = apprise.AppriseAsset(storage_mode="memory", secure_logging=True)
    app = apprise.Apprise(asset=asset)
    with _quiet_apprise():
        if idempotency_key and _scheme(url) in EMAIL_SCHEMES:
            from alerts.apprise_email import email_with_message_id

            service = email_with_message_id(with_idempotency_key(url, idempotency_key), idempotency_key, asset)
            added = service is not None and app.add(service)
        else:
            added = app.add(with_idempotency_key(url, idempotency_key) if idempotency_key else url)
    if not added:
        return Undelivered("not a valid Apprise URL")
    attach = None
    if attachments:
        attach = apprise.AppriseAttachment()
        for path in attachments:
            if not attach.add(path):
                return Undelivered(f"attachment {path}: Apprise cannot attach it")
    notify_format = apprise.NotifyFormat.HTML if body_format == "html" else apprise.NotifyFormat.TEXT
    started = time.monotonic()
    result = app.notify(
        body=body, title=title, notify_type=level, body_format=notify_format, attach=attach, timeout=timeout_s
    )
    if result:
        return None
    # notify() returns a falsy result on failure or partial delivery; the reasons are in its captured logs.
    entries = [entry for service in getattr(result, "results", ()) for entry in service.logs()]
    reasons = [entry.message for entry in entries if entry.level in ("WARNING", "ERROR", "CRITICAL")]
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    reason = redact("; ".join(dict.fromkeys(reasons)) or f"Apprise reported {status}")[:2000]
    timed_out = (
        status == "TIMEOUT"
        or time.monotonic() - started >= timeout_s
        or any("timed out" in str(entry.message).lower() for entry in entries)
    )
    if timed_out:
        return Undelivered(f"no answer within {timeout_s:g}s ({reason})", unknown=True)
    return Undelivered(reason)
