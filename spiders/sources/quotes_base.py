"""What the quote spiders share: `-a symbols=`, unknown symbols as notes, a failed run when none is known."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar

from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from core.symbols import Symbol, SymbolError, parse_symbols
from spiders.base import SourceSpider
from spiders.parsers.contract import ParseResult
from spiders.parsers.quotes_common import MISSING


class QuoteSpider(SourceSpider):
    """A quote source: symbols from `-a symbols=` (else the config's [quotes] watch list and indices).

    Cross-response bookkeeping lives here: the missing symbols of every answer add up in
    `details["missing_symbols"]` (the daemon asks the source's fallback for them), and once the last
    request is answered a run that quoted nothing at all fails.
    """

    kind = "quotes"
    #: the exchanges (SH SZ BJ CSI HK US) this source can quote; others are skipped with a note
    exchanges: ClassVar[frozenset[str]] = frozenset({"SH", "SZ", "BJ", "HK", "US"})

    def __init__(self, *args: Any, symbols: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.symbols_arg = symbols
        self.quotes_seen = 0
        self.unknown: list[str] = []
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> QuoteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, QuoteSpider)
        if spider.symbols_arg is None:  # the [quotes] watch list and indices
            spider.symbols_arg = ",".join(spider.crawl_settings.quote_symbols) or None
        return spider

    def wanted(self) -> list[Symbol]:
        """The symbols to quote this run; an unusable argument is a recorded failure and an empty list."""
        if not self.symbols_arg:
            self.fail("no symbols: give -a symbols=002230.SZ,0700.HK or a [quotes] watch list")
            return []
        try:
            symbols = parse_symbols(self.symbols_arg)
        except SymbolError as exc:
            self.fail(f"bad -a symbols: {exc}")
            return []
        usable = [s for s in symbols if s.exchange in self.exchanges]
        self.details["symbols"] = [str(s) for s in symbols]
        for symbol in symbols:
            if symbol.exchange not in self.exchanges:
                self.note(f"{symbol}: {self.name} does not quote {symbol.exchange} symbols, skipped")
                self._missing(str(symbol))
        if not usable:
            self.fail(f"none of the symbols can be quoted by {self.name}")
        return usable

    def sent(self, count: int = 1) -> None:
        """Count requests whose outcome (answer or final failure) is still to come."""
        self._pending += count

    def parse_response(
        self, response: Response, step: str | None = None, parser_meta: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """The generic callback; whatever the answer (quotes, unknown symbols, a failure), one request is done."""
        try:
            yield from super().parse_response(response, step, parser_meta)
        finally:
            self._done()

    def handle_result(self, result: ParseResult, response: Response) -> Iterator[Any]:
        """Missing symbols add up over the run's answers (details are otherwise replaced per answer)."""
        missing = [str(symbol) for symbol in result.details.get(MISSING, [])]
        self.unknown += missing
        for symbol in missing:
            self._missing(symbol)
        self.quotes_seen += len(result.items)
        self.sent(len(result.follow))  # the next secid of a US ticker is one more request to wait for
        details = {key: value for key, value in result.details.items() if key != MISSING}
        yield from super().handle_result(replace(result, details=details), response)

    def errback(self, failure: Failure) -> None:
        """Record the failed request like every source, then close the books when it was the last one."""
        try:
            super().errback(failure)
        finally:
            self._done()

    def _missing(self, symbol: str) -> None:
        # The daemon asks the source's `fallback` for exactly these symbols (crawl_runs.details).
        missing: list[str] = self.details.setdefault(MISSING, [])
        if symbol not in missing:
            missing.append(symbol)

    def _done(self) -> None:
        self._pending -= 1
        if self._pending == 0 and not self.failures and self.quotes_seen == 0:
            # Every answer said "unknown": a source that knows none of the symbols is failing, not quiet.
            self.fail(f"no quote for any symbol ({', '.join(self.unknown) or 'none answered'})")
