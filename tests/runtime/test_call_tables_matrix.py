"""knowledge/calls.toml on the matrix releases: each runs every row (tests/call_tables_run.py).

4.52.4 is inside the range where Gemma2's configuration takes cache_implementation, 4.53.3 just
outside it; 4.54.0/4.55.4 are the releases whose cache constructors forward `**kwargs` to their layers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .envs import pythonpath

pytestmark = pytest.mark.matrix

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version", ["4.52.4", "4.53.3", "4.54.0", "4.55.4"])
def test_release_behaves_as_the_tables_say(version: str) -> None:
    path = os.pathsep.join(p for p in (pythonpath(version), str(REPO)) if p)
    run = subprocess.run(
        [sys.executable, str(REPO / "tests" / "call_tables_run.py")],
        env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []
