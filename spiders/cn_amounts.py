"""Money as written in Chinese and English news (数亿元, 近亿元, 超5000万美元, $1.2B, €40M) -> ranges in base units."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Amount", "amount_in_text", "find_amounts", "parse_number", "plain_decimal"]

#: qualifiers of an amount: how its range was derived from the written number
EXACT, OVER, NEAR, APPROX, MAGNITUDE, UP_TO = "exact", "over", "near", "approx", "magnitude", "up_to"
#: a range written with both ends (4到5亿美元, $4-5 billion); an amount in a currency the table does not know
RANGE, UNKNOWN_CURRENCY = "range", "unknown_currency"


@dataclass(frozen=True)
class Amount:
    """One amount found in a text: a range in base units (not millions), its currency and where it was written."""

    low: Decimal | None
    high: Decimal | None
    currency: str | None
    qualifier: str
    text: str
    start: int
    end: int


_ZH_UNITS: dict[str, int] = {
    "万亿": 10**12,
    "千亿": 10**11,
    "百亿": 10**10,
    "十亿": 10**9,
    "亿": 10**8,
    "千万": 10**7,
    "百万": 10**6,
    "十万": 10**5,
    "万": 10**4,
}
_EN_UNITS: dict[str, int] = {
    "trillion": 10**12,
    "tn": 10**12,
    "t": 10**12,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "million": 10**6,
    "mln": 10**6,
    "bln": 10**9,
    "mn": 10**6,
    "mm": 10**6,
    "m": 10**6,
    "thousand": 10**3,
    "k": 10**3,
    "crore": 10**7,
    "crores": 10**7,
    "cr": 10**7,
    "lakh": 10**5,
    "lakhs": 10**5,
}
_ZH_CURRENCIES: dict[str, str] = {
    "美元": "USD",
    "美金": "USD",
    "人民币": "CNY",
    "元": "CNY",
    "欧元": "EUR",
    "英镑": "GBP",
    "港元": "HKD",
    "港币": "HKD",
    "日元": "JPY",
    "日圆": "JPY",
    "韩元": "KRW",
    "新加坡元": "SGD",
    "新元": "SGD",
    "澳元": "AUD",
    "加元": "CAD",
    "新台币": "TWD",
    "印度卢比": "INR",
    "卢比": "INR",
    "韩币": "KRW",
}
_SYMBOLS: dict[str, str] = {
    "US$": "USD",
    "HK$": "HKD",
    "S$": "SGD",
    "A$": "AUD",
    "AU$": "AUD",
    "CA$": "CAD",
    "C$": "CAD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "RMB": "CNY",
    "CNY": "CNY",
    "₹": "INR",
    "RS": "INR",
    "RS.": "INR",
    "INR": "INR",
    "USD": "USD",
    "EUR": "EUR",
    "GBP": "GBP",
}
_EN_CURRENCY_WORDS: dict[str, str] = {
    "dollars": "USD",
    "usd": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "pounds": "GBP",
    "gbp": "GBP",
    "yuan": "CNY",
    "rmb": "CNY",
    "renminbi": "CNY",
    "cny": "CNY",
    "yen": "JPY",
    "rupees": "INR",
    "inr": "INR",
}
#: currency words seen in news that the tables above do not map: the amount is kept as text, never guessed
_UNKNOWN_ZH_CURRENCY = re.compile(
    r"[\u4e00-\u9fff]{0,3}(?:铢|盾|比索|里拉|雷亚尔|兰特|迪拉姆|里亚尔|卢布|林吉特|法郎|瑞郎|克朗|奈拉|第纳尔|兹罗提|福林"
    r"|谢克尔|格里夫纳|先令|塔卡|比特币|泰达币|USDT)"
)
_UNKNOWN_EN_CURRENCY = re.compile(
    r"\s*(?:naira|pesos?|rand|lira|reais|real|dirhams?|baht|ringgit|zloty|forint|shekels?|francs?|kron(?:er|or|a)"
    r"|won|rupiah|dinars?|riyals?|rubles?|roubles?|hryvnias?|shillings?|cedis?|birr|kwacha|taka|dong|bitcoin|btc"
    r"|ether|usdt|tokens?)\b",
    re.IGNORECASE,
)

_CN_DIGITS = "零〇一二两三四五六七八九十百千"
_ZH_UNIT_RE = "|".join(sorted(_ZH_UNITS, key=len, reverse=True))
_ZH_CUR_RE = "|".join(sorted(_ZH_CURRENCIES, key=len, reverse=True))
# Qualifier words written before a Chinese amount; 约合 (converted) is kept apart so a dual-currency headline
# (`1.5亿美元（约合人民币10.9亿元）`) can drop the converted figure.
_ZH_PREFIX = (
    r"(?:(?P<pre>超过|超|逾|过|上(?=[千百亿])|不低于|不少于|至少|最多|最高|不超过|不高于|将近|接近|逼近|近|大约|约合|约|高达|达到|达|合计|共计"
    r"|共)(?:投资|出资|注资|融资|募资|筹资|筹集)?)?"  # `最高投资30亿美元`: the qualifier may sit before the verb
)
_ZH_AMOUNT = re.compile(
    _ZH_PREFIX
    + r"\s*(?P<pcur>人民币|美元)?\s*"
    + r"(?:(?P<some>数|几)(?P<sunit>十亿|百亿|千万|百万|十万|亿|万)"
    + rf"|(?P<num>\d+(?:[.,]\d+)*|[{_CN_DIGITS}]+)?\s*(?P<more1>多|余)?(?P<unit>{_ZH_UNIT_RE}))"
    + r"\s*(?P<more>多|余|\+)?\s*"
    + rf"(?P<lvl1>级)?\s*(?P<cur>{_ZH_CUR_RE})?\s*(?P<lvl2>级)?(?P<cur2>人民币|美元)?"
    + r"(?P<post>以上|左右|出头)?"
)
_EN_PREFIX = (
    r"(?:(?P<pre>more than|over|north of|upwards of|at least|nearly|almost|close to|just under|nears|nearing"
    r"|approaching|about|around|roughly|approximately|an estimated|some|up to)\s+(?:another\s+|an additional\s+)?)?"
)
_SYMBOL_RE = (
    r"US\$|HK\$|AU\$|CA\$|S\$|A\$|C\$|\$|€|£|¥|₹|(?<![A-Za-z])Rs\.?(?=\s?\d)|(?<![A-Za-z])INR|RMB|CNY|USD|EUR|GBP"
)
_EN_UNIT_RE = r"trillion|billion|million|thousand|crores?|cr|lakhs?|tn|bln|bn|mln|mn|mm|[tbmk]"  # Mln: wire style
_EN_SYMBOL_AMOUNT = re.compile(
    _EN_PREFIX + rf"(?P<sym>{_SYMBOL_RE})\s?(?P<num>\d+(?:[.,]\d+)*)(?:\s?(?P<unit>{_EN_UNIT_RE})\b)?(?P<plus>\+)?",
    re.IGNORECASE,
)
_EN_WORD_AMOUNT = re.compile(
    _EN_PREFIX
    + rf"(?P<num>\d+(?:[.,]\d+)*)\s?(?P<unit>{_EN_UNIT_RE})\s+(?P<word>dollars|usd|euros?|eur|pounds|gbp|yuan"
    r"|rmb|renminbi|cny|yen|rupees|inr)\b",
    re.IGNORECASE,
)

_PREFIX_QUALIFIER: dict[str, str] = {
    "超过": OVER, "超": OVER, "逾": OVER, "过": OVER, "上": OVER, "不低于": OVER, "不少于": OVER,  # 上亿 = 过亿
    "将近": NEAR, "接近": NEAR, "逼近": NEAR, "近": NEAR,
    "大约": APPROX, "约合": APPROX, "约": APPROX,
    "more than": OVER, "over": OVER, "north of": OVER, "upwards of": OVER, "at least": OVER,
    "nearly": NEAR, "almost": NEAR, "close to": NEAR, "just under": NEAR, "nears": NEAR, "nearing": NEAR,
    "approaching": NEAR,
    "至少": OVER, "最多": UP_TO, "最高": UP_TO, "不超过": UP_TO, "不高于": UP_TO,
    "about": APPROX, "around": APPROX, "roughly": APPROX, "approximately": APPROX, "an estimated": APPROX,
    "some": APPROX,
    "up to": UP_TO,
}  # fmt: skip
#: a bare 千万 / 百万 (no number) is a magnitude, like 千万级: "千万美元融资" means tens of millions
_BARE_MAGNITUDE_UNITS = frozenset({"千万", "百万", "十万"})


def parse_number(token: str) -> Decimal:
    """A written number as a Decimal: `2,000` -> 2000, `1.5` -> 1.5, `两千` -> 2000 (cn2an on the number alone).

    Raises ValueError when the token is not a number.
    """
    token = unicodedata.normalize("NFKC", token).strip()
    if not token:
        raise ValueError("empty number")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        token = token.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", token):
        token = token.replace(",", ".")  # a decimal comma (`1,5`); thousands always come in threes
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return Decimal(token)
    if not re.fullmatch(f"[{_CN_DIGITS}]+", token):
        raise ValueError(f"not a number: {token!r}")
    # Imported here: cn2an loads its tables in ~0.5 s, and every crawl process imports every spider module.
    import cn2an

    try:
        # cn2an.transform would rewrite whole sentences (新一轮 -> 新1轮); cn2an on the bare token is safe.
        value = cn2an.cn2an(token, "smart")
    except ValueError as exc:
        raise ValueError(f"not a number: {token!r}") from exc
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - cn2an returns int or float
        raise ValueError(f"not a number: {token!r}") from exc


def plain_decimal(value: Decimal) -> Decimal:
    """An amount as Amount keeps it: a whole number with exponent 0 (`100`, never `1E+2`), anything else normalised."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _scaled(number: Decimal, multiplier: int) -> Decimal:
    return plain_decimal(number * multiplier)


