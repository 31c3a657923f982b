"""`aipulse verify`: every parser over every recorded case (shipped and recorded), compared field by field.

This is how a user checks a new capture (`aipulse record` writes into `recordings/`), and how CI checks every
shipped fixture. A reviewed `expected.json` that differs from what the parser gives fails the command (exit 1);
a draft (`"reviewed": false`) is parsed and reported but not compared; a recorded answer kept only as evidence
(an error status, a binary or refused body) is listed.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.config import load_config
from core.config.fx import FxConfig
from core.json_output import json_text
from core.plausibility import BoundsConfig, implausible
from monitor.crawling import spider_classes
from monitor.replay import fixtures_root
from spiders.base import SourceSpider
from spiders.cases import Case, CaseError, differences, items_to_json, load_case, parser_request
from spiders.errors import BlockedError, ParseError

#: where an object-shaped expected.json keeps its item list (the other keys are result facts, not compared here)
ITEM_KEYS = ("items", "offers", "quotes", "rounds", "snapshots")
SHIPPED_FIXTURES = fixtures_root()


@dataclass
class SourceReport:
    """What verifying one source's cases found."""

    source: str
    cases: int = 0
    items: int = 0
    skipped: list[str] = field(default_factory=list)
    always_null: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    out_of_bounds: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no reviewed case differs, no item breaks a plausibility bound and every folder could be read."""
        return not self.differences and not self.errors and not self.out_of_bounds


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `verify [SOURCE…] [--fixtures DIR]… [--json]`."""
    parser = subparsers.add_parser(
        "verify",
        help="run every parser over every recorded case and compare with expected.json (exit 1 on a difference)",
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="sources to verify (default: every source)")
    parser.add_argument(
        "--fixtures", action="append", type=Path, metavar="DIR",
        help="a folder of <source>/<case>/ cases (repeatable; default: the shipped fixtures and ./recordings)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    """The `aipulse verify` command: print the findings per source; 1 when any reviewed case differs.

    Values are judged against the configuration's `[alerts.quality.bounds]` and `[fx]` (the bundled defaults when
    there is no configuration file), the same bounds the quality gate applies to stored data.
    """
    known = spider_classes()
    unknown = [name for name in args.sources if name not in known]
    if unknown:
        print(f"aipulse verify: unknown source {unknown[0]!r} (known: {', '.join(sorted(known))})")
        return 2
    roots = args.fixtures or [SHIPPED_FIXTURES, Path("recordings")]
    # the bounds the quality gate uses: [alerts.quality.bounds] at the [fx] rates of the configuration in force
    config = load_config(getattr(args, "config", None))
    reports = verify(args.sources or sorted(known), roots, known, bounds=config.alerts.quality.bounds, fx=config.fx)
    if args.json:
        print(json_text([{**asdict(r), "ok": r.ok} for r in reports]))
    else:
        for report in reports:
            print(render(report))
    return 0 if all(r.ok for r in reports) else 1


@dataclass(frozen=True)
class _Checks:
    bounds: BoundsConfig
    usd_rates: dict[str, Any]


def verify(
    sources: Sequence[str],
    roots: Iterable[Path],
    spiders: dict[str, type[SourceSpider]] | None = None,
    *,
    bounds: BoundsConfig | None = None,
    fx: FxConfig | None = None,
) -> list[SourceReport]:
    """Verify every case of `sources` found under `roots` (sources without any case are left out)."""
    spiders = spiders if spiders is not None else spider_classes()
    checks = _Checks(bounds or BoundsConfig(), (fx or FxConfig()).usd_rates())
    reports: list[SourceReport] = []
    folders = [root for root in roots if root.is_dir()]
    for source in sources:
        report = SourceReport(source)
        produced: list[dict[str, Any]] = []
        for root in folders:
            base = root / source
            if not base.is_dir():
                continue
            for folder in sorted(p for p in base.iterdir() if p.is_dir()):
                _verify_case(folder, spiders[source], report, produced, checks)
        if report.cases or report.errors or report.evidence:
            names = sorted({key for item in produced for key in item})
            report.always_null = [n for n in names if produced and all(item.get(n) is None for item in produced)]
            reports.append(report)
    return reports


def _verify_case(
    folder: Path, spider: type[SourceSpider], report: SourceReport, produced: list[dict[str, Any]], checks: _Checks
) -> None:
    try:
        case = load_case(folder)
    except CaseError as exc:
        report.errors.append(str(exc))
        return
    if not case.passing:
        report.evidence.append(f"{case.name}: {case.meta['recorded'].get('problem')}")
        return
    report.cases += 1
    assert case.body is not None
    url = str(case.meta["url"])
    parser = spider.source_parser()
    raised: str | None = None
    got: list[dict[str, Any]] = []
    try:
        result = parser(
            case.body, url=url, fetched_at=case.fetched_at, request=parser_request(case.meta.get("request", {}), url)
        )
    except (ParseError, BlockedError) as exc:
        raised = type(exc).__name__
    else:
        got = items_to_json(result.items)
        report.items += len(got)
        report.skipped += [f"{case.name}: {reason}" for reason in result.skipped]
        produced += got
        for index, item in enumerate(got):
            broken = implausible(spider.kind, item, checks.bounds, checks.usd_rates)
            if broken:
                report.out_of_bounds.append(f"{case.name}: item {index}: {broken}")
    if not case.reviewed:
        report.drafts.append(case.name)
        return
    _compare(case, raised, got, report)


def _compare(case: Case, raised: str | None, got: list[dict[str, Any]], report: SourceReport) -> None:
    expected = case.expected
    wants_raise = expected.get("raises") if isinstance(expected, dict) else None
    if wants_raise:
        if raised != wants_raise:
            report.differences.append(f"{case.name}: expected {wants_raise}, got {raised or f'{len(got)} items'}")
        return
    if raised:
        report.differences.append(f"{case.name}: the parser raised {raised}, expected items")
        return
    items = next((expected[k] for k in ITEM_KEYS if k in expected), []) if isinstance(expected, dict) else expected
    report.differences += [f"{case.name}: {line}" for line in differences(items, got)]


def render(report: SourceReport) -> str:
    """A source's findings as a few readable lines."""
    verdict = "ok" if report.ok else "DIFFERS"
    lines = [f"{report.source}: {verdict} — {report.cases} cases, {report.items} items, {len(report.skipped)} left out"]
    lines += [f"  error: {e}" for e in report.errors]
    lines += [f"  differs: {d}" for d in report.differences[:50]]
    if len(report.differences) > 50:
        lines.append(f"  … and {len(report.differences) - 50} more differences")
    lines += [f"  out of bounds: {b}" for b in report.out_of_bounds[:20]]
    lines += [f"  left out: {s}" for s in report.skipped[:10]]
    if report.always_null:
        lines.append(f"  always null: {', '.join(report.always_null)}")
    if report.drafts:
        lines.append(f"  drafts to review: {', '.join(report.drafts)}")
    lines += [f"  kept as evidence: {e}" for e in report.evidence]
    return "\n".join(lines)
