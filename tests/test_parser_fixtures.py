"""The one fixture runner: every case of every source through its spider's `source_parser()`, against expected.json.

A case is `<fixtures_root()>/<source_id>/<case>/` holding `response.*` (the body, read as bytes), `meta.json`
(`url`, `fetched_at`, `origin`, `constructed`, and the `request` it answers: method, body, headers, step, args,
meta) and `expected.json` in one of these shapes:

- a list of item dicts: `ParseResult.items`, field by field;
- `{"raises": "ParseError"}` or `{"raises": "BlockedError"}`: the parser must raise that;
- an object: `items` (or the older names `offers`, `quotes`, `rounds`, `snapshots`) is the item list;
  `skipped`, `notes`, `expect_items`, `details` are those `ParseResult` fields; `follow` is the follow-ups
  (each compared on the keys it names: url, step, method, body, headers, meta); `unknown_gpus` is the GPU
  names of the "unknown GPU model" notes; any other key is `ParseResult.details[key]`.

Item fields are compared by value (Decimal("1.0") equals "1.00"; times across offsets); a mismatch lists
every differing field by item index. `pytest --update-fixtures` writes the parser's current output beside
a failing case as `expected.draft.json` (never over expected.json): read it, then rename it to expected.json.
"""

from __future__ import annotations

import inspect
import json
import typing
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from monitor.crawling import spider_classes
from spiders.base import SourceSpider
from spiders.errors import BlockedError, ParseError
from spiders.items import FundingRound, GpuOffer, Quote, TrafficSnapshot
from spiders.parsers.contract import FollowUp, ParseResult, unknown_gpu_notes
from tests.fixture_cases import (
    FIXTURES_DIR,
    FixtureError,
    all_cases,
    offers_to_json,
    parser_request,
    read_json,
    response_file,
    validate_meta,
)
from tests.tools import record_requests

#: sources whose parser has no contract-shaped `parse` yet: their cases are not run (empty this at the merge)
PENDING_SOURCES: frozenset[str] = frozenset()
ITEM_TYPES: dict[str, type] = {"gpu": GpuOffer, "traffic": TrafficSnapshot, "funding": FundingRound, "quotes": Quote}
ITEM_KEYS = ("items", "offers", "quotes", "rounds", "snapshots")
RESULT_KEYS = ("skipped", "notes", "expect_items", "details", "follow", "unknown_gpus")
RAISES: dict[str, type[Exception]] = {"ParseError": ParseError, "BlockedError": BlockedError}
DRAFT = "expected.draft.json"
SPIDERS = spider_classes()
CASES = [(s, c) for s, c in all_cases() if s in SPIDERS]
RUN_CASES = [(s, c) for s, c in CASES if s not in PENDING_SOURCES]
_LABELS = ("instance_type", "symbol", "company", "domain")
_UNKNOWN_GPU = "unknown GPU model "
_NOT_IN_DETAILS = "<not in ParseResult.details>"
HERE = "tests/test_parser_fixtures.py"


def on_contract(spider: type[SourceSpider]) -> bool:
    """True when the spider's parser is `parse(body, *, url, fetched_at, request) -> ParseResult`."""
    try:
        signature = inspect.signature(spider.source_parser())
    except (ImportError, AttributeError):
        return False
    kw_only = all(
        (p := signature.parameters.get(name)) is not None and p.kind is inspect.Parameter.KEYWORD_ONLY
        for name in ("url", "fetched_at", "request")
    )
    return kw_only and signature.return_annotation in ("ParseResult", ParseResult)


def _value_kinds(item_type: type) -> dict[str, type | None]:
    """Field name -> Decimal, datetime or date when the field holds one (compared by value), else None."""
    hints = typing.get_type_hints(item_type)
    kinds: dict[str, type | None] = {}
    for name, hint in hints.items():
        args = typing.get_args(hint) or (hint,)
        kinds[name] = next((k for k in (Decimal, datetime, date) if k in args), None)
    return kinds


def _by_value(kind: type | None, value: Any) -> Any:
    try:
        if value is None or kind is None:
            return value
        if kind is Decimal:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        if isinstance(value, str):
            return datetime.fromisoformat(value) if kind is datetime else date.fromisoformat(value)
    except (InvalidOperation, ValueError):
        pass
    return value


