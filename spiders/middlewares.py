"""Retries with exponential backoff on 429/5xx and network errors, honouring Retry-After."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def retry_after_s(value: bytes | None, now: datetime) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting base * 2**attempt seconds (or Retry-After, capped) before each retry."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base_s = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.max_s = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _delay_s(self, request: Request, response: Response | None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay: float = min(self.max_s, self.base_s * 2 ** int(attempt))
        if response is not None:
            asked = retry_after_s(response.headers.get(b"Retry-After"), datetime.now(UTC))
            if asked is not None:
                delay = min(self.max_s, max(delay, asked))
        return delay

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            delay = self._delay_s(request, response)
            logger.info("HTTP %s from %s: retrying in %.1fs", response.status, request.url, delay)
            await asyncio.sleep(delay)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            delay = self._delay_s(request, None)
            logger.info("%s on %s: retrying in %.1fs", type(exception).__name__, request.url, delay)
            await asyncio.sleep(delay)
        return result
