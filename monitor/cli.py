"""The `aipulse` command: init, run, crawl, sources, status, show, alerts, report, export, demo.

Start-up is kept light: `main` builds the full parser only for the command on the command line (the others are
one-line stubs for `aipulse --help`), and each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import cli_common

logger = logging.getLogger("aipulse")
_config, _database = cli_common.load_checked_config, cli_common.open_database
_print_json, _note_demo_data = cli_common.print_json, cli_common.note_demo_data

#: modules whose add_parser(show_subparsers) registers `aipulse show …` tables
SHOW_MODULES: list[str] = [
    "monitor.show_gpu", "monitor.show_traffic", "monitor.show_funding", "monitor.show_quotes", "monitor.show_market",
]  # fmt: skip


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


# --- commands --------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    import shutil

    from core.config import BUNDLED_CONFIG, DEFAULT_CONFIG_NAME
    from storage.db import masked

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
    from core.config import check_secrets
    from monitor.scheduler import Daemon
    from storage.db import masked

    config = _config(args)
    check_secrets(config)
    cli_common.setup_logging(args.log_level or config.daemon.log_level)
    engine = _database(config, migrate=True)
    logger.info("aipulse daemon: config %s, database %s", config.path, masked(config.database_url()))
    return Daemon(config, engine).run()


def cmd_sources(args: argparse.Namespace) -> int:
    from core.tables import render_table
    from monitor.health import source_health
    from spiders.catalog import SOURCE_KINDS
    from storage.db import session_factory

    config = _config(args)
    engine = _database(config, migrate=False)
    kinds = dict(SOURCE_KINDS)
    with session_factory(engine)() as session:
        _note_demo_data(session)
        health = source_health(session, config, kinds, datetime.now(UTC))
    if args.json:
        _print_json([h.as_json() for h in health])
        return 0
    rows = [
        (h.source, h.kind, h.schedule, "yes" if h.enabled else "no", _when(h.last_run_at), h.last_status or "—",
         _when(h.next_run_at) if h.enabled else "—")
        for h in health
    ]  # fmt: skip
    print(render_table(("source", "kind", "schedule", "enabled", "last run", "status", "next run"), rows))
    return 0


def cmd_accept_drift(args: argparse.Namespace) -> int:
    """`aipulse sources accept-drift SOURCE`: the newest run's shape becomes the reference; drift alerts resolve."""
    from alerts.engine import reevaluate_drift
    from alerts.service import flush
    from spiders.catalog import SOURCE_KINDS
    from storage.db import session_factory
    from storage.runs import accept_drift

    config = _config(args)
    if args.source not in SOURCE_KINDS:
        raise cli_common.CliError(f"unknown source {args.source!r} (known: {', '.join(sorted(SOURCE_KINDS))})")
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
    from sqlalchemy import func, select

    from core.tables import render_table
    from monitor.health import source_health, stale_price_files
    from spiders.catalog import SOURCE_KINDS
    from storage.db import masked, session_factory
    from storage.models import CrawlRun, FundingRound, GpuOffer, Quote, TrafficSnapshot

    config = _config(args)
    engine = _database(config, migrate=False)
    kinds = dict(SOURCE_KINDS)
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
    if args.json:
        _print_json({"database": masked(config.database_url()), "rows": counts, "running": running,
                     "sources": [h.as_json() for h in health], "warnings": warnings,
                     "healthy": not problems and verdict != NO_DATA_YET, "verdict": verdict})  # fmt: skip
        return 0 if not problems else 1
    print(f"config    {config.path}")
    print(f"database  {masked(config.database_url())}")
    print("rows      " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    print(f"running   {running} crawl(s)")
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
    from storage.db import session_factory

    config = _config(args)
    engine = _database(config, migrate=False)
    with session_factory(engine)() as session:
        _note_demo_data(session)
        return int(args.show(args, config, session))


def cmd_export(args: argparse.Namespace) -> int:
    from storage.db import session_factory

    config = _config(args)
    engine = _database(config, migrate=False)
    with session_factory(engine)() as session:
        _note_demo_data(session)
        return int(args.export(args, config, session))


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import DemoError, run_demo, serve_fixtures

    cli_common.setup_logging(args.log_level or "WARNING")
    try:
        if args.serve:
            return serve_fixtures(args.port, sys.stdout)
        if args.weeks < 1:
            raise cli_common.CliError(f"--weeks must be at least 1, got {args.weeks}")
        return run_demo(args.database, sys.stdout, weeks=args.weeks)
    except DemoError as exc:
        raise cli_common.CliError(str(exc)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from spiders.catalog import SOURCE_KINDS
    from storage.db import session_factory

    config = _config(args)
    cli_common.setup_logging(args.log_level or "WARNING")
    engine = _database(config, migrate=False)
    kinds = dict(SOURCE_KINDS)
    with session_factory(engine)() as session:
        _note_demo_data(session)
    return int(args.report(args, config, session_factory(engine), kinds))


# --- entry point -----------------------------------------------------------------------------------


def cmd_alerts(args: argparse.Namespace) -> int:
    from alerts.cli import AlertsCliError
    from alerts.cli import run as run_alerts
    from storage.db import session_factory

    config = _config(args)
    engine = _database(config, migrate=False)
    with session_factory(engine)() as session:
        try:
            code = run_alerts(args, config, session)
        except AlertsCliError as exc:
            raise cli_common.CliError(str(exc)) from None
        session.commit()
    return code


def cmd_crawl(args: argparse.Namespace) -> int:
    from monitor.cli_crawl import cmd_crawl as crawl

    return crawl(args)


def cmd_record(args: argparse.Namespace) -> int:
    from monitor.cli_crawl import cmd_record as record

    return record(args)


# --- the parser --------------------------------------------------------------------------------------

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _add_init(sub: Subparsers) -> None:
    sub.add_parser("init", help=COMMANDS["init"]).set_defaults(func=cmd_init)


def _add_run(sub: Subparsers) -> None:
    sub.add_parser("run", help=COMMANDS["run"]).set_defaults(func=cmd_run)


def _add_crawl(sub: Subparsers) -> None:
    crawl = sub.add_parser("crawl", help=COMMANDS["crawl"])
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


def _add_record(sub: Subparsers) -> None:
    record = sub.add_parser("record", help=COMMANDS["record"])
    record.add_argument("sources", nargs="+", metavar="SOURCE")
    record.add_argument("--out", metavar="DIR", help="where cases go (default: recordings/ beside the config)")
    record.add_argument("-a", dest="arg", action="append", metavar="NAME=VALUE", help="spider argument")
    record.set_defaults(func=cmd_record)


def _add_sources(sub: Subparsers) -> None:
    sources = sub.add_parser("sources", help=COMMANDS["sources"])
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(func=cmd_sources)
    sources_sub = sources.add_subparsers(dest="sources_command", metavar="COMMAND")
    accept = sources_sub.add_parser(
        "accept-drift", help="accept the new shape of a source's answers as the reference (resolves its drift alert)"
    )
    accept.add_argument("source", metavar="SOURCE")
    accept.set_defaults(func=cmd_accept_drift)


def _add_status(sub: Subparsers) -> None:
    status = sub.add_parser("status", help=COMMANDS["status"])
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)


def _add_show(sub: Subparsers) -> None:
    show = sub.add_parser("show", help=COMMANDS["show"])
    show.set_defaults(func=cmd_show)
    show_sub = show.add_subparsers(dest="what", required=True, metavar="WHAT")
    for module in SHOW_MODULES:  # each registers its tables with handler(args, config, session) -> int
        importlib.import_module(module).add_parser(show_sub)


def _add_demo(sub: Subparsers) -> None:
    demo = sub.add_parser("demo", help=COMMANDS["demo"])
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


def _add_alerts(sub: Subparsers) -> None:
    from alerts.cli import add_parser

    add_parser(sub).set_defaults(func=cmd_alerts)


def _add_report(sub: Subparsers) -> None:
    from monitor.report.cli import add_parser

    add_parser(sub).set_defaults(func=cmd_report)


def _add_export(sub: Subparsers) -> None:
    from monitor.export import add_parser

    add_parser(sub).set_defaults(func=cmd_export)


def _add_verify(sub: Subparsers) -> None:
    from monitor.verify import add_parser

    add_parser(sub)


#: every command with its one-line help (what `aipulse --help` lists without importing the command)
COMMANDS: dict[str, str] = {
    "init": "write a starter aipulse.toml if missing and migrate the database",
    "run": "start the daemon: every enabled source on its schedule",
    "crawl": "crawl sources now (the same path as a scheduled run)",
    "record": "crawl sources for real and keep every response as a fixture case",
    "sources": "list sources: kind, schedule, last run, next run",
    "status": "health at a glance (exit 1 when a source fails or is stale)",
    "show": "print the analyst's tables from the store",
    "demo": "replay recorded responses on 127.0.0.1 over simulated weeks into data/demo.db",
    "alerts": "alert states, history, silences, tests",
    "report": "write the weekly report from the store (and send it with --send)",
    "export": "write stored rows to a CSV or Excel file",
    "verify": "run every parser over every recorded case and compare with expected.json (exit 1 on a difference)",
}
#: how each command registers its full parser (imports its module only then)
_REGISTER: dict[str, Callable[[Subparsers], None]] = {
    "init": _add_init, "run": _add_run, "crawl": _add_crawl, "record": _add_record, "sources": _add_sources,
    "status": _add_status, "show": _add_show, "demo": _add_demo, "alerts": _add_alerts, "report": _add_report,
    "export": _add_export, "verify": _add_verify,
}  # fmt: skip
_TAKES_VALUE = ("--config", "--log-level")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the `aipulse` command: every command in full, or only `only` (the others stubs)."""
    parser = argparse.ArgumentParser(prog="aipulse", description="Monitor GPU prices, AI traffic, funding and quotes.")
    _add_global_options(parser, default=None)
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if only is None or name == only:
            _REGISTER[name](sub)
        else:
            sub.add_parser(name, help=help_text)
    for subparser in _subparsers(parser):  # `aipulse init --config x.toml` as well as `aipulse --config x.toml init`
        _add_global_options(subparser, default=argparse.SUPPRESS)
    return parser


def command_named(argv: Sequence[str]) -> str:
    """The command `argv` runs ("" when it names none: `aipulse --help`, `--version`, a usage error)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _TAKES_VALUE:
            skip = True
        elif not token.startswith("-"):
            return token if token in COMMANDS else ""
    return ""


class _VersionAction(argparse.Action):
    """`--version`: reads the installed version only when asked (the package metadata scan costs start-up)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"aipulse {_version()}")
        parser.exit()


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
    import importlib.metadata

    try:
        return importlib.metadata.version("aipulse")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `aipulse` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(only=command_named(argv)).parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not isinstance(exc, _user_errors()):
            raise
        print(f"aipulse: {exc}", file=sys.stderr)
        return 2


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors a user can fix (a message and exit 2, no traceback)."""
    from core.secrets import ConfigError
    from storage.db import DatabaseError

    return (ConfigError, DatabaseError, cli_common.CliError)


if __name__ == "__main__":
    sys.exit(main())
