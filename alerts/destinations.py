"""Target URLs as the outbox stores them: `${NAME}` references kept, resolved only to send, shown without tokens."""

from __future__ import annotations

import logging
import re

from core.config.alert_targets import ENV_REF
from core.secrets import ConfigError, SecretRef

logger = logging.getLogger(__name__)

#: Apprise schemes that are e-mail: they get the report's HTML with its files attached; others get the summary.
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})


def resolve_destination(destination: str) -> str:
    """The usable URL: a `${NAME}` reference (whole or inline) replaced by the environment variable's value."""
    return ENV_REF.sub(lambda m: SecretRef(env=m.group(1)).resolve(), destination)


def destination_text(url: SecretRef | str) -> str:
    """How a configured URL is stored in the outbox: references stay references, never values."""
    return f"${{{url.env}}}" if isinstance(url, SecretRef) else url


def shown_destination(destination: str) -> str:
    """A destination for humans: the scheme and host, never a path or query that may carry a token."""
    if destination.startswith("${"):
        return destination
    scheme, _, rest = destination.partition("://")
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    return f"{scheme}://{host}/…" if rest else destination


def is_email_destination(destination: str, target: str = "") -> bool:
    """True when `destination` (as configured) is an e-mail URL; a `${NAME}` hiding the scheme is resolved only
    to read it (unset: not e-mail, with a warning naming `target`)."""
    scheme = destination.split("://", 1)[0] if "://" in destination else destination
    if ENV_REF.search(scheme):
        try:
            resolved = resolve_destination(scheme)
        except ConfigError as exc:
            logger.warning("report for target %s: %s; sending it the plain-text summary", target, exc)
            return False
        scheme = resolved.split("://", 1)[0] if "://" in resolved else ""
    return scheme.strip().lower() in EMAIL_SCHEMES
