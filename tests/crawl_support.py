"""Helpers for tests that run real crawls: a config pointing a source at the replay server, fast settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from core.config import AppConfig, load_config
from monitor.replay import Reply, Route, case_reply, fixture_routes, fixtures_root
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun, GpuOffer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = fixtures_root()

#: Scrapy settings that keep crawls against the local server fast (no politeness delay, quick retries).
FAST_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_BACKOFF_MAX": 0.2,
}
AZURE_PATH = "/api/retail/prices"


def azure_page(case: str) -> Reply:
    """A recorded Azure page as a reply."""
    return case_reply("azure_gpu", case)


def azure_routes() -> list[Route]:
    """Both pages of the recorded two-page Azure answer (told apart by `$skip`, as recorded in meta.json)."""
    return fixture_routes({"azure_gpu": ["gpu_two_pages_page1", "gpu_two_pages_page2"]})


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def write_config(
    directory: Path,
    database_url: str,
    sources: dict[str, dict[str, Any]],
    daemon: dict[str, Any] | None = None,
) -> Path:
    """Write an aipulse.toml with the given source sections (each gets FAST_SETTINGS unless it sets its own)."""
    lines = ["[database]", f"url = {_toml_value(database_url)}", "", "[daemon]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in (daemon or {}).items()]
    for source_id, options in sources.items():
        options = dict(options)
        options["settings"] = {**FAST_SETTINGS, **options.get("settings", {})}
        lines += ["", f"[sources.{source_id}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in options.items()]
    path = directory / "aipulse.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def azure_config(directory: Path, database_url: str, server_url: str, **options: Any) -> AppConfig:
    """A loaded config with azure_gpu pointed at the replay server."""
    section = {"every": "1h", "endpoint": server_url + AZURE_PATH, **options}
    return load_config(write_config(directory, database_url, {"azure_gpu": section}))


def migrated(url: str) -> Engine:
    """An engine on a database migrated to the newest schema."""
    engine = create_db_engine(url)
    upgrade(engine)
    return engine


def count_offers(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(GpuOffer)) or 0)


def runs(engine: Engine) -> list[CrawlRun]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def scrapy_crawl(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `scrapy …` as a user would, in a directory holding the project's scrapy.cfg."""
    (cwd / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text(encoding="utf-8"), encoding="utf-8")
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def warm_spares(parent_pid: int) -> list[int]:
    """The pids of `parent_pid`'s children that run the warm spare crawl process (spiders.scrapy_warm)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (proc / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent_pid and b"spiders.scrapy_warm" in command:
            found.append(int(proc.name))
    return found
