"""The `aipulse` command: init, run, worker, cluster, serve, crawl, sources, status, show, alerts, report, export,
demo, verify, db.

Start-up is kept light: `main` builds the full parser only for the command on the command line (the others are
one-line stubs for `aipulse --help`), and each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from monitor import cli_common
from monitor.cli_commands import (
    cmd_accept_drift,
    cmd_alerts,
    cmd_cluster,
    cmd_crawl,
    cmd_demo,
    cmd_export,
    cmd_init,
    cmd_record,
    cmd_report,
    cmd_run,
    cmd_serve,
    cmd_show,
    cmd_sources,
    cmd_status,
    cmd_worker,
)

#: modules whose add_parser(show_subparsers) registers `aipulse show …` tables
SHOW_MODULES: list[str] = [
    "monitor.show_gpu", "monitor.show_traffic", "monitor.show_funding", "monitor.show_quotes", "monitor.show_market",
]  # fmt: skip


# --- the parser --------------------------------------------------------------------------------------

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _add_init(sub: Subparsers) -> None:
    sub.add_parser("init", help=COMMANDS["init"]).set_defaults(func=cmd_init)


def _add_run(sub: Subparsers) -> None:
    run = sub.add_parser("run", help=COMMANDS["run"])
    run.add_argument("--role", choices=("all", "scheduler"), default="all",
                     help="PostgreSQL: `scheduler` only queues slots; `all` (default) also runs a worker")  # fmt: skip
    _add_worker_options(run)
    run.set_defaults(func=cmd_run)


def _add_worker(sub: Subparsers) -> None:
    worker = sub.add_parser("worker", help=COMMANDS["worker"])
    _add_worker_options(worker)
    worker.set_defaults(func=cmd_worker)


def _add_worker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tags", default="", help="comma-separated tags this worker covers (e.g. cn,browser)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="crawls at once (default: [daemon] max_concurrent_crawls)")  # fmt: skip


def _add_cluster(sub: Subparsers) -> None:
    cluster = sub.add_parser("cluster", help=COMMANDS["cluster"])
    cluster.add_argument("--json", action="store_true")
    cluster.set_defaults(func=cmd_cluster)


def _add_serve(sub: Subparsers) -> None:
    serve = sub.add_parser("serve", help=COMMANDS["serve"])
    serve.add_argument("--listen", metavar="HOST:PORT", help="where to listen (default: [web] listen, 127.0.0.1:8787)")
    serve.set_defaults(func=cmd_serve)


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
    status.add_argument("--direct", action="store_true",
                        help="compute the answer here instead of asking the running daemon")  # fmt: skip
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


def _add_db(sub: Subparsers) -> None:
    from monitor.db_cli import add_parser

    add_parser(sub)


#: every command with its one-line help (what `aipulse --help` lists without importing the command)
COMMANDS: dict[str, str] = {
    "init": "write a starter aipulse.toml if missing and migrate the database",
    "run": "start the daemon: every enabled source on its schedule",
    "worker": "PostgreSQL: take crawl jobs from the queue (any number of machines)",
    "cluster": "PostgreSQL: the workers alive and the jobs queued or running",
    "serve": "serve the web dashboard and /metrics (default 127.0.0.1:8787)",
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
    "db": "database tools: copy a store into another database",
}
#: how each command registers its full parser (imports its module only then)
_REGISTER: dict[str, Callable[[Subparsers], None]] = {
    "init": _add_init, "run": _add_run, "worker": _add_worker, "cluster": _add_cluster, "serve": _add_serve,
    "db": _add_db, "crawl": _add_crawl, "record": _add_record, "sources": _add_sources,
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