def _shown(value: Any) -> str:
    return repr(str(value)) if isinstance(value, Decimal | datetime | date) else repr(value)


def item_differences(expected: list[dict[str, Any]], got: list[Any], item_type: type, key: str) -> list[str]:
    """One sentence per differing field, missing item or extra item."""
    kinds = _value_kinds(item_type)
    out = [f"{key}: expected {len(expected)} items, got {len(got)}"] if len(expected) != len(got) else []
    for index in range(max(len(expected), len(got))):
        want = expected[index] if index < len(expected) else None
        item = got[index] if index < len(got) else None
        label = next((f" ({want[k]})" for k in _LABELS if want and want.get(k)), "")
        if item is None:
            out.append(f"{key}[{index}]{label}: expected but the parser gave no such item")
        elif not isinstance(item, item_type):
            out.append(f"{key}[{index}]: got a {type(item).__name__}, expected a {item_type.__name__}")
        elif want is None:
            out.append(f"{key}[{index}]: an extra item the expectation lacks: {offers_to_json([item])[0]}")
        else:
            for name in [f.name for f in fields(item)]:
                value = getattr(item, name)
                if name not in want:
                    out.append(
                        f"{key}[{index}]{label}.{name}: missing from expected.json, the parser gave {_shown(value)}"
                    )
                elif _by_value(kinds.get(name), want[name]) != _by_value(kinds.get(name), value):
                    out.append(f"{key}[{index}]{label}.{name}: expected {want[name]!r}, got {_shown(value)}")
    return out


def _plain(value: Any) -> Any:
    """JSON-ready form of a result value (Decimals as strings, dataclasses as dicts) for comparison."""
    return json.loads(json.dumps(value, default=_encode, ensure_ascii=False))


def _encode(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: getattr(value, f.name) for f in fields(value)}  # type: ignore[arg-type]
    raise TypeError(f"cannot compare a {type(value).__name__}")


def _follow_json(follow: FollowUp) -> dict[str, Any]:
    return _plain(follow)  # type: ignore[no-any-return]


def result_value(key: str, result: ParseResult, expected: Any) -> Any:
    """What `result` says for one key of an object-shaped expected.json (see the module docstring)."""
    if key == "unknown_gpus":
        return [n[len(_UNKNOWN_GPU) :].split(":")[0].strip("'\"") for n in result.notes if n.startswith(_UNKNOWN_GPU)]
    if key == "follow":
        wanted = expected if isinstance(expected, list) else []
        return [{k: v for k, v in _follow_json(f).items() if i >= len(wanted) or k in wanted[i]}
                for i, f in enumerate(result.follow)]  # fmt: skip
    if key in ("skipped", "notes", "expect_items", "details"):
        return _plain(getattr(result, key))
    return _plain(result.details[key]) if key in result.details else _NOT_IN_DETAILS


def differences(expected: Any, result: ParseResult, item_type: type) -> list[str]:
    """Every way the parser's result differs from expected.json, as sentences."""
    if isinstance(expected, list):
        return item_differences(expected, result.items, item_type, "items")
    out: list[str] = []
    for key, want in expected.items():
        if key in ITEM_KEYS:
            out += item_differences(want, result.items, item_type, key)
        elif (got := result_value(key, result, want)) != want:
            where = key if key in RESULT_KEYS else f"details[{key!r}]"
            out.append(
                f"{where}: expected {json.dumps(want, ensure_ascii=False)}, got {json.dumps(got, ensure_ascii=False)}"
            )
    return out


