"""E-mail through Apprise under a `Message-ID` of ours, the same on every send of one notification (issue 16.2).

Why a subclass and not a custom header. Apprise 2.3's e-mail plugin (`apprise/plugins/email/base.py`) writes
the custom headers first (`+Header=value` URL arguments, `headers=`, a subclass's `_protocol_headers`), then
assigns `base["Message-ID"] = make_msgid(domain=smtp_host)`. `email.message.Message.__setitem__` appends, so a
`+Message-ID=…` gives a second Message-ID (RFC 5322 allows one) beside a random one that changes every attempt.
`NotifyEmail.send` calls `NotifyEmail.prepare_emails` by its class name, so overriding `prepare_emails` in a
subclass is never reached; the other ways in (`make_msgid`, the plugin registry) are process-wide patches.

What is used instead are Apprise's public pieces: `NotifyEmail.prepare_emails` builds each message (MIME parts,
headers, attachments, PGP) and `AppriseSMTPController` sends it (SSL or STARTTLS, login), and `Apprise.add`
takes a plugin instance. `MessageIdEmail.send` runs them as `NotifyEmail.send` does, with one change: the
Message-ID line of each prepared message's header block is replaced by ours. Nothing global is touched, so
other sends in the process (other threads, other targets) keep Apprise's own behaviour. `tests/
test_delivery_idempotency.py` sends through a real local SMTP server, so an Apprise upgrade that changes these
pieces fails there.
"""

# Apprise 2.3 ships py.typed but most of NotifyBase/NotifyEmail is unannotated: calling it is what this module does.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import re
import smtplib
from typing import Any

import apprise
from apprise.exception import AppriseImproperlyConfigured
from apprise.plugins.email import AppriseEmailException, NotifyEmail
from apprise.plugins.email.smtp import AppriseSMTPController

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_HEADER_END = re.compile(r"\r?\n\r?\n")
_MESSAGE_ID_LINE = re.compile(r"^Message-ID:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)


def message_id(idempotency_key: str) -> str:
    """The Message-ID for a notification's key: `<key@aipulse>` (the key is a dot-atom, as RFC 5322 wants)."""
    if not _KEY.fullmatch(idempotency_key):
        raise ValueError(f"an idempotency key must be letters, digits, '.', '_' or '-': {idempotency_key!r}")
    return f"<{idempotency_key}@aipulse>"


def with_message_id(message: str, value: str) -> str:
    """`message` (a whole RFC 5322 text) with its one Message-ID header set to `value`, the rest byte for byte."""
    end = _HEADER_END.search(message)
    cut = end.start() if end else len(message)
    head, rest = message[:cut], message[cut:]
    head, replaced = _MESSAGE_ID_LINE.subn(f"Message-ID: {value}", head, count=1)
    if not replaced:
        head += f"\nMessage-ID: {value}"
    return head + rest


class MessageIdEmail(NotifyEmail):
    """Apprise's SMTP e-mail with a fixed `Message-ID` (see the module's docstring for why a subclass)."""

    def __init__(self, message_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fixed_message_id = message_id

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: Any = apprise.NotifyType.INFO,
        attach: Any = None,
        body_format: Any = None,
        **kwargs: Any,
    ) -> bool:
        """Send to every recipient as `NotifyEmail.send` does, each message under `fixed_message_id`."""
        if not self.targets:
            self.logger.warning("There are no Email recipients to notify")
            return False
        has_error = False
        self.throttle()
        try:
            with AppriseSMTPController(  # the same arguments as NotifyEmail.send's, whose attributes are untyped
                host=self.smtp_host, port=self.port, secure_mode=self.secure_mode, user=self.user,  # type: ignore[arg-type]
                password=self.password, verify_certificate=self.verify_certificate,
                socket_connect_timeout=self.socket_connect_timeout,  # type: ignore[arg-type]
            ) as smtp:  # fmt: skip
                headers = {"X-Application": self.app_id, **self.headers, **self._protocol_headers(body)}
                for message in NotifyEmail.prepare_emails(
                    subject=title, body=body, notify_format=self.resolve_format(body_format),
                    from_addr=self.from_addr, to=self.targets, cc=self.cc, bcc=self.bcc, reply_to=self.reply_to,
                    smtp_host=self.smtp_host, attach=attach, headers=headers, names=self.names, pgp=self.pgp,
                    pgp_mode=self.pgp_mode, inline=self.inline, tzinfo=self.tzinfo,
                ):  # fmt: skip
                    if self.is_delivered(message.recipient):
                        continue
                    text = with_message_id(message.body, self.fixed_message_id)
                    if smtp.sendmail(str(self.from_addr[1]), message.to_addrs, text):
                        self.logger.info("Sent Email to %s", message.recipient)
                        self.mark_delivered(message.recipient)
                    else:
                        self.logger.warning('Sending email to "%s" failed.', message.recipient)
                        has_error = True
        except (OSError, smtplib.SMTPException, RuntimeError, AppriseImproperlyConfigured) as exc:
            self.logger.warning('Connection error while submitting email to "%s"', self.smtp_host)
            self.logger.debug(f"Socket Exception: {exc}")
            has_error = True
        except AppriseEmailException as exc:
            self.logger.debug(f"Socket Exception: {exc}")
            has_error = True
        self.pgp.prune()
        return not has_error


def email_with_message_id(url: str, idempotency_key: str, asset: Any) -> MessageIdEmail | None:
    """The e-mail service of a `mailto://`/`mailtos://` `url` sending under the key's Message-ID; None when
    Apprise cannot use `url` (as `Apprise.instantiate` returns None)."""
    results = apprise.plugins.url_to_dict(url, secure_logging=asset.secure_logging)
    if results is None or results.get("schema") not in (NotifyEmail.protocol, NotifyEmail.secure_protocol):
        return None
    try:
        return MessageIdEmail(message_id(idempotency_key), **{**results, "asset": asset, "tag": set()})
    except Exception:  # as Apprise.instantiate does: a constructor error is a URL Apprise cannot use
        return None
