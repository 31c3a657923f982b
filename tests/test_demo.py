"""`aipulse demo` replays the fixtures on 127.0.0.1 and prints what the whole chain stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_demo_prints_the_stored_azure_offers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "azure_gpu: succeeded, 4 stored, 0 dropped" in done.stdout
    assert "Standard_NC24ads_A100_v4" in done.stdout
    assert "3.673 USD" in done.stdout
    assert not list(tmp_path.iterdir()), "the demo leaves nothing behind in the working directory"
