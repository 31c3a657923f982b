"""The `aipulse` command: init, run, serve, crawl, sources, status, show, alerts, report, export, demo."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import logging
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from alerts.cli import AlertsCliError
from alerts.cli import add_parser as add_alerts_parser
from alerts.cli import run as run_alerts
from alerts.engine import reevaluate_drift
from alerts.service import flush
from core.config import (
    BUNDLED_CONFIG,
    DEFAULT_CONFIG_NAME,
    ConfigError,
    check_secrets,
)
from core.tables import render_table
from monitor.cli_common import (
    CliError,
    load_checked_config,
    note_demo_data,
    open_database,
    print_json,
    setup_logging,
)
from monitor.cli_crawl import cmd_crawl, cmd_record
from monitor.cluster_cli import cmd_cluster, cmd_worker, source_placement, status_lines
from monitor.cluster_queue import is_cluster_database
from monitor.crawling import spider_classes
from monitor.db_cli import add_parser as add_db_parser
from monitor.export import add_parser as add_export_parser
from monitor.health import source_health, stale_price_files
from monitor.report.cli import add_parser as add_report_parser
from monitor.verify import add_parser as add_verify_parser
from storage.db import DatabaseError, masked, session_factory
from storage.models import CrawlRun, FundingRound, GpuOffer, Quote, TrafficSnapshot
from storage.runs import accept_drift

logger = logging.getLogger("aipulse")
_config, _database, _print_json, _note_demo_data = load_checked_config, open_database, print_json, note_demo_data

#: modules whose add_parser(show_subparsers) registers `aipulse show …` tables
SHOW_MODULES: list[str] = [
    "monitor.show_gpu", "monitor.show_traffic", "monitor.show_funding", "monitor.show_quotes", "monitor.show_market",
]  # fmt: skip


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


# --- commands --------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.config or DEFAULT_CONFIG_NAME)
    if target.exists():
        print(f"{target}: exists, kept")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BUNDLED_CONFIG, target)
        print(f"{target}: starter configuration written")
    config = _config(args, target)
    _database(config, migrate=True)
    print(f"database {masked(config.database_url())}: migrated to the newest schema")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.scheduler import Daemon

    config = _config(args)
    check_secrets(config)
    setup_logging(args.log_level or config.daemon.log_level)
    engine = _database(config, migrate=True)
    logger.info("aipulse daemon: config %s, database %s", config.path, masked(config.database_url()))
    if is_cluster_database(config.database_url()):
        from monitor.cluster_cli import parse_tags, run_cluster

        return run_cluster(config, engine, role=args.role, tags=parse_tags(args.tags), concurrency=args.concurrency)
    if args.role != "all":
        raise CliError(f"--role {args.role} needs PostgreSQL: on SQLite one `aipulse run` schedules and crawls")
    return Daemon(config, engine).run()


def cmd_serve(args: argparse.Namespace) -> int:
    """`aipulse serve`: the dashboard and /metrics until Ctrl-C (read-only unless [web] token is set)."""
    from core.config.web import DEFAULT_LISTEN, parse_listen
    from monitor.web.app import WebServer, create_app

    config = _config(args)
    setup_logging(args.log_level or config.daemon.log_level)
    listen = args.listen or config.web.listen or DEFAULT_LISTEN
    try:
        parse_listen(listen)
    except ValueError as exc:
        raise CliError(f"--listen: {exc}") from None
    engine = _database(config, migrate=False)
    kinds = {name: cls.kind for name, cls in spider_classes().items()}
    server = WebServer(create_app(config, engine, kinds), listen)
    logger.info("aipulse dashboard on http://%s/ (metrics at /metrics)", listen)
    server.serve()
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    config = _config(args)
    engine = _database(config, migrate=False)
    kinds = {name: cls.kind for name, cls in spider_classes().items()}
    with session_factory(engine)() as session:
        _note_demo_data(session)
        health = source_health(session, config, kinds, datetime.now(UTC))
        cluster = is_cluster_database(config.database_url())
        placed = source_placement(session, config, [h.source for h in health]) if cluster else None
    if args.json:
        _print_json([{**h.as_json(), **(placed[h.source] if placed else {})} for h in health])
        return 0
    rows = [
        (h.source, h.kind, h.schedule, "yes" if h.enabled else "no", _when(h.last_run_at), h.last_status or "—",
         _when(h.next_run_at) if h.enabled else "—", *([placed[h.source][k] or "—" for k in ("worker", "tags")]
         if placed else []))
        for h in health
    ]  # fmt: skip
    head = ("source", "kind", "schedule", "enabled", "last run", "status", "next run")
    print(render_table((*head, "worker", "tags") if placed else head, rows))
    return 0


def cmd_accept_drift(args: argparse.Namespace) -> int:
    """`aipulse sources accept-drift SOURCE`: the newest run's shape becomes the reference; drift alerts resolve."""
    config = _config(args)
    if args.source not in spider_classes():
        raise CliError(f"unknown source {args.source!r} (known: {', '.join(sorted(spider_classes()))})")
    engine = _database(config, migrate=False)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        accepted = accept_drift(session, args.source, now)
        if accepted is None:
            print(f"{args.source}: no drift to accept (the newest successful run has the reference shape)")
            return 0
        transitions = reevaluate_drift(session, config.alerts, args.source, now)
        print(f"{args.source}: the shape of run {accepted.id} is now the reference")
    if transitions:
        flush(sessions, config.alerts, now=now)
        print(f"{args.source}: " + ", ".join(f"{t.rule} {t.transition}" for t in transitions))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    config = _config(args)
    engine = _database(config, migrate=False)
    kinds = {name: cls.kind for name, cls in spider_classes().items()}
    now = datetime.now(UTC)
    with session_factory(engine)() as session:
        _note_demo_data(session)
        health = source_health(session, config, kinds, now)
        counts = {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (GpuOffer, TrafficSnapshot, FundingRound, Quote, CrawlRun)
        }
        running = session.scalar(select(func.count()).where(CrawlRun.status == "running")) or 0
        warnings = stale_price_files(session, now)
    problems = [h for h in health if h.state in ("failing", "stale")]
    not_run = [h.source for h in health if h.state == "never"]
    verdict = _status_verdict(len(problems), not_run, ran=any(h.last_run_at for h in health))
    cluster = status_lines(config, engine) if is_cluster_database(config.database_url()) else None
    if args.json:
        _print_json({"database": masked(config.database_url()), "rows": counts, "running": running,
                     "sources": [h.as_json() for h in health], "warnings": warnings,
                     "healthy": not problems and verdict != NO_DATA_YET, "verdict": verdict,
                     **({"cluster": cluster[0]} if cluster else {})})  # fmt: skip
        return 0 if not problems else 1
    print(f"config    {config.path}")
    print(f"database  {masked(config.database_url())}")
    print("rows      " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    print(f"running   {running} crawl(s)")
    for line in cluster[1] if cluster else []:
        print(line)
    print()
    rows = [
        (h.source, h.state, h.last_status or "—", _when(h.last_success_at), h.failures_in_row,
         (h.last_error or "")[:80] if h.state == "failing" else "")
        for h in health
    ]  # fmt: skip
    print(render_table(("source", "health", "last status", "last success", "failures", "last error"), rows, right=(4,)))
    for warning in warnings:
        print(f"warning: {warning}")
    print()
    print(verdict)
    return 0 if not problems else 1


#: what `aipulse status` says before any enabled source has run (nothing is known to be healthy yet)
NO_DATA_YET = "no data yet: no source has run (start the daemon with `aipulse run`, or `aipulse crawl SOURCE`)"


def _status_verdict(problems: int, not_run: Sequence[str], *, ran: bool) -> str:
    """The last line of `aipulse status`: problems first; "no data yet" before any run; healthy otherwise."""
    if problems:
        return f"{problems} source(s) need attention"
    if not ran:
        return NO_DATA_YET
    if not_run:
        return f"healthy so far; not run yet: {', '.join(not_run)}"
    return "healthy"


def cmd_show(args: argparse.Namespace) -> int:
    config = _config(args)
    engine = _database(config, migrate=False)
    with session_factory(engine)() as session:
        _note_demo_data(session)
        return int(args.show(args, config, session))


def cmd_export(args: argparse.Namespace) -> int:
    config = _config(args)
    engine = _database(config, migrate=False)
    with session_factory(engine)() as session:
        _note_demo_data(session)
        return int(args.export(args, config, session))


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import DemoError, run_demo, serve_fixtures

    setup_logging(args.log_level or "WARNING")
    try:
        if args.serve:
            return serve_fixtures(args.port, sys.stdout)
        if args.weeks < 1:
            raise CliError(f"--weeks must be at least 1, got {args.weeks}")
        return run_demo(args.database, sys.stdout, weeks=args.weeks)
    except DemoError as exc:
        raise CliError(str(exc)) from None


def cmd_report(args: argparse.Namespace) -> int:
    config = _config(args)
    setup_logging(args.log_level or "WARNING")
    engine = _database(config, migrate=False)
    kinds = {name: cls.kind for name, cls in spider_classes().items()}
    with session_factory(engine)() as session:
        _note_demo_data(session)
    return int(args.report(args, config, session_factory(engine), kinds))


# --- entry point -----------------------------------------------------------------------------------


def cmd_alerts(args: argparse.Namespace) -> int:
    config = _config(args)
    engine = _database(config, migrate=False)
    with session_factory(engine)() as session:
        try:
            code = run_alerts(args, config, session)
        except AlertsCliError as exc:
            raise CliError(str(exc)) from None
        session.commit()
    return code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `aipulse` command."""
    parser = argparse.ArgumentParser(prog="aipulse", description="Monitor GPU prices, AI traffic, funding and quotes.")
    _add_global_options(parser, default=None)
    parser.add_argument("--version", action="version", version=f"aipulse {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init", help="write a starter aipulse.toml if missing and migrate the database").set_defaults(
        func=cmd_init
    )
    run = sub.add_parser("run", help="start the daemon: every enabled source on its schedule")
    run.add_argument("--role", choices=("all", "scheduler"), default="all",
                     help="PostgreSQL: `scheduler` only queues slots; `all` (default) also runs a worker")  # fmt: skip
    _add_worker_options(run)
    run.set_defaults(func=cmd_run)
    worker = sub.add_parser("worker", help="PostgreSQL: take crawl jobs from the queue (any number of machines)")
    _add_worker_options(worker)
    worker.set_defaults(func=cmd_worker)
    cluster = sub.add_parser("cluster", help="PostgreSQL: the workers alive and the jobs queued or running")
    cluster.add_argument("--json", action="store_true")
    cluster.set_defaults(func=cmd_cluster)
    crawl = sub.add_parser("crawl", help="crawl sources now (the same path as a scheduled run)")
    crawl.add_argument("sources", nargs="*", metavar="SOURCE")
    crawl.add_argument("-a", dest="arg", action="append", metavar="NAME=VALUE", help="spider argument")
    crawl.add_argument("--json", action="store_true")
    crawl.add_argument(
        "--live-check",
        action="store_true",
        help="each source (default: every enabled one) once against its real endpoint, responses recorded under "
        "recordings/, one verdict a source: ok, blocked, layout changed, no data, out of bounds, failed",
    )
    crawl.add_argument("--timeout", default="2m", help="--live-check: the limit of each crawl (default: 2m)")
    crawl.set_defaults(func=cmd_crawl)
    record = sub.add_parser("record", help="crawl sources for real and keep every response as a fixture case")
    record.add_argument("sources", nargs="+", metavar="SOURCE")
    record.add_argument("--out", metavar="DIR", help="where cases go (default: recordings/ beside the config)")
    record.add_argument("-a", dest="arg", action="append", metavar="NAME=VALUE", help="spider argument")
    record.set_defaults(func=cmd_record)
    serve = sub.add_parser("serve", help="serve the web dashboard and /metrics (default 127.0.0.1:8787)")
    serve.add_argument("--listen", metavar="HOST:PORT", help="where to listen (default: [web] listen, 127.0.0.1:8787)")
    serve.set_defaults(func=cmd_serve)
    sources = sub.add_parser("sources", help="list sources: kind, schedule, last run, next run")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(func=cmd_sources)
    sources_sub = sources.add_subparsers(dest="sources_command", metavar="COMMAND")
    accept = sources_sub.add_parser(
        "accept-drift", help="accept the new shape of a source's answers as the reference (resolves its drift alert)"
    )
    accept.add_argument("source", metavar="SOURCE")
    accept.set_defaults(func=cmd_accept_drift)
    status = sub.add_parser("status", help="health at a glance (exit 1 when a source fails or is stale)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    if SHOW_MODULES:
        show = sub.add_parser("show", help="print the analyst's tables from the store")
        show.set_defaults(func=cmd_show)
        show_sub = show.add_subparsers(dest="what", required=True, metavar="WHAT")
        for module in SHOW_MODULES:  # each registers its tables with handler(args, config, session) -> int
            importlib.import_module(module).add_parser(show_sub)
    demo = sub.add_parser("demo", help="replay recorded responses on 127.0.0.1 over simulated weeks into data/demo.db")
    demo.add_argument("--weeks", type=int, default=2, help="simulated weeks of history (default: 2)")
    demo.add_argument(
        "--database",
        default="data/demo.db",
        help="SQLite file or database URL the demo fills and keeps, emptied first (default: data/demo.db; "
        "its configuration is written beside it as demo.toml)",
    )
    demo.add_argument("--serve", action="store_true", help="only serve the recorded responses until Ctrl-C")
    demo.add_argument("--port", type=int, default=8080, help="port of --serve (default: 8080; 0: any free port)")
    demo.set_defaults(func=cmd_demo)
    add_alerts_parser(sub).set_defaults(func=cmd_alerts)
    add_report_parser(sub).set_defaults(func=cmd_report)
    add_export_parser(sub).set_defaults(func=cmd_export)
    add_verify_parser(sub)
    add_db_parser(sub)
    for subparser in _subparsers(parser):  # `aipulse init --config x.toml` as well as `aipulse --config x.toml init`
        _add_global_options(subparser, default=argparse.SUPPRESS)
    return parser


def _add_worker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tags", default="", help="comma-separated tags this worker covers (e.g. cn,browser)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="crawls at once (default: [daemon] max_concurrent_crawls)")  # fmt: skip


def _add_global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--config", default=default, help="configuration file (default: $AIPULSE_CONFIG, then ./aipulse.toml)"
    )
    parser.add_argument("--log-level", default=default, choices=("DEBUG", "INFO", "WARNING", "ERROR"))


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *_subparsers(child)]
    return found


def _version() -> str:
    try:
        return importlib.metadata.version("aipulse")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `aipulse` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, DatabaseError, CliError) as exc:
        print(f"aipulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
