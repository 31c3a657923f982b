"""Canonical instrument symbols (002230.SZ, 0700.HK, NVDA, 000300.SH) and each quote source's code for them."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CURRENCIES",
    "MARKETS",
    "Symbol",
    "SymbolError",
    "eastmoney_secid",
    "eastmoney_secids",
    "from_eastmoney",
    "from_sina",
    "from_tencent",
    "from_yahoo",
    "parse_symbol",
    "parse_symbols",
    "sina_code",
    "tencent_code",
    "yahoo_symbol",
]


class SymbolError(ValueError):
    """Text that is not a symbol aipulse knows, or a symbol a source cannot quote."""


#: exchange suffix -> the market whose trading hours and currency it follows
MARKETS: dict[str, str] = {"SH": "CN", "SZ": "CN", "BJ": "CN", "CSI": "CN", "HK": "HK", "US": "US"}
CURRENCIES: dict[str, str] = {"CN": "CNY", "HK": "HKD", "US": "USD"}

_CN_CODE = re.compile(r"\d{6}")
_HK_CODE = re.compile(r"\d{1,5}")
# Class shares (BRK.B) keep their dot in the canonical form; Yahoo writes them with a dash.
_US_TICKER = re.compile(r"[A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?")
#: Eastmoney market numbers (stocks.md §5): 105/106/107 are NASDAQ/NYSE/AMEX and the exchange is not in a ticker
_EASTMONEY_US = ("105", "106", "107")
_TENCENT_US_VENUES = frozenset({"OQ", "N", "AM", "PS"})


@dataclass(frozen=True, order=True)
class Symbol:
    """One instrument: `code` as the exchange writes it, `exchange` (SH SZ BJ CSI HK US), `kind` (stock, index)."""

    exchange: str
    code: str
    kind: str = "stock"

    def __str__(self) -> str:
        return self.canonical

    @property
    def canonical(self) -> str:
        """The stored form: `002230.SZ`, `000300.SH`, `0700.HK`, `NVDA`."""
        return self.code if self.exchange == "US" else f"{self.code}.{self.exchange}"

    @property
    def market(self) -> str:
        """CN, HK or US: which trading hours and holidays apply."""
        return MARKETS[self.exchange]

    @property
    def currency(self) -> str:
        """The ISO 4217 currency the instrument is quoted in."""
        return CURRENCIES[self.market]


def _cn_kind(exchange: str, code: str) -> str:
    # Index codes are told apart by exchange, never by digits alone: 000001.SH is the SSE Composite,
    # 000001.SZ is Ping An Bank (stocks.md §8). SH stocks never start with 0; SZ indices are 399xxx;
    # BSE indices 899xxx; every CSI-only code (93xxxx) is an index.
    if exchange == "CSI":
        return "index"
    if exchange == "SH" and code.startswith("0"):
        return "index"
    if exchange == "SZ" and code.startswith("399"):
        return "index"
    if exchange == "BJ" and code.startswith("899"):
        return "index"
    return "stock"


def _cn(exchange: str, code: str) -> Symbol:
    if not _CN_CODE.fullmatch(code):
        raise SymbolError(f"{code}.{exchange}: A-share and index codes have six digits")
    return Symbol(exchange, code, _cn_kind(exchange, code))


def _hk(code: str) -> Symbol:
    if not _HK_CODE.fullmatch(code) or int(code) == 0:
        raise SymbolError(f"{code}.HK: Hong Kong codes are one to five digits")
    return Symbol("HK", f"{int(code):04d}")


def _us(ticker: str) -> Symbol:
    ticker = ticker.upper()
    if not _US_TICKER.fullmatch(ticker):
        raise SymbolError(f"{ticker!r} is not a US ticker (letters, e.g. NVDA or BRK.B)")
    return Symbol("US", ticker)


def parse_symbol(text: str) -> Symbol:
    """Read a canonical symbol (`002230.SZ`, `603918.SH`, `830799.BJ`, `000300.SH`, `0700.HK`, `NVDA`).

    Case and HK zero-padding are forgiven (`00700.hk` is `0700.HK`); a Yahoo suffix (`.SS`) or a bare
    six-digit code is refused, because the exchange must be explicit.
    """
    raw = text.strip()
    if not raw:
        raise SymbolError("empty symbol")
    code, dot, suffix = raw.rpartition(".")
    suffix = suffix.upper()
    if dot and suffix in ("SH", "SZ", "BJ", "CSI"):
        return _cn(suffix, code)
    if dot and suffix == "HK":
        return _hk(code)
    if dot and suffix == "SS":
        raise SymbolError(f"{raw!r}: Shanghai is written .SH in aipulse (.SS is Yahoo's spelling)")
    if _CN_CODE.fullmatch(raw):
        raise SymbolError(f"{raw!r}: add the exchange (.SH, .SZ or .BJ); 000001 is both an index and a stock")
    if dot and _US_TICKER.fullmatch(raw.upper()) is None:
        raise SymbolError(f"{raw!r}: unknown exchange suffix {suffix!r} (use SH, SZ, BJ, CSI, HK or a US ticker)")
    return _us(raw)


def parse_symbols(text: str) -> list[Symbol]:
    """A comma-separated list of canonical symbols (the `-a symbols=` argument), duplicates removed."""
    found: dict[Symbol, None] = {}
    for part in text.split(","):
        if part.strip():
            found[parse_symbol(part)] = None
    if not found:
        raise SymbolError("no symbol given")
    return list(found)


def _symbol(value: Symbol | str) -> Symbol:
    return value if isinstance(value, Symbol) else parse_symbol(value)


def tencent_code(value: Symbol | str) -> str:
    """Tencent qt.gtimg.cn code: `sz002230`, `sh000300`, `bj830799`, `hk00700`, `usNVDA`."""
    symbol = _symbol(value)
    if symbol.exchange in ("SH", "SZ", "BJ"):
        return symbol.exchange.lower() + symbol.code
    if symbol.exchange == "HK":
        return f"hk{int(symbol.code):05d}"
    if symbol.exchange == "US":
        return "us" + symbol.code
    raise SymbolError(f"{symbol}: Tencent does not quote CSI-only indices (use eastmoney_quotes)")


def sina_code(value: Symbol | str) -> str:
    """Sina hq.sinajs.cn code: `sz002230`, `sh000300`, `bj830799`, `hk00700`, `gb_nvda`."""
    symbol = _symbol(value)
    if symbol.exchange in ("SH", "SZ", "BJ"):
        return symbol.exchange.lower() + symbol.code
    if symbol.exchange == "HK":
        return f"hk{int(symbol.code):05d}"
    if symbol.exchange == "US":
        return "gb_" + symbol.code.lower()
    raise SymbolError(f"{symbol}: Sina does not quote CSI-only indices (use eastmoney_quotes)")


def eastmoney_secids(value: Symbol | str) -> tuple[str, ...]:
    """Eastmoney secids to try in order: one for China and HK, NASDAQ/NYSE/AMEX for a US ticker."""
    symbol = _symbol(value)
    if symbol.exchange == "SH":
        return (f"1.{symbol.code}",)
    if symbol.exchange in ("SZ", "BJ"):  # Beijing shares Shenzhen's market number 0 (stocks.md §5)
        return (f"0.{symbol.code}",)
    if symbol.exchange == "CSI":
        return (f"2.{symbol.code}",)
    if symbol.exchange == "HK":
        return (f"116.{int(symbol.code):05d}",)
    return tuple(f"{market}.{symbol.code.replace('.', '_')}" for market in _EASTMONEY_US)


def eastmoney_secid(value: Symbol | str) -> str:
    """The first Eastmoney secid to try: `0.002230`, `1.603918`, `0.830799`, `1.000300`, `116.00700`."""
    return eastmoney_secids(value)[0]


def yahoo_symbol(value: Symbol | str) -> str:
    """Yahoo Finance symbol: `002230.SZ`, `603918.SS`, `000300.SS`, `830799.BJ`, `0700.HK`, `NVDA`, `BRK-B`."""
    symbol = _symbol(value)
    if symbol.exchange == "SH":
        return f"{symbol.code}.SS"
    if symbol.exchange in ("SZ", "BJ", "HK"):
        return symbol.canonical
    if symbol.exchange == "US":
        return symbol.code.replace(".", "-")
    raise SymbolError(f"{symbol}: Yahoo does not quote CSI-only indices (use eastmoney_quotes)")


def _split_prefix(code: str, prefixes: tuple[str, ...]) -> tuple[str, str]:
    lowered = code.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return prefix, code[len(prefix) :]
    raise SymbolError(f"{code!r}: no known market prefix ({', '.join(prefixes)})")


def from_tencent(code: str) -> Symbol:
    """The symbol behind a Tencent code (`sz002230` -> 002230.SZ, `hk00700` -> 0700.HK, `usNVDA` -> NVDA)."""
    prefix, rest = _split_prefix(code.strip(), ("sh", "sz", "bj", "hk", "us"))
    if prefix == "hk":
        return _hk(rest)
    if prefix == "us":
        # Tencent's own reply spells the listing venue after a dot (NVDA.OQ, field 2); request codes have none.
        ticker, dot, venue = rest.rpartition(".")
        return _us(ticker if dot and venue.upper() in _TENCENT_US_VENUES else rest)
    return _cn(prefix.upper(), rest)


def from_sina(code: str) -> Symbol:
    """The symbol behind a Sina code (`sh603918` -> 603918.SH, `hk00700` -> 0700.HK, `gb_nvda` -> NVDA)."""
    prefix, rest = _split_prefix(code.strip(), ("gb_", "rt_hk", "sh", "sz", "bj", "hk"))
    if prefix in ("hk", "rt_hk"):
        return _hk(rest)
    if prefix == "gb_":
        return _us(rest)
    return _cn(prefix.upper(), rest)


def from_eastmoney(secid: str) -> Symbol:
    """The symbol behind an Eastmoney secid (`0.002230` -> 002230.SZ, `0.830799` -> 830799.BJ, `116.00700`)."""
    market, dot, code = secid.strip().partition(".")
    if not dot or not code:
        raise SymbolError(f"{secid!r} is not an Eastmoney secid (market.code)")
    if market == "1":
        return _cn("SH", code)
    if market == "0":
        # Market 0 holds Shenzhen (0/1/2/3…) and Beijing (43/83/87/88, 920, indices 899).
        return _cn("BJ" if code[:1] in ("4", "8") or code.startswith("92") else "SZ", code)
    if market == "2":
        return _cn("CSI", code)
    if market == "116":
        return _hk(code)
    if market in _EASTMONEY_US:
        return _us(code.replace("_", "."))
    raise SymbolError(f"{secid!r}: Eastmoney market {market} is not mapped (boards 90, HK indices 124, …)")


def from_yahoo(symbol: str) -> Symbol:
    """The symbol behind a Yahoo symbol (`603918.SS` -> 603918.SH, `0700.HK`, `BRK-B` -> BRK.B)."""
    raw = symbol.strip()
    code, dot, suffix = raw.rpartition(".")
    if dot and suffix.upper() == "SS":
        return _cn("SH", code)
    if dot and suffix.upper() in ("SZ", "BJ"):
        return _cn(suffix.upper(), code)
    if dot and suffix.upper() == "HK":
        return _hk(code)
    if "^" in raw or "=" in raw:
        raise SymbolError(f"{raw!r}: Yahoo index and currency symbols are not mapped")
    return _us(raw.replace("-", "."))
