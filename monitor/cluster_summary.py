"""What the cluster looks like from its database: workers alive (heartbeats), crawl jobs queued and running."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Engine

from core.config import AppConfig
from monitor.cluster_queue import CRAWL_TASK, conninfo
from storage.cluster import live_workers
from storage.db import session_factory
from storage.models import ClusterWorker

__all__ = ["cluster_summary", "status_lines"]


def cluster_summary(config: AppConfig, engine: Engine) -> dict[str, Any]:
    """Workers alive (heartbeats), and the crawl jobs queued and running per queue."""
    now = datetime.now(UTC)
    with session_factory(engine)() as session:
        workers = [
            {"host": w.host, "pid": w.pid, "role": w.role, "tags": w.tags, "fingerprint": w.fingerprint,
             "heartbeat_at": w.heartbeat_at.isoformat(), "started_at": w.started_at.isoformat()}
            for w in live_workers(session, now)
        ]  # fmt: skip
        known = session.query(ClusterWorker).count()
    jobs: list[dict[str, Any]] = []
    with psycopg.connect(conninfo(config.database_url())) as connection:
        present = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if present is not None and present[0] is not None:
            for row in connection.execute(
                "SELECT id, queue_name, status, args, scheduled_at, attempts FROM procrastinate_jobs"
                " WHERE task_name = %s AND status IN ('todo', 'doing') ORDER BY scheduled_at, id",
                (CRAWL_TASK,),
            ):
                jobs.append({"id": row[0], "queue": row[1], "status": row[2], "source": row[3].get("source"),
                             "slot": row[3].get("slot"), "scheduled_at": row[4].isoformat() if row[4] else None,
                             "attempts": row[5]})  # fmt: skip
    depth: dict[str, int] = {}
    for job in jobs:
        if job["status"] == "todo":
            depth[job["queue"]] = depth.get(job["queue"], 0) + 1
    return {"workers": workers, "dead_workers": known - len(workers), "jobs": jobs, "queue_depth": depth}


def status_lines(config: AppConfig, engine: Engine) -> tuple[dict[str, Any], list[str]]:
    """The cluster summary and its lines for `aipulse status`: workers alive, queue depth per tag."""
    summary = cluster_summary(config, engine)
    workers = summary["workers"]
    crawlers = [w for w in workers if w["role"] != "scheduler"]
    alive = ", ".join(f"{w['host']}:{w['pid']} {w['role']}" + (f" [{w['tags']}]" if w["tags"] else "") for w in workers)
    depth = ", ".join(f"{q} {n}" for q, n in sorted(summary["queue_depth"].items())) or "empty"
    lines = [f"workers   {len(crawlers)} worker(s), {len(workers) - len(crawlers)} scheduler(s) alive: {alive or '—'}",
             f"queue     {depth}"]  # fmt: skip
    return summary, lines
