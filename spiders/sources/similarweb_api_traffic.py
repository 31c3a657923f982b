"""similarweb_api_traffic: SimilarWeb's paid REST API, visits and average visit duration per week (or day, month)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from core.config import ConfigError
from core.traffic_domains import split_domains
from spiders.base import BLOCK_STATUSES, SourceSpider
from spiders.errors import ParseError
from spiders.parsers.common import load_json
from spiders.parsers.similarweb_api_traffic import (
    API_GRANULARITIES,
    DEFAULT_ENDPOINT,
    VISITS,
    error_message,
    metric_path,
    public_url,
)

_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class _RedactKey(logging.Filter):
    """Replaces the API key in every log record (Scrapy logs request URLs, which carry `api_key=`)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.key in message:
            record.msg, record.args = message.replace(self.key, "***"), None
        return True


def default_months(today: date) -> tuple[str, str]:
    """start_date and end_date (YYYY-MM) of the last three published months: a month is out by the 10th."""
    lag = 1 if today.day >= 10 else 2
    end = today.year * 12 + today.month - 1 - lag
    start = end - 2
    return f"{start // 12:04d}-{start % 12 + 1:02d}", f"{end // 12:04d}-{end % 12 + 1:02d}"


class SimilarwebApiTrafficSpider(SourceSpider):
    name = "similarweb_api_traffic"
    kind = "traffic"
    default_endpoint = DEFAULT_ENDPOINT
    description = "SimilarWeb REST API (paid key): visits and average visit duration per week, day or month"
    expects = "json"
    # Each domain is its own series: keep the domains fetched before a failure.
    atomic = False
    # 10 requests/s per account is the documented limit; one at a time, 0.2 s apart stays well below it.
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "CONCURRENT_REQUESTS": 1,
        "DOWNLOAD_DELAY": 0.2,
        "DOWNLOAD_DELAY_JITTER": 0,  # Scrapy 2.19 name; RANDOMIZE_DOWNLOAD_DELAY is deprecated
        "AUTOTHROTTLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "REFERER_ENABLED": False,  # the previous URL carries the key
    }

    def __init__(
        self,
        *args: Any,
        domains: str | None = None,
        granularity: str = "weekly",
        start_date: str | None = None,
        end_date: str | None = None,
        country: str = "world",
        api_key: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._domains_arg = domains
        self.granularity = granularity
        self.start_date, self.end_date = start_date, end_date
        self.country = country
        self._api_key = api_key or ""
        self.domains: list[str] = []

    # --- the key never leaves this object: not in logs, failures, notes or stored URLs -------------

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def fail(self, reason: str, *, blocked: bool = False) -> None:
        super().fail(self._redact(reason), blocked=blocked)

    def note(self, message: str) -> None:
        super().note(self._redact(message))

    def closed(self, reason: str) -> None:
        """Scrub failures recorded outside fail() (spider errors quote the response URL) before they are stored."""
        self.failures[:] = [self._redact(text) for text in self.failures]

    def _load_key(self) -> str:
        if self._api_key:
            return self._api_key
        return self.source_settings.secret("api_key") or ""

    # --- requests ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            if self.granularity not in API_GRANULARITIES:
                raise ValueError(f"granularity {self.granularity!r} is not one of {', '.join(API_GRANULARITIES)}")
            for value in (self.start_date, self.end_date):
                if value is not None and not _DATE.match(value):
                    raise ValueError(f"date {value!r} must be YYYY-MM (or YYYY-MM-DD)")
            self._api_key = self._load_key()
            self.domains = (
                split_domains(self._domains_arg) if self._domains_arg else list(self.crawl_settings.traffic_domains)
            )
        except (ConfigError, ValueError) as exc:
            self.fail(str(exc))
            return
        if not self._api_key:
            self.fail(f'no API key: set secrets = {{ api_key = "${{ENV_NAME}}" }} in [sources.{self.name}]')
            return
        for handler in logging.getLogger().handlers:
            handler.addFilter(_RedactKey(self._api_key))
        if self.granularity == "monthly" and not (self.start_date and self.end_date):
            self.start_date, self.end_date = default_months(self.now().date())
        if not self.domains:
            self.fail("no domain to fetch (-a domains=… or [traffic] apps)")
            return
        yield self._request(0)

    def _visits_url(self, domain: str) -> str:
        """The first URL of a domain (with the key; the parser cuts it from what it stores)."""
        query: dict[str, str] = {}
        if self.start_date and self.end_date:  # without dates: the last 28 days (daily and weekly only)
            query |= {"start_date": self.start_date, "end_date": self.end_date}
        query |= {"country": self.country, "granularity": self.granularity, "main_domain_only": "false"}
        query["format"] = "json"
        public = f"{self.endpoint}/{quote(domain)}/{metric_path(VISITS)}?{urlencode(query)}"
        return f"{public}&{urlencode({'api_key': self._api_key})}"

    def request(self, url: str, **kwargs: Any) -> scrapy.Request:
        """Every request (the parser's durations follow-up too) reads 4xx error envelopes and goes on after errors."""
        return (
            super()
            .request(url, **kwargs)
            .replace(errback=self.on_error, meta={"handle_httpstatus_list": [400, 401, 403, 404]})
        )

    def _request(self, index: int) -> scrapy.Request:
        return self.request(self._visits_url(self.domains[index]), step=VISITS, meta={"index": index})

    def _next(self, index: int) -> Iterator[scrapy.Request]:
        if index < len(self.domains) and not self.blocked:
            yield self._request(index)

    # --- responses --------------------------------------------------------------------------------

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """A domain's visits, then its durations (the parser's follow-up); then the next domain.

        Kept here: domains go one after the other so a refused key stops the batch, and a 4xx without an
        error envelope is read by its status, which a parser never sees.
        """
        index = int((parser_meta or {})["index"])
        status = response.status
        if status >= 400 and not self._has_envelope(response):
            self.fail(f"HTTP {status} from {public_url(response.url)}", blocked=status in BLOCK_STATUSES)
            yield from self._next(index + 1)
            return
        out = list(super().parse_response(response, step, parser_meta))
        if self.blocked:
            return
        yield from out
        if not any(isinstance(o, scrapy.Request) for o in out):  # the domain is done (or failed)
            yield from self._next(index + 1)

    @staticmethod
    def _has_envelope(response: Response) -> bool:
        try:
            return error_message(load_json(response.body)) is not None
        except ParseError:
            return False

    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Record a request that finally failed (5xx, 429 after retries, timeout) and go on unless refused."""
        self.errback(failure)
        request = getattr(failure, "request", None)
        if request is not None:
            yield from self._next(int(request.cb_kwargs["parser_meta"]["index"]) + 1)
