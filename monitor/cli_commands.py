"""The `aipulse` commands' implementations; each imports what it needs when it runs (start-up stays light)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor import cli_common
from monitor.status_view import utc_minute

__all__ = [
    "cmd_accept_drift", "cmd_alerts", "cmd_crawl", "cmd_demo", "cmd_export", "cmd_init", "cmd_record",
    "cmd_report", "cmd_run", "cmd_show", "cmd_sources", "cmd_status",
]  # fmt: skip

logger = logging.getLogger("aipulse")
_config, _database = cli_common.load_checked_config, cli_common.open_database
_print_json, _note_demo_data = cli_common.print_json, cli_common.note_demo_data


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
    if _on_postgresql(config.database_url()):
        from monitor.cluster_cli import parse_tags, run_cluster

        return run_cluster(config, engine, role=args.role, tags=parse_tags(args.tags), concurrency=args.concurrency)
    if args.role != "all":
        raise cli_common.CliError(
            f"--role {args.role} needs PostgreSQL: on SQLite one `aipulse run` schedules and crawls"
        )
    return Daemon(config, engine).run()


def _on_postgresql(url: str) -> bool:
    """Whether schedulers and workers meet in a job queue (PostgreSQL); SQLite is one process."""
    from sqlalchemy.engine import make_url

    return make_url(url).get_backend_name() == "postgresql"


def cmd_serve(args: argparse.Namespace) -> int:
    """`aipulse serve`: the dashboard and /metrics until Ctrl-C (read-only unless [web] token is set)."""
    from core.config.web import DEFAULT_LISTEN, parse_listen
    from monitor.web.app import WebServer, create_app
    from spiders.catalog import SOURCE_KINDS

    config = _config(args)
    cli_common.setup_logging(args.log_level or config.daemon.log_level)
    listen = args.listen or config.web.listen or DEFAULT_LISTEN
    try:
        parse_listen(listen)
    except ValueError as exc:
        raise cli_common.CliError(f"--listen: {exc}") from None
    engine = _database(config, migrate=False)
    server = WebServer(create_app(config, engine, dict(SOURCE_KINDS)), listen)
    logger.info("aipulse dashboard on http://%s/ (metrics at /metrics)", listen)
    server.serve()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from monitor.cluster_cli import cmd_worker as worker

    return worker(args)


def cmd_cluster(args: argparse.Namespace) -> int:
    from monitor.cluster_cli import cmd_cluster as cluster

    return cluster(args)


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
        placed = None
        if _on_postgresql(config.database_url()):
            from monitor.cluster_cli import source_placement

            placed = source_placement(session, config, [h.source for h in health])
    if args.json:
        _print_json([{**h.as_json(), **(placed[h.source] if placed else {})} for h in health])
        return 0
    rows = [
        (h.source, h.kind, h.schedule, "yes" if h.enabled else "no", utc_minute(h.last_run_at), h.last_status or "—",
         utc_minute(h.next_run_at) if h.enabled else "—", *([placed[h.source][k] or "—" for k in ("worker", "tags")]
         if placed else []))
        for h in health
    ]  # fmt: skip
    head = ("source", "kind", "schedule", "enabled", "last run", "status", "next run")
    print(render_table((*head, "worker", "tags") if placed else head, rows))
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
    if not args.direct:  # the running daemon answers in milliseconds what this process needs ~0.5 s to start for
        from core.config_file import find_config_path
        from monitor.status_channel import ask_daemon, status_key

        reply = ask_daemon(status_key(find_config_path(args.config)), as_json=args.json)
        if reply is not None:
            if args.log_level == "DEBUG":
                print(f"status: answered by the running daemon (pid {reply.pid})", file=sys.stderr)
            sys.stderr.write(reply.stderr)
            sys.stdout.write(reply.stdout)
            return reply.code
    from monitor.status_view import status_answer

    config = _config(args)
    answer = status_answer(config, _database(config, migrate=False), as_json=args.json)
    sys.stderr.write(answer.stderr)
    sys.stdout.write(answer.stdout)
    return answer.code


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
