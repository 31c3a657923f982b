"""`aipulse db copy SRC_URL DST_URL`: move a store to another database, table by table, verified."""

from __future__ import annotations

import argparse

from core.tables import render_table
from monitor.cli_common import CliError
from storage.copy import CopyError, copy_database
from storage.db import check_connection, create_db_engine, masked
from storage.migrate import is_current, upgrade

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `db copy SRC_URL DST_URL`."""
    db = subparsers.add_parser("db", help="database tools: copy a store into another database")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    copy = db_sub.add_parser(
        "copy", help="copy every table into an empty database (e.g. sqlite:///data/aipulse.db postgresql+psycopg://…)"
    )
    copy.add_argument("source", metavar="SRC_URL")
    copy.add_argument("target", metavar="DST_URL")
    copy.set_defaults(func=cmd_db_copy)


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy, then print rows and checksum per table; exit 1 when a table did not come out equal."""
    source, target = create_db_engine(args.source), create_db_engine(args.target)
    check_connection(source)
    check_connection(target)
    if not is_current(source):
        raise CliError(f"{masked(args.source)} is not at the newest schema: run `aipulse init` on it first")
    upgrade(target)
    try:
        results = copy_database(source, target)
    except CopyError as exc:
        raise CliError(f"{masked(args.target)}: {exc}") from None
    rows = [(r.table, r.source_rows, r.copied_rows, r.copied_checksum, "ok" if r.equal else "DIFFERS") for r in results]
    print(render_table(("table", "rows", "copied", "checksum", "check"), rows, right=(1, 2)))
    bad = [r.table for r in results if not r.equal]
    print(f"copied {sum(r.copied_rows for r in results)} row(s) from {masked(args.source)} to {masked(args.target)}"
          + (f"; DIFFERENT: {', '.join(bad)}" if bad else "; every table verified"))  # fmt: skip
    return 1 if bad else 0