def validate_expected(path: Path, item_type: type) -> Any:
    """expected.json, checked: a known shape, and item dicts that name only fields the item type has."""
    expected = read_json(path)
    names = {f.name for f in fields(item_type)}
    if isinstance(expected, dict) and "raises" in expected:
        if set(expected) != {"raises"} or expected["raises"] not in RAISES:
            raise FixtureError(f"{path}: key 'raises' must stand alone and be one of {sorted(RAISES)}")
        return expected
    if isinstance(expected, list):
        lists = {"items": expected}
    elif isinstance(expected, dict):
        lists = {k: v for k, v in expected.items() if k in ITEM_KEYS}
    else:
        raise FixtureError(f"{path} must hold a list of items or an object, not {type(expected).__name__}")
    for key, items in lists.items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise FixtureError(f"{path}: key {key!r} must be a list of item objects")
        for index, item in enumerate(items):
            for field_name in sorted(set(item) - names):
                raise FixtureError(f"{path}: {key}[{index}] names {field_name!r}, which {item_type.__name__} lacks")
    return expected


def draft_of(expected: Any, result: ParseResult | Exception) -> Any:
    """The parser's current output in the shape of `expected` (for `--update-fixtures`)."""
    if isinstance(result, Exception):
        return {"raises": type(result).__name__}
    if not isinstance(expected, dict) or "raises" in expected:
        return offers_to_json(result.items)
    values = {k: offers_to_json(result.items) if k in ITEM_KEYS else result_value(k, result, None) for k in expected}
    return {k: v for k, v in values.items() if v != _NOT_IN_DETAILS}


def _item_type(source: str) -> type:
    return ITEM_TYPES[SPIDERS[source].kind]


@pytest.mark.parametrize(("source", "case"), RUN_CASES, ids=[f"{s}/{c}" for s, c in RUN_CASES])
def test_parser_output_matches_expected(source: str, case: str, request: pytest.FixtureRequest) -> None:
    folder = FIXTURES_DIR / source / case
    try:
        meta = validate_meta(folder / "meta.json")
        expected = validate_expected(folder / "expected.json", _item_type(source))
    except FixtureError as exc:
        pytest.fail(str(exc), pytrace=False)
    if not on_contract(SPIDERS[source]):
        where = f"{source}'s parser is not on the contract yet"
        pytest.fail(f"{where}: convert it or list it in PENDING_SOURCES ({HERE})", pytrace=False)
    parse = SPIDERS[source].source_parser()
    fetched_at = datetime.fromisoformat(meta["fetched_at"])
    outcome: ParseResult | Exception
    try:
        outcome = parse(response_file(folder).read_bytes(), url=meta["url"], fetched_at=fetched_at,
                        request=parser_request(meta))  # fmt: skip
    except (ParseError, BlockedError) as exc:
        outcome = exc
    wants_raise = expected.get("raises") if isinstance(expected, dict) else None
    if wants_raise and isinstance(outcome, RAISES[wants_raise]):
        return
    if wants_raise:
        got = (
            f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, Exception) else f"{len(outcome.items)} items"
        )
        problems = [f"expected the parser to raise {wants_raise}, got {got}"]
    elif isinstance(outcome, Exception):
        problems = [f"expected output, the parser raised {type(outcome).__name__}: {outcome}"]
    else:
        problems = differences(expected, outcome, _item_type(source))
    if not problems:
        return
    lines = [f"{folder / 'expected.json'} does not match what {source}'s parser gives:", *(f"- {p}" for p in problems)]
    if request.config.getoption("--update-fixtures"):
        (folder / DRAFT).write_text(json.dumps(draft_of(expected, outcome), indent=2, ensure_ascii=False) + "\n")
        lines.append(f"a draft of the current output is in {folder / DRAFT}: check it, then rename it to expected.json")
    else:
        lines.append("(run pytest --update-fixtures to write the current output to expected.draft.json for review)")
    pytest.fail("\n".join(lines), pytrace=False)


@pytest.mark.parametrize(("source", "case"), CASES, ids=[f"{s}/{c}" for s, c in CASES])
def test_every_case_has_a_valid_meta_and_expected_json(source: str, case: str) -> None:
    folder = FIXTURES_DIR / source / case
    try:
        validate_meta(folder / "meta.json")
        validate_expected(folder / "expected.json", _item_type(source))
    except FixtureError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.parametrize("source", sorted(SPIDERS))
