"""The wheel carries what `aipulse demo` and `aipulse verify` read: the bundled config and every fixture case."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from monitor.demo import demo_sources
from monitor.replay import fixtures_root

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_the_wheel_ships_the_config_and_every_fixture(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path)]
    done = subprocess.run([*command, str(ROOT)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    [wheel] = tmp_path.glob("aipulse-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "core/config/default_config.toml" in names
    shipped = {
        p.relative_to(fixtures_root().parent.parent).as_posix() for p in fixtures_root().rglob("*") if p.is_file()
    }
    assert shipped <= names, sorted(shipped - names)[:5]
    for source in demo_sources():
        assert any(name.startswith(f"spiders/fixtures/{source}/") for name in names), source
    web = ROOT / "monitor" / "web"
    assets = {p.relative_to(ROOT).as_posix() for folder in ("templates", "static") for p in (web / folder).iterdir()}
    assert assets and assets <= names, sorted(assets - names)[:5]  # the dashboard works offline from the wheel