def _range(base: Decimal, qualifier: str) -> tuple[Decimal | None, Decimal | None]:
    if qualifier == OVER:
        return base, None
    if qualifier == NEAR:
        return _scaled(base * Decimal("0.8"), 1), base
    if qualifier == UP_TO:
        return None, base
    return base, base


def _zh_amount(match: re.Match[str], default_currency: str | None) -> Amount | None:
    groups = match.groupdict()
    low: Decimal | None
    high: Decimal | None
    currency = _ZH_CURRENCIES.get(groups["cur"] or "") or _ZH_CURRENCIES.get(groups["pcur"] or "")
    currency = currency or _ZH_CURRENCIES.get(groups["cur2"] or "") or default_currency
    leveled = bool(groups["lvl1"] or groups["lvl2"])
    pre = groups["pre"] or ""
    if groups["some"]:
        unit = _ZH_UNITS[groups["sunit"]]
        low, high = Decimal(unit), Decimal(unit * 10)
        qualifier = MAGNITUDE
    else:
        unit_text: str = groups["unit"]
        number_text: str | None = groups["num"]
        if number_text and (number_text + unit_text) in _ZH_UNITS and number_text in ("百", "千"):
            unit_text = number_text + unit_text  # 千万 / 百万 / 千亿: a unit, not 1000 x 万
            number_text = None
        if number_text is None and not (groups["cur"] or groups["pcur"] or groups["cur2"] or leveled or pre):
            return None  # a bare 亿 / 万 inside a word (亿万富翁), not an amount
        if number_text is None and unit_text in _BARE_MAGNITUDE_UNITS and _PREFIX_QUALIFIER.get(pre) == OVER:
            low, high, qualifier = Decimal(_ZH_UNITS[unit_text]), None, OVER  # 超千万美元: ten million and up
        elif number_text is None and unit_text in _BARE_MAGNITUDE_UNITS and _PREFIX_QUALIFIER.get(pre) != NEAR:
            low, high = Decimal(_ZH_UNITS[unit_text]), Decimal(_ZH_UNITS[unit_text] * 10)
            qualifier = MAGNITUDE
        else:
            try:
                number = parse_number(number_text) if number_text else Decimal(1)
            except ValueError:
                return None
            base = _scaled(number, _ZH_UNITS[unit_text])
            if leveled:
                low, high, qualifier = base, base * 10, MAGNITUDE
            else:
                qualifier = _PREFIX_QUALIFIER.get(pre, EXACT)
                if groups["more"] or groups["more1"] or groups["post"] == "以上":
                    qualifier = OVER
                elif groups["post"] == "左右":
                    qualifier = APPROX
                elif number_text is None and qualifier == EXACT:
                    qualifier = APPROX  # bare 亿元 = about one hundred million
                low, high = _range(base, qualifier)
                if pre == "约合":
                    qualifier = "converted"
    text = match.group(0).strip()
    start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
    return Amount(low, high, currency if (low is not None or high is not None) else None, qualifier, text, start,
                  start + len(text))  # fmt: skip