def test_every_source_is_on_the_parser_contract_unless_pending(source: str) -> None:
    module = f"spiders/parsers/{SPIDERS[source].parser_module or source}.py"
    if source in PENDING_SOURCES:
        assert not on_contract(SPIDERS[source]), (
            f"{module} now has the contract's parse: remove {source!r} from PENDING_SOURCES in {HERE}"
        )
    else:
        assert on_contract(SPIDERS[source]), (
            f"{module} needs `parse(body, *, url, fetched_at, request) -> ParseResult` "
            f"(spiders/parsers/contract.py), or list {source!r} in PENDING_SOURCES in {HERE} until it has one"
        )


def test_pending_sources_are_sources() -> None:
    assert sorted(PENDING_SOURCES - set(SPIDERS)) == [], "PENDING_SOURCES names sources no spider has"


def test_no_draft_expectation_is_left_unreviewed(request: pytest.FixtureRequest) -> None:
    drafts = sorted(str(p) for p in FIXTURES_DIR.glob(f"*/*/{DRAFT}"))
    if request.config.getoption("--update-fixtures"):
        return
    assert not drafts, f"review these drafts, then rename each to expected.json or delete it: {drafts}"


def _offer(**changes: Any) -> GpuOffer:
    at = datetime.fromisoformat("2026-11-20T06:00:00+00:00")
    offer = GpuOffer(source="x_gpu", url="https://x.example/", observed_at=at, provider="x",
                     instance_type="1x A100", region="global", gpu_model="A100-80G",
                     gpu_count=Decimal(1), billing="on_demand", currency="USD", price=Decimal("1.0"))  # fmt: skip
    for name, value in changes.items():
        setattr(offer, name, value)
    return offer


def test_decimals_and_times_compare_by_value_and_a_difference_names_item_and_field() -> None:
    [wanted] = offers_to_json([_offer()])
    same = {**wanted, "price": "1.00", "observed_at": "2026-11-20T14:00:00+08:00"}
    assert differences([same], ParseResult(items=[_offer()]), GpuOffer) == []
    assert differences([{**wanted, "price": "1.5"}], ParseResult(items=[_offer()]), GpuOffer) == [
        "items[0] (1x A100).price: expected '1.5', got '1.0'"
    ]
    assert differences([wanted, wanted], ParseResult(items=[_offer()]), GpuOffer) == [
        "items: expected 2 items, got 1",
        "items[1] (1x A100): expected but the parser gave no such item",
    ]


def test_object_shaped_expectations_read_result_fields_and_details() -> None:
    result = ParseResult(items=[_offer()], skipped=["row 3: no price"], details={"max_page": 2},
                         notes=unknown_gpu_notes(["Quadro RTX 8000"]),
                         follow=[FollowUp("https://x.example/?page=2", step="page")])  # fmt: skip
    expected = {"offers": offers_to_json([_offer()]), "skipped": ["row 3: no price"],
                "unknown_gpus": ["Quadro RTX 8000"], "max_page": 2,
                "follow": [{"url": "https://x.example/?page=2", "step": "page"}]}  # fmt: skip
    assert differences(expected, result, GpuOffer) == []
    assert differences({**expected, "max_page": 3, "page_index": 1}, result, GpuOffer) == [
        "details['max_page']: expected 3, got 2",
        "details['page_index']: expected 1, got \"<not in ParseResult.details>\"",
    ]


def test_a_malformed_meta_or_an_unknown_item_field_names_the_file_and_the_key(tmp_path: Path) -> None:
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"url": "https://x.example/", "fetched_at": "2026-11-20T06:00:00+00:00", "origin": "o"}))
    with pytest.raises(FixtureError, match=rf"{meta}: key 'constructed' is missing"):
        validate_meta(meta)
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "constructed": True, "request": {"verb": "GET"}}))
    with pytest.raises(FixtureError, match=r"key 'request.verb' is not a request key"):
        validate_meta(meta)
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps([{**offers_to_json([_offer()])[0], "price_usd": "1"}]))
    with pytest.raises(FixtureError, match=rf"{expected}: items\[0\] names 'price_usd', which GpuOffer lacks"):
        validate_expected(expected, GpuOffer)


def test_every_meta_json_records_its_request() -> None:
    assert record_requests.main(["--check"]) == 0, (
        "some meta.json lacks its `request`: run `python -m tests.tools.record_requests` and commit the result"
    )
