"""attnlint run in a subprocess that imports another transformers release, for the matrix tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from runtime.envs import REFERENCE_VERSION, pythonpath

ROOT = Path(__file__).resolve().parents[2]
#: The releases of the CI matrix on which the rule data's records and fix lists are checked.
VERSIONS = ["4.51.0", "4.51.3", "4.52.4", "4.55.4", REFERENCE_VERSION]


def release_env(version: str) -> dict[str, str]:
    """The environment of a subprocess importing transformers `version` (installed on first use) and
    this checkout's attnlint."""
    path = os.pathsep.join(p for p in (pythonpath(version), str(ROOT)) if p)
    return {**os.environ, "PYTHONPATH": path}


@cache
def probe_json(version: str, mode: str) -> dict[str, Any]:
    """What `attnlint probe <mode> --output-format json` prints on `version` (mode: --verify-rules or
    --verify-fixes; exit 1 only says that something failed, which the callers assert on)."""
    proc = subprocess.run(
        [sys.executable, "-m", "attnlint", "probe", mode, "--output-format", "json", "--quiet"],
        env=release_env(version), capture_output=True, text=True, timeout=3600, cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["transformers"] == version
    return data