def _en_amount(match: re.Match[str], language: str) -> Amount | None:
    groups = match.groupdict()
    symbol = groups.get("sym")
    if symbol:
        currency = "CNY" if symbol == "¥" and language == "zh" else "JPY" if symbol == "¥" else _SYMBOLS[symbol.upper()]
    else:
        currency = _EN_CURRENCY_WORDS[groups["word"].lower()]
    unit_text = (groups["unit"] or "").lower()
    if not unit_text and not symbol:
        return None
    try:
        number = parse_number(groups["num"])
    except ValueError:
        return None
    base = _scaled(number, _EN_UNITS[unit_text] if unit_text else 1)
    qualifier = _PREFIX_QUALIFIER.get((groups["pre"] or "").lower(), EXACT)
    if groups.get("plus"):
        qualifier = OVER  # `$2B+`
    low, high = _range(base, qualifier)
    return Amount(low, high, currency, qualifier, match.group(0).strip(), match.start(), match.end())


_NUM = r"\d+(?:[.,]\d+)*"
_ZH_RANGE = re.compile(
    # `1亿元至2亿元`: the first end may carry the currency too
    rf"(?P<n1>{_NUM})\s*(?P<u1>{_ZH_UNIT_RE})?\s*(?:{_ZH_CUR_RE})?\s*(?:到|至|-|~|～|—)\s*"
    rf"(?P<n2>{_NUM})\s*(?P<u2>{_ZH_UNIT_RE})\s*"
    rf"(?P<cur>{_ZH_CUR_RE})?"
)
_EN_RANGE = re.compile(
    rf"(?P<sym>US\$|\$|€|£)\s?(?P<n1>{_NUM})\s?(?P<u1>{_EN_UNIT_RE})?\s*(?:-|to)\s*(?:US\$|\$|€|£)?\s?"
    rf"(?P<n2>{_NUM})\s?(?P<u2>{_EN_UNIT_RE})\b",
    re.IGNORECASE,
)
_EN_UNKNOWN = re.compile(rf"(?P<num>{_NUM})\s?(?P<unit>{_EN_UNIT_RE})\b" + _UNKNOWN_EN_CURRENCY.pattern, re.IGNORECASE)


