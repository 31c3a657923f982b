"""The cluster's job queue on PostgreSQL (procrastinate): its app, a queue per tag set, the config fingerprint.

SQLite runs one process (`aipulse run`, no queue). On PostgreSQL any number of schedulers defer one job per
(source, slot) and any number of workers take them; see monitor/cluster_scheduler.py and cluster_worker.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import procrastinate
import psycopg
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

from core.config import AppConfig

__all__ = [
    "CRAWL_TASK",
    "DEFAULT_QUEUE",
    "ClusterError",
    "conninfo",
    "ensure_queue_schema",
    "fingerprint",
    "is_cluster_database",
    "make_app",
    "queue_for",
    "queues_covered",
    "slot_offset",
    "tags_of_queue",
]

#: the task every crawl job runs
CRAWL_TASK = "aipulse.crawl"
#: the queue of untagged sources (every worker takes them)
DEFAULT_QUEUE = "aipulse"
_SCHEMA_LOCK = 0x61697075  # "aipu": one process at a time installs the queue's tables


class ClusterError(Exception):
    """The cluster cannot work as configured (a worker on SQLite, a bad tag list)."""


def is_cluster_database(url: str) -> bool:
    """Whether `url` is PostgreSQL, where schedulers and workers meet in a job queue."""
    return make_url(url).get_backend_name() == "postgresql"


def conninfo(url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://…` without the driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fingerprint(config: AppConfig) -> str:
    """What schedulers and workers must agree on: the sources and what runs after them, not machine settings."""
    shared = config.model_dump(mode="json", include={"sources", "fx", "quotes", "traffic", "alerts", "report"})
    text = json.dumps(shared, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def queue_for(tags: Iterable[str]) -> str:
    """The queue of jobs needing exactly these tags: `aipulse`, `aipulse:cn`, `aipulse:browser+cn`."""
    wanted = sorted(set(tags))
    return DEFAULT_QUEUE if not wanted else f"{DEFAULT_QUEUE}:{'+'.join(wanted)}"


def tags_of_queue(queue: str) -> tuple[str, ...]:
    """The tags a queue's jobs need (the inverse of `queue_for`)."""
    _, _, tail = queue.partition(":")
    return tuple(tail.split("+")) if tail else ()


def queues_covered(tags: Sequence[str]) -> list[str]:
    """Every queue a worker with `tags` may serve: those of each subset of its tags (the empty one included)."""
    unique = sorted(set(tags))
    if len(unique) > 8:
        raise ClusterError(f"a worker covers at most 8 tags, got {len(unique)}: {', '.join(unique)}")
    subsets = itertools.chain.from_iterable(itertools.combinations(unique, n) for n in range(len(unique) + 1))
    return [queue_for(subset) for subset in subsets]


def slot_offset(source: str, slot: datetime, jitter: timedelta | None) -> timedelta:
    """The jitter of one (source, slot): the same in every scheduler, spread over [0, jitter)."""
    if not jitter or jitter <= timedelta(0):
        return timedelta(0)
    digest = hashlib.sha256(f"{source}@{slot.isoformat()}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return timedelta(seconds=round(jitter.total_seconds() * fraction, 3))


def make_app(url: str) -> procrastinate.App:
    """A procrastinate app on the database of `url` (opened by its user: `run_worker` or `app.open()`)."""
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))


def ensure_queue_schema(url: str) -> bool:
    """Install the queue's tables unless present (under a lock: many processes may start at once)."""
    with psycopg.connect(conninfo(url)) as connection, connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is not None and row[0] is not None:
            return False
        connection.execute(SchemaManager.get_schema())
        return True
