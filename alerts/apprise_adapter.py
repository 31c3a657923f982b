"""The only module that imports Apprise: URL checks and sending one message."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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


def send(
    url: str,
    title: str,
    body: str,
    level: str,
    timeout_s: float,
    body_format: str = "text",
    attachments: Sequence[str] = (),
) -> str | None:
    """Deliver one message through Apprise; None on success, else why it failed (Apprise never raises).

    `body_format` is "text" or "html"; `attachments` are file paths, each checked first so that a missing file
    is a failed attempt naming it rather than Apprise's anonymous "could not access attachment".
    """
    import apprise

    for path in attachments:
        problem = attachment_problem(path)
        if problem is not None:
            return problem
    app = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory", secure_logging=True))
    with _quiet_apprise():
        added = app.add(url)
    if not added:
        return "not a valid Apprise URL"
    attach = None
    if attachments:
        attach = apprise.AppriseAttachment()
        for path in attachments:
            if not attach.add(path):
                return f"attachment {path}: Apprise cannot attach it"
    notify_format = apprise.NotifyFormat.HTML if body_format == "html" else apprise.NotifyFormat.TEXT
    result = app.notify(
        body=body, title=title, notify_type=level, body_format=notify_format, attach=attach, timeout=timeout_s
    )
    if result:
        return None
    # notify() returns a falsy result on failure or partial delivery; the reasons are in its captured logs.
    reasons = [
        entry.message
        for service in getattr(result, "results", ())
        for entry in service.logs()
        if entry.level in ("WARNING", "ERROR", "CRITICAL")
    ]
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    return redact("; ".join(dict.fromkeys(reasons)) or f"Apprise reported {status}")[:2000]