def _range_amount(match: re.Match[str], default_currency: str | None) -> Amount | None:
    """`4到5亿美元`, `15亿到20亿美元`, `$4-5 billion`: both ends in the second end's unit unless the first has one."""
    zh = match.re is _ZH_RANGE
    units: dict[str, int] = _ZH_UNITS if zh else _EN_UNITS
    unit2 = match.group("u2") if zh else match.group("u2").lower()
    unit1 = (match.group("u1") or "") if zh else (match.group("u1") or "").lower()
    try:
        low = _scaled(parse_number(match.group("n1")), units[unit1 or unit2])
        high = _scaled(parse_number(match.group("n2")), units[unit2])
    except (ValueError, KeyError):
        return None
    if low >= high:
        return None
    currency = _ZH_CURRENCIES.get(match.group("cur") or "", default_currency) if zh else _SYMBOLS[match["sym"]]
    return Amount(low, high, currency, RANGE, match.group(0).strip(), match.start(), match.end())


def _unknown_currency(text: str, match: re.Match[str]) -> Amount | None:
    """An amount followed by a currency word no table maps (5亿泰铢, 50 million naira): text kept, no number."""
    if match.re is _EN_UNKNOWN:
        return Amount(None, None, None, UNKNOWN_CURRENCY, match.group(0).strip(), match.start(), match.end())
    if match.group("cur") or match.group("pcur") or match.group("cur2"):
        return None
    word = _UNKNOWN_ZH_CURRENCY.match(text, match.end())
    if word is None or not (match.group("num") or match.group("some")):
        return None
    return Amount(None, None, None, UNKNOWN_CURRENCY, text[match.start() : word.end()].strip(), match.start(),
                  word.end())  # fmt: skip


