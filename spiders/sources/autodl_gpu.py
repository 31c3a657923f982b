"""autodl_gpu: AutoDL's market machine list with a configured login token, page by page (CNY per GPU-hour)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import JsonRequest, Response

from monitor.config import ConfigError
from spiders.base import SourceSpider
from spiders.items import GpuOffer
from spiders.parsers.autodl_gpu import DEFAULT_ENDPOINT, AutodlMachine, build_body, parse_machine_page, summarise
from spiders.parsers.common import load_json
from spiders.runtime import config_for

ORIGIN = "https://www.autodl.com"
REFERER = "https://www.autodl.com/market/list"
NO_TOKEN = (
    'no token configured: set secrets = { token = "${AUTODL_TOKEN}" } in [sources.autodl_gpu] '
    "(or -a token= for a manual run); the public price list without a token is not implemented"
)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class AutodlGpuSpider(SourceSpider):
    name = "autodl_gpu"
    kind = "gpu"
    default_endpoint = DEFAULT_ENDPOINT
    description = "AutoDL market list (login token): cheapest machine per GPU type and region (CNY per GPU-hour)"
    # An undocumented console API: one request at a time, a second apart (gpu.md §7).
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 1.0}  # noqa: RUF012

    def __init__(
        self,
        *args: Any,
        token: str | None = None,
        gpus: str = "",
        regions: str = "",
        min_idle_gpus: str | int = 1,
        page_size: str | int = 10,
        max_pages: str | int = 100,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._token_arg = token or None  # never logged, never an attribute Scrapy prints
        #: AutoDL's GPU type names ("A100-SXM4-80GB,RTX 4090") and region signs ("neimeng-A"); empty = all
        self.gpu_types = _names(gpus)
        self.regions = _names(regions)
        # The documented body asks for machines with at least one idle GPU (1); 0 may list full ones too.
        self.min_idle_gpus = int(min_idle_gpus)
        self.page_size = int(page_size)
        self.max_pages = int(max_pages)

    def _token(self) -> str | None:
        """The login token: `-a token=`, else the source's `token` secret; None (and a failure) without one."""
        if self._token_arg:
            return self._token_arg
        config = config_for(self.settings)
        try:
            token = config.secrets_for(self.name).get("token") if config else None
        except ConfigError as exc:
            self.fail(f"no token configured: {exc}")
            return None
        if not token:
            self.fail(NO_TOKEN)
        return token or None

    def page_request(self, page_index: int, token: str, machines: list[AutodlMachine]) -> scrapy.Request:
        """The POST for one page of the market list, carrying the machines read so far."""
        body = build_body(
            page_index,
            gpu_types=self.gpu_types,
            regions=self.regions,
            min_idle_gpus=self.min_idle_gpus,
            page_size=self.page_size,
        )
        return JsonRequest(
            self.endpoint,
            data=body,
            # AutoDL takes the bare token, no "Bearer" (gpu.md §4.5).
            headers={"Authorization": token, "Origin": ORIGIN, "Referer": REFERER},
            callback=self.parse_page,
            errback=self.errback,
            cb_kwargs={"page_index": page_index, "token": token, "machines": machines},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        token = self._token()
        if token is not None:
            yield self.page_request(1, token, [])

    def parse_page(
        self, response: Response, page_index: int, token: str, machines: list[AutodlMachine]
    ) -> Iterator[GpuOffer | scrapy.Request]:
        page = self.parsed(response, lambda: parse_machine_page(load_json(response.body)))
        if page is None:
            return
        for reason in page.skipped:
            self.logger.debug("skipped %s", reason)
        machines = machines + page.machines
        if page_index < page.max_page:
            if page_index >= self.max_pages:
                self.fail(f"more than {self.max_pages} pages: stopped instead of truncating (raise -a max_pages=)")
                return
            yield self.page_request(page_index + 1, token, machines)
            return
        if not machines:
            self.fail("no priced machine in the market list (filters too narrow, or the list changed)")
            return
        summary = summarise(machines, url=response.url, fetched_at=self.now())
        for name in summary.unknown_gpus:
            self.note(f"unknown GPU model {name!r}: kept under its raw name (add it to spiders/gpu_names.py)")
        self.logger.info("%d machines on %d pages summarised into %d offers", len(machines), page_index,
                         len(summary.offers))  # fmt: skip
        yield from summary.offers
