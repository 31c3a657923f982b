"""One block detector for every source, run by the spider whenever a parser refuses, crashes or finds nothing.

A site that refuses us does not always say so with a 403: a captcha or challenge page comes with HTTP 200,
an API says "auth failed" in a JSON body with HTTP 200, a login wall is an HTML page where JSON was asked
for. Seen that way on half the sources tried, they were recorded as `failed` and the `blocked` health rule
never fired. `detect_block` raises BlockedError for a block (challenge or captcha markers in an HTML page,
an auth failure in a JSON envelope's message fields) and ParseError for an answer of another kind than the
source expects (HTML where JSON, a feed or text was asked for; JSON where a page was: "JSON instead of
HTML", not "Cannot use css on a Selector of type 'json'"). A parser's own reading of a refusal, more
precise, comes first; parsers may call it themselves too.
"""

from __future__ import annotations

import json
import re

from spiders.errors import BlockedError, ParseError

__all__ = ["body_kind", "detect_block"]

#: challenge pages: enough on their own, in any HTML page
_CHALLENGE = re.compile(
    r"<title>Just a moment\.\.\.</title>|_cf_chl_opt|/cdn-cgi/challenge-platform/|cf-browser-verification"
    r"|Attention Required! \| Cloudflare|g-recaptcha|h-captcha|hcaptcha\.com|geetest|人机验证|滑动验证|安全验证",
    re.IGNORECASE,
)
#: words of a block or login page: only in a short HTML page (a real page may mention them in a footer)
_BLOCK_WORDS = re.compile(
    r"验证码|访问过于频繁|请求过于频繁|请完成验证|请先登录|请登录|captcha|unusual traffic|access denied"
    r"|are you a robot|request blocked|request could not be satisfied|forbidden",
    re.IGNORECASE,
)
_SHORT_PAGE = 20_000
#: an API envelope's message saying the caller is refused (not a data error)
_AUTH_FAILURE = re.compile(
    r"unauthori[sz]ed|unauthenticated|authfailure|authorizefailed|auth(entication)? failed|invalid (api[ _]?key|token"
    r"|crumb|cookie|signature)|token (expired|invalid)|login required|not logged in|permission denied|access denied"
    r"|no permission|未登录|请登录|请先登录|登录失效|未授权|签名错误|无权限|访问受限",
    re.IGNORECASE,
)
_MESSAGE_KEYS = ("message", "msg", "error", "errorMessage", "error_message", "errmsg", "description", "Message")
_KINDS = {"json": "JSON", "html": "HTML", "xml": "XML", "text": "text"}


def body_kind(body: bytes) -> str:
    """What the body is: json, html, xml or text (sniffed from its first bytes)."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200] or b"<body" in head[:200]:
        return "html"
    if head.startswith((b"<?xml", b"<rss", b"<feed")):
        return "xml"
    if head.startswith(b"<"):
        return "html"
    return "text"


def detect_block(body: bytes, *, expects: str | None = None, what: str = "the answer", envelope: bool = True) -> None:
    """Raise BlockedError when `body` is a refusal, ParseError when it is not the `expects` kind; else return.

    `expects` is json, html, xml or text (None: any kind). `what` names the expected answer in messages.
    """
    kind = body_kind(body)
    if kind == "html":
        text = body[:200_000].decode("utf-8", errors="replace")
        marker = _CHALLENGE.search(text) or (len(body) <= _SHORT_PAGE and _BLOCK_WORDS.search(text))
        if marker:
            raise BlockedError(f"a block or captcha page instead of {what} ({marker.group(0)!r})")
    elif kind == "json" and len(body) <= _SHORT_PAGE:
        message = _envelope_message(body)
        if message and _AUTH_FAILURE.search(message):
            raise BlockedError(f"the source refused the request: {message[:200]}")
    # an empty or unrecognisable body is the parser's to describe ("empty body", "malformed JSON")
    if expects is not None and kind != expects and kind != "text" and not (expects == "text" and kind == "json"):
        snippet = re.sub(r"\s+", " ", body[:80].decode("utf-8", errors="replace")).strip()
        raise ParseError(f"{_KINDS[kind]} instead of {_KINDS.get(expects, expects)} ({what}): {snippet!r}")


def _envelope_message(body: bytes) -> str:
    """The message and code fields of a small JSON envelope (objects down to three levels, and `errors`)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    parts: list[str] = []

    def walk(node: object, depth: int) -> None:
        if isinstance(node, list) and depth:
            for entry in node[:5]:
                walk(entry, depth - 1)
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if (key in _MESSAGE_KEYS or key.lower() in ("code", "error_code", "status")) and isinstance(value, str):
                parts.append(value)
            if depth and (isinstance(value, dict) or key in ("errors", "error")):
                walk(value, depth - 1)

    walk(data, 3)
    return " ".join(parts)
