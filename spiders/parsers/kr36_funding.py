"""kr36_funding: 36氪 newsflash gateway JSON and article RSS -> FundingRound items."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from spiders.errors import BlockedError, ParseError
from spiders.parsers.common import CHINESE_FALLBACKS, decode_text, load_json
from spiders.parsers.contract import ParseResult, Request
from spiders.parsers.funding_common import (
    SHANGHAI,
    FeedEntry,
    check_not_blocked,
    first_paragraphs,
    read_feed,
    rounds_from_entries,
)

__all__ = ["ARTICLE_FEED", "DEFAULT_ENDPOINT", "GATEWAY", "SOURCE_ID", "gateway_body", "parse"]

SOURCE_ID = "kr36_funding"
DEFAULT_ENDPOINT = "https://gateway.36kr.com/api/mis/nav/newsflash/flow"
ARTICLE_FEED = "https://36kr.com/feed"
NEWSFLASH_URL = "https://36kr.com/newsflashes/{item_id}"
#: the request step of the newsflash gateway (JSON POST); any other step is the article RSS
GATEWAY = "gateway"
#: the outlet 36kr credits at the end of a newsflash: `…（界面新闻）` (NFKC: `(界面新闻)`)
_OUTLET = re.compile(r"\s*[（(][^（）()]{2,12}[）)]\s*$")


def gateway_body(timestamp_ms: int, page_size: int = 20) -> dict[str, Any]:
    """The POST body of page 1 of the newsflash flow (funding.md §3; deeper pages need a signature, v1 skips them)."""
    return {
        "partner_id": "web",
        "timestamp": timestamp_ms,
        "param": {"siteId": 1, "platformId": 2, "pageSize": page_size, "pageEvent": 0, "type": 0},
    }


def _text(material: dict[str, Any], name: str, index: int) -> str:
    value = material.get(name)
    if not isinstance(value, str):
        raise ParseError(f"itemList[{index}].templateMaterial has no text field {name!r}")
    return value


def parse(body: bytes, *, url: str, fetched_at: datetime, request: Request | None = None) -> ParseResult:
    """The gateway's JSON (step `gateway`) or the article RSS (any other step) -> rounds."""
    if request is not None and request.step == GATEWAY:
        check_not_blocked(decode_text(body, fallbacks=CHINESE_FALLBACKS), what="the 36kr gateway JSON")
        return _parse_gateway(load_json(body, fallbacks=CHINESE_FALLBACKS), fetched_at=fetched_at)
    return _parse_feed(body, url=url, fetched_at=fetched_at)


def _parse_gateway(data: object, *, fetched_at: datetime) -> ParseResult:
    """A decoded gateway answer -> rounds. `code` != 0 is a refusal (signature, risk control) or an error.

    `publishTime` is epoch milliseconds; `relevantProject.projectName` names the company when the text does not.
    """
    if not isinstance(data, dict) or "code" not in data:
        raise ParseError("expected a gateway envelope with 'code'")
    if data["code"] != 0:
        message = str(data.get("msg") or data.get("message") or "")
        if re.search(r"签名|sign|频繁|验证|forbidden|denied", message, re.IGNORECASE):
            raise BlockedError(f"36kr gateway refused the request: code {data['code']} {message!r}")
        raise ParseError(f"36kr gateway answered code {data['code']} {message!r}")
    payload = data.get("data")
    items = payload.get("itemList") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ParseError("the gateway answer has no data.itemList")
    entries: list[FeedEntry] = []
    skipped: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("templateMaterial"), dict):
            raise ParseError(f"itemList[{index}] has no templateMaterial")
        if item.get("itemType") != 20:
            skipped.append(f"itemList[{index}]: itemType {item.get('itemType')!r} is not a newsflash")
            continue
        material = item["templateMaterial"]
        item_id = item.get("itemId", material.get("itemId"))
        if not isinstance(item_id, int):
            raise ParseError(f"itemList[{index}] has no numeric itemId")
        published = material.get("publishTime")
        project = material.get("relevantProject")
        entries.append(
            FeedEntry(
                title=_text(material, "widgetTitle", index),
                summary=_OUTLET.sub("", _text(material, "widgetContent", index)),
                url=NEWSFLASH_URL.format(item_id=item_id),
                published_at=(
                    datetime.fromtimestamp(published / 1000, tz=UTC)
                    if isinstance(published, int) and not isinstance(published, bool)
                    else None
                ),
                company_hint=project.get("projectName") if isinstance(project, dict) else None,
                guid=str(item_id),
            )
        )
    return rounds_from_entries(
        entries, source=SOURCE_ID, fetched_at=fetched_at, skipped=skipped, listed=len(items),
        empty_reason="no newsflash in the gateway answer",
    )  # fmt: skip


def _parse_feed(body: bytes, *, url: str, fetched_at: datetime) -> ParseResult:
    """The 36kr article RSS -> rounds. Dates without a zone are Beijing time; `?f=rss` is dropped from links.

    The description is the whole article: only its opening paragraphs are read (later ones tell earlier rounds).
    """
    notes: list[str] = []
    entries = [
        replace(entry, guid=None, summary=first_paragraphs(entry.summary))
        for entry in read_feed(body, url=url, naive_zone=SHANGHAI, notes=notes)
    ]
    return rounds_from_entries(entries, source=SOURCE_ID, fetched_at=fetched_at, skipped=notes)
