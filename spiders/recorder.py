"""`aipulse record`: a Scrapy extension that keeps every response a crawl receives as a fixture case.

Enabled by the `AIPULSE_RECORD_DIR` setting. Each response becomes `<dir>/<source>/<case>/` with the body as
`response.<ext>`, a `meta.json` (URL, request, status, headers, fetch time, spider arguments, `constructed:
false`) and a draft `expected.json` from the current parser, marked `"reviewed": false` until a person has
read the body and agreed. Secrets never reach the disk: credential headers, cookies and query values are
replaced by `***`, the values of the source's secrets (`AIPULSE_RECORD_SECRET_ENVS`) are scrubbed from
everything written, and a body that contains one is refused (not written) with the reason in `meta.json`.
An answer that is not a clean one (4xx/5xx, a redirect, a binary body) is kept with its status and marked
`"passing": false`: evidence for a bug report, never a passing case.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from core.secrets import ConfigError, SecretRef
from spiders.cases import expected_draft, extension_for

logger = logging.getLogger(__name__)

SECRET = "***"
_SENSITIVE_HEADER = re.compile(r"authorization|cookie|token|secret|api[-_]?key|session|signature", re.IGNORECASE)
_SENSITIVE_QUERY = re.compile(
    r"^(?:token|access_token|key|apikey|api_key|secret|signature|sign|password|pass|auth|session)$", re.IGNORECASE
)


class ResponseRecorder:
    """Writes each received response as a case folder under `AIPULSE_RECORD_DIR/<spider name>/`."""

    def __init__(self, crawler: Crawler, root: Path, secrets: dict[str, str]) -> None:
        self.crawler = crawler
        self.root = root
        self.secrets = secrets
        self.count = 0
        self.written: list[Path] = []
        self.started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseRecorder:
        root = crawler.settings.get("AIPULSE_RECORD_DIR")
        if not root:
            raise NotConfigured  # no message: Scrapy would log a warning on every crawl that does not record
        secrets: dict[str, str] = {}
        for name in crawler.settings.getlist("AIPULSE_RECORD_SECRET_ENVS"):
            try:
                secrets[name] = SecretRef(env=name).resolve()
            except ConfigError:
                continue  # a secret that is not set cannot leak
        return cls(crawler, Path(root), secrets)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        """Keep one response (called by Scrapy for every response, before the spider sees it)."""
        self.count += 1
        step = request.cb_kwargs.get("step")
        name = f"rec_{self.started}_{self.count:02d}" + (f"_{_slug(step)}" if step else "")
        folder = self.root / spider.name / name
        folder.mkdir(parents=True, exist_ok=True)
        fetched_at = getattr(spider, "now", lambda: datetime.now(UTC))()
        meta = self._meta(response, request, spider, fetched_at)
        body = response.body
        problem = _problem(response)
        leaked = [env for env, value in self.secrets.items() if value and value.encode() in body]
        if leaked:
            meta["recorded"] = {"passing": False, "problem": f"refused: the body contains the value of {leaked[0]}"}
            logger.warning("record %s: not writing the body of %s: it contains a secret", spider.name, meta["url"])
        else:
            ext = extension_for((response.headers.get("Content-Type") or b"").decode("latin-1"), body)
            (folder / f"response{ext}").write_bytes(body)
            meta["recorded"] = {"passing": problem is None, "problem": problem}
            if problem is None:
                draft = expected_draft(spider, body, url=response.url, fetched_at=fetched_at, meta=meta["request"])
                _write_json(folder / "expected.json", draft)
        _write_json(folder / "meta.json", meta)
        self.written.append(folder)
        logger.info("recorded %s (%s)", folder, meta["recorded"]["problem"] or "ok")

    def _meta(self, response: Response, request: Request, spider: Spider, fetched_at: datetime) -> dict[str, Any]:
        split = urlsplit(request.url)
        query = {k: SECRET if _SENSITIVE_QUERY.match(k) else self._scrub(v) for k, v in parse_qsl(split.query)}
        body = request.body or b""
        arguments: dict[str, Any] = getattr(spider, "spider_arguments", dict)()
        return {
            "url": self._scrub_url(response.url),
            "fetched_at": fetched_at.isoformat(),
            "origin": f"recorded: `aipulse record {spider.name}` at {fetched_at.isoformat()}, "
            f"the answer to {request.method} {self._scrub_url(request.url)}",
            "constructed": False,
            "request": {
                "method": request.method,
                "path": split.path or "/",
                "content_type": (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0].strip()
                or "application/octet-stream",
                "query": query,
                "step": request.cb_kwargs.get("step"),
                "meta": request.cb_kwargs.get("parser_meta") or {},
                "args": {k: self._scrub_arg(str(v)) for k, v in arguments.items()},
                "headers": self._headers(request.headers.to_unicode_dict()),
                "body": self._scrub(body.decode("utf-8", errors="replace")) if body else "",
                # the answer's status and headers: the replay server serves them back
                "status": response.status,
                "response_headers": self._headers(response.headers.to_unicode_dict()),
            },
            # a redirect chain is followed by Scrapy before the answer reaches us: keep where it started
            "redirected_from": [self._scrub_url(str(u)) for u in request.meta.get("redirect_urls", [])],
        }

    def _headers(self, headers: Any) -> dict[str, str]:
        return {str(k): SECRET if _SENSITIVE_HEADER.search(str(k)) else self._scrub(str(v)) for k, v in headers.items()}

    def _scrub(self, text: str) -> str:
        for value in self.secrets.values():
            if value:
                text = text.replace(value, SECRET)
        return text

    def _scrub_arg(self, value: str) -> str:
        return self._scrub_url(value) if value.startswith(("http://", "https://")) else self._scrub(value)

    def _scrub_url(self, url: str) -> str:
        split = urlsplit(url)
        pairs = parse_qsl(split.query, True)
        if "@" not in split.netloc and not any(_SENSITIVE_QUERY.match(k) for k, _ in pairs):
            return self._scrub(url)  # nothing to remove: keep the URL byte for byte (the parser saw this one)
        query = [(k, SECRET if _SENSITIVE_QUERY.match(k) else v) for k, v in pairs]
        netloc = split.netloc.rsplit("@", 1)[-1]  # user:password@host never leaves the crawl
        return self._scrub(urlunsplit((split.scheme, netloc, split.path, urlencode(query), split.fragment)))


def _problem(response: Response) -> str | None:
    """Why this answer cannot be a passing case, or None."""
    if 300 <= response.status < 400:
        location = response.headers.get("Location") or b"?"
        return f"HTTP {response.status} redirect to {location.decode('latin-1')}"
    if response.status >= 400:
        return f"HTTP {response.status}"
    if b"\0" in response.body[:8192]:
        return "binary body"
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40] or "step"


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
