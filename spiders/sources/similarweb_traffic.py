"""similarweb_traffic: SimilarWeb's free extension endpoint, one domain at a time, stopping at the first block."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from core.traffic_domains import split_domains
from spiders.base import BLOCK_STATUSES, SourceSpider, short_url
from spiders.parsers.similarweb_traffic import DEFAULT_ENDPOINT, block_marker

#: Chrome on macOS as the extension's background script sends it; the version drifts: -a user_agent= to update.
CHROME_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36"
)
EXTENSION_VERSION = "6.12.21"
#: Request header sets (traffic.md §2.1). "extension" is what the browser extension v6.12.21 sends (no Origin,
#: no cookies; eroom HAR, 2026-07); "website" is Heart-Quake's (Origin/Referer www.similarweb.com, 2026-05).
HEADER_PROFILES: dict[str, dict[str, str]] = {
    "extension": {
        "Accept": "*/*",
        "Accept-Language": "en-US,en;q=0.9",
        "Content-Type": "application/json",
        "X-Extension-Version": EXTENSION_VERSION,
    },
    "website": {
        "Accept": "application/json, text/plain, */*",
        "Accept-Language": "en-US,en;q=0.9",
        "Accept-Encoding": "gzip, deflate",
        "Origin": "https://www.similarweb.com",
        "Referer": "https://www.similarweb.com/",
        "Sec-Fetch-Dest": "empty",
        "Sec-Fetch-Mode": "cors",
        "Sec-Fetch-Site": "same-site",
    },
}


def profile_headers(profile: str, *, user_agent: str, extension_version: str) -> dict[str, str]:
    """The request headers of a named profile, with the User-Agent (and extension version) filled in."""
    if profile not in HEADER_PROFILES:
        raise ValueError(f"unknown header profile {profile!r} (known: {', '.join(HEADER_PROFILES)})")
    headers = {"User-Agent": user_agent, **HEADER_PROFILES[profile]}
    if "X-Extension-Version" in headers:
        headers["X-Extension-Version"] = extension_version
    return headers


class SimilarwebTrafficSpider(SourceSpider):
    name = "similarweb_traffic"
    kind = "traffic"
    default_endpoint = DEFAULT_ENDPOINT
    description = (
        "SimilarWeb free extension endpoint: last month's visits, visit duration, pages/visit, bounce rate, "
        "global rank, plus 3 months of visits (monthly)"
    )
    expects = "json"
    # Domains fetched before a block are good data: keep them when the run ends blocked.
    atomic = False
    # One request at a time, >= 30 s apart, one retry (429/5xx), no cookies or Referer: the endpoint is
    # unofficial and blocks bursts (traffic.md §2.2). Config `settings = {…}` or `-s` override any of these.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 30,
        "DOWNLOAD_DELAY_JITTER": 0,  # Scrapy 2.19 name; RANDOMIZE_DOWNLOAD_DELAY is deprecated
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_TIMES": 1,
        "COOKIES_ENABLED": False,
        "REFERER_ENABLED": False,
        "SIMILARWEB_PROFILE": "extension",
        "SIMILARWEB_USER_AGENT": CHROME_USER_AGENT,
        "SIMILARWEB_EXTENSION_VERSION": EXTENSION_VERSION,
    }

    def __init__(
        self,
        *args: Any,
        domains: str | None = None,
        profile: str | None = None,
        user_agent: str | None = None,
        extension_version: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._domains_arg = domains
        self._header_args = {"profile": profile, "user_agent": user_agent, "extension_version": extension_version}
        self.domains: list[str] = []
        self.headers: dict[str, str] = {}
        self.domains_with_data = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            self.domains = (
                split_domains(self._domains_arg) if self._domains_arg else list(self.crawl_settings.traffic_domains)
            )
            self.headers = profile_headers(
                self._header_args["profile"] or self.settings.get("SIMILARWEB_PROFILE"),
                user_agent=self._header_args["user_agent"] or self.settings.get("SIMILARWEB_USER_AGENT"),
                extension_version=self._header_args["extension_version"]
                or self.settings.get("SIMILARWEB_EXTENSION_VERSION"),
            )
        except ValueError as exc:
            self.fail(str(exc))
            return
        if not self.domains:
            self.fail("no domain to fetch (-a domains=… or [traffic] apps)")
            return
        yield self._request(0)

    def _request(self, index: int, attempt: int = 0) -> scrapy.Request:
        request = self.request(
            f"{self.endpoint}?{urlencode({'domain': self.domains[index]})}",
            headers=self.headers,
            meta={"index": index, "attempt": attempt},
        )
        # 403 comes to the callback to tell a CloudFront block from a plain 403; 404 = unknown site.
        return request.replace(errback=self.on_error, meta={"handle_httpstatus_list": [403, 404]})

    def _next(self, index: int) -> Iterator[scrapy.Request]:
        """The next domain's request, or at the end of the batch a check that not every domain came back empty."""
        if index < len(self.domains):
            yield self._request(index)
        elif len(self.domains) > 1 and self.domains_with_data == 0 and not self.failures:
            self.fail(f"none of the {len(self.domains)} domains returned data (endpoint changed?)")

    def _stop(self, index: int, reason: str, *, blocked: bool) -> None:
        """Record why the batch ends here; the domains from `index` on are not asked (and named once)."""
        left = self.domains[index:]
        tail = f"; batch stopped, {len(left)} domain(s) not fetched: {', '.join(left)}" if left else ""
        self.fail(reason + tail, blocked=blocked)

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """One domain's answer, then the next domain (unless the answer was a block).

        Kept here, not in the parser: domains are asked one after the other and a block stops the batch, and
        a 403 is told apart by its status and headers, which a parser never sees.
        """
        meta = parser_meta or {}
        index, attempt = int(meta["index"]), int(meta["attempt"])
        domain = self.domains[index]
        if response.status == 403:
            headers = {
                k.decode("latin-1").lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
            }
            marker = block_marker(headers, response.body)
            if marker is not None:
                self._stop(index + 1, f"CloudFront block (HTTP 403, {marker}) on {domain}", blocked=True)
            elif attempt == 0:
                self.logger.warning("HTTP 403 without CloudFront markers for %s: retrying once", domain)
                yield self._request(index, attempt + 1)
            else:
                self._stop(index + 1, f"HTTP 403 twice on {domain} ({short_url(response.url)})", blocked=True)
            return
        if response.status == 404:
            self.note(f"{domain}: HTTP 404, SimilarWeb does not know this site; nothing stored")
            yield from self._next(index + 1)
            return
        snapshots = list(super().parse_response(response, step, parser_meta))
        if self.blocked:  # a block page with HTTP 200: the parser raised, parsed() recorded it
            if index + 1 < len(self.domains):
                self.note(f"batch stopped after the block on {domain}: {', '.join(self.domains[index + 1 :])}")
            return
        if snapshots:
            self.domains_with_data += 1
        yield from snapshots
        yield from self._next(index + 1)

    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Record a request that finally failed; a 429 after its retry or a refusal blocks the batch."""
        request = getattr(failure, "request", None)
        index = int(request.cb_kwargs["parser_meta"]["index"]) if request is not None else len(self.domains)
        domain = self.domains[index] if index < len(self.domains) else "?"
        error = failure.value
        status = error.response.status if isinstance(error, HttpError) else None
        if status == 429:
            self._stop(index + 1, f"rate-limited (HTTP 429, also after the retry) on {domain}", blocked=True)
        elif status in BLOCK_STATUSES:
            self._stop(index + 1, f"HTTP {status} on {domain}", blocked=True)
        else:
            self.errback(failure)
            yield from self._next(index + 1)