_EN_WORDS_MAGNITUDE = re.compile(  # the English 数亿: "several hundred million dollars", "as much as hundreds of …"
    r"(?P<cap>(?:as much as|up to)\s+)?(?:several|a few|hundreds of)\s+(?P<unit>hundred million|millions|billions?)"
    r"\s+(?:of\s+)?(?:dollars|usd)", re.IGNORECASE)  # fmt: skip


def _words_magnitude(match: re.Match[str]) -> Amount:
    base = 10**9 if match["unit"].lower().startswith("billion") else 10**8
    low, qualifier = (None, UP_TO) if match["cap"] else (Decimal(base), MAGNITUDE)
    return Amount(low, Decimal(base * 10), "USD", qualifier, match.group(0), match.start(), match.end())


def find_amounts(text: str, *, default_currency: str | None = None) -> list[Amount]:
    """Every amount written in `text`, in reading order; `default_currency` applies to Chinese amounts without one.

    Ranges follow funding.md §4.7: 数亿 = 1e8..1e9, 近亿 = 0.8e8..1e8, 超X = X..open, 亿元级 = 1e8..1e9,
    bare 千万美元 = 1e7..1e8, "$1.2B" = 1.2e9. A converted figure (约合人民币…) has qualifier "converted".
    """
    text = unicodedata.normalize("NFKC", text)
    language = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    patterns = (_ZH_RANGE, _EN_RANGE, _EN_UNKNOWN, _EN_SYMBOL_AMOUNT, _EN_WORD_AMOUNT, _EN_WORDS_MAGNITUDE, _ZH_AMOUNT)
    for pattern in patterns:
        for match in pattern.finditer(text):
            if not match.group(0).strip():
                continue
            amount: Amount | None
            if pattern in (_ZH_RANGE, _EN_RANGE):
                amount = _range_amount(match, default_currency)
            elif pattern is _EN_UNKNOWN:
                amount = _unknown_currency(text, match)
            elif pattern is _ZH_AMOUNT:
                amount = _unknown_currency(text, match) or _zh_amount(match, default_currency)
            elif pattern is _EN_WORDS_MAGNITUDE:
                amount = _words_magnitude(match)
            else:
                amount = _en_amount(match, language)
            if amount is None or any(a < amount.end and amount.start < b for a, b in taken):
                continue
            found.append(amount)
            taken.append((amount.start, amount.end))
    return sorted(found, key=lambda a: a.start)


def amount_in_text(text: str, *, default_currency: str | None = None) -> Amount | None:
    """The first amount written in `text`, or None."""
    found = find_amounts(text, default_currency=default_currency)
    return found[0] if found else None
