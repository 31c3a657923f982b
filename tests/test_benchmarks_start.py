"""Each benchmark runs as the README says, `python benchmarks/<name>.py` (no module shadows a package of ours)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py"))
PACKAGES = {"core", "storage", "spiders", "alerts", "monitor"}


def test_no_benchmark_is_named_like_a_package() -> None:
    assert BENCHMARKS and not {path.stem for path in BENCHMARKS} & PACKAGES


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda path: path.name)
def test_a_benchmark_starts_as_a_script(script: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
