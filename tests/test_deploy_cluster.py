"""deploy/: the scheduler and worker units, and the compose file of a cluster (PostgreSQL, 2 schedulers, 3 workers)."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
import yaml

from monitor.cli import build_parser

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def exec_start(unit: str) -> str:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((DEPLOY / unit).read_text(encoding="utf-8"))
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    return parser["Service"]["ExecStart"]


@pytest.mark.parametrize(
    ("unit", "command"),
    [("aipulse-scheduler.service", "run --role scheduler"), ("aipulse-worker.service", "worker --tags")],
)
def test_the_cluster_units_start_their_role(unit: str, command: str) -> None:
    assert command in exec_start(unit)


def test_the_compose_file_runs_postgresql_two_schedulers_and_three_workers_one_with_chromium() -> None:
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    commands = {name: service.get("command") for name, service in services.items()}

    assert services["postgres"]["image"].startswith("postgres:")
    assert [c for c in commands.values() if c and c[:3] == ["run", "--role", "scheduler"]] != []
    assert sum(1 for c in commands.values() if c and c[:2] == ["run", "--role"]) == 2
    assert sum(1 for c in commands.values() if c and c[0] == "worker") == 3
    assert services["worker-browser"]["build"]["args"] == {"WITH_CHROMIUM": "1"}
    for command in filter(None, commands.values()):  # every command parses as the CLI defines it
        build_parser().parse_args(["--config", "/etc/aipulse/aipulse.toml", *command])
