"""`aipulse crawl` (and `--live-check`) and `aipulse record`: crawls now, through the daemon's path."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.config import AppConfig
from core.durations import parse_duration
from core.tables import render_table
from monitor.cli_common import CliError, load_checked_config, open_database, print_json, setup_logging
from monitor.crawling import CrawlResult, CrawlRunner, spider_classes
from spiders.arguments import argument_problems

__all__ = ["cmd_crawl", "cmd_record", "key_value", "results_table"]


def check_arguments(sources: Sequence[str], extra: dict[str, str]) -> None:
    """Refuse a `-a NAME=VALUE` a named source does not take or cannot read, before anything runs."""
    classes = spider_classes()
    for source in sources:
        for problem in argument_problems(classes[source], extra):
            raise CliError(f"-a: {source}: {problem}")


def cmd_crawl(args: argparse.Namespace) -> int:
    config = load_checked_config(args)
    setup_logging(args.log_level or ("WARNING" if args.live_check else "INFO"))
    unknown = [s for s in args.sources if s not in spider_classes()]
    if unknown:
        raise CliError(f"unknown source {unknown[0]!r} (known: {', '.join(sorted(spider_classes()))})")
    if args.live_check:
        return _live_check(args, config)
    if not args.sources:
        raise CliError("name the sources to crawl (aipulse crawl SOURCE…), or check them all with --live-check")
    extra = dict(key_value(a) for a in args.arg or [])
    check_arguments(args.sources, extra)
    engine = open_database(config, migrate=True)
    runner = CrawlRunner(config, engine)
    runner.close_orphans()
    results = [runner.run(source, "manual", extra) for source in args.sources]
    if args.json:
        print_json([r.__dict__ for r in results])
    else:
        print(results_table(results))
    return 0 if all(r.status == "succeeded" for r in results) else 1


def _live_check(args: argparse.Namespace, config: AppConfig) -> int:
    """`crawl --live-check [SOURCE…]`: every named (else every enabled) source once, recorded, one verdict each."""
    from monitor.live_check import live_check, recordings_dir

    sources = args.sources or sorted(s for s, section in config.sources.items() if section.enabled)
    try:
        timeout = parse_duration(args.timeout)
    except ValueError as exc:
        raise CliError(f"--timeout: {exc}") from None
    engine = open_database(config, migrate=True)
    out = recordings_dir(config)
    verdicts = live_check(config, engine, sources, sys.stdout, recordings=out, timeout=timeout)
    if args.json:
        print_json([v.__dict__ for v in verdicts])
    return 0 if all(v.verdict == "ok" for v in verdicts) else 1


def cmd_record(args: argparse.Namespace) -> int:
    """`aipulse record`: the real crawl of each source, every response kept as a fixture case (secrets removed)."""
    from monitor.live_check import record_settings, recordings_dir

    config = load_checked_config(args)
    setup_logging(args.log_level or "INFO")
    unknown = [s for s in args.sources if s not in spider_classes()]
    if unknown:
        raise CliError(f"unknown source {unknown[0]!r} (known: {', '.join(sorted(spider_classes()))})")
    out = recordings_dir(config, args.out)
    settings = record_settings(config, args.sources, out)
    runner = CrawlRunner(config, open_database(config, migrate=True), extra_settings=settings)
    extra = dict(key_value(a) for a in args.arg or [])
    check_arguments(args.sources, extra)
    results = [runner.run(source, "record", extra) for source in args.sources]
    print(results_table(results))
    for source in args.sources:
        folder = out / source
        cases = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        print(
            f"{source}: {len(cases)} case(s) in {folder} — check them with `aipulse verify {source} --fixtures {out}`"
        )
    return 0 if all(r.status == "succeeded" for r in results) else 1


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CliError(f"-a expects NAME=VALUE, got {text!r}")
    return key, value


def results_table(results: Sequence[CrawlResult]) -> str:
    rows = [
        (r.source, r.run_id, r.status, r.items_stored, r.items_unchanged, r.items_dropped, f"{r.duration_s:.1f}s",
         (r.error or "")[:100])
        for r in results
    ]  # fmt: skip
    headers = ("source", "run", "status", "new", "unchanged", "dropped", "took", "error")
    return render_table(headers, rows, right=(1, 3, 4, 5, 6))
