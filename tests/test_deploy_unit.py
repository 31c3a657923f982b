"""deploy/aipulse.service: systemd accepts it, and every path the daemon writes is writable under ProtectSystem."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "deploy" / "aipulse.service"


def _service() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith(("#", "[")):
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_report_folder_and_the_caches_are_writable() -> None:
    service = _service()
    writable = " ".join(service["ReadWritePaths"]).split()
    assert "/opt/aipulse/data" in writable and "-/opt/aipulse/reports" in writable
    assert service["CacheDirectory"] == ["aipulse"] and service["StateDirectory"] == ["aipulse"]
    environment = " ".join(service["Environment"])
    assert "MPLCONFIGDIR=/var/cache/aipulse/" in environment and "XDG_CACHE_HOME=/var/cache/aipulse" in environment


def test_the_unit_file_parses_as_ini() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    assert {"Unit", "Service", "Install"} <= set(parser.sections())


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verify_finds_nothing_to_say(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: the same unit, rooted in a folder that holds the venv's entry point.
    root = tmp_path / "opt" / "aipulse"
    entry = root / ".venv" / "bin" / "aipulse"
    entry.parent.mkdir(parents=True)
    entry.write_text("#!/bin/sh\n")
    entry.chmod(0o755)
    unit = tmp_path / "aipulse.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace("/opt/aipulse", str(root)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    problems = [line for line in done.stderr.splitlines() if str(unit) in line]
    assert problems == []
