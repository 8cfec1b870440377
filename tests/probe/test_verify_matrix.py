"""Every rule's prediction, run on each transformers release of the CI matrix (marker `matrix`).

For each release, `attnlint probe --verify-rules` runs in its own interpreter with the release's
folder first on PYTHONPATH (tests/runtime/envs.py builds it). No rule may fail its prediction, and
the `reproduced` records in the rule data must say exactly what these runs show for those releases.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from attnlint.knowledge import rules

pytestmark = pytest.mark.matrix

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("matrix_envs", ROOT / "tests" / "runtime" / "envs.py")
assert _spec is not None and _spec.loader is not None
envs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(envs)

VERSIONS = ["4.51.0", "4.51.3", "4.52.4", "4.55.4", envs.REFERENCE_VERSION]


@cache
def verify_on(version: str) -> dict[str, Any]:
    folder = envs.ensure(version)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder) if folder else "", str(ROOT)) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "attnlint", "probe", "--verify-rules", "--output-format", "json", "--quiet"],
        env=env, capture_output=True, text=True, timeout=3600, cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["transformers"] == version
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_every_prediction_holds(version: str) -> None:
    failed = [v for v in verify_on(version)["verdicts"] if v["result"] == "fails"]
    assert not failed, json.dumps(failed, indent=2)


@pytest.mark.parametrize("version", VERSIONS)
def test_reproduction_records_match_the_run(version: str) -> None:
    run = verify_on(version)
    verdicts = run["verdicts"]
    for rule in rules():
        mine = [v for v in verdicts if v["code"] == rule.code and v["result"] == "holds"]
        if not mine:
            continue
        affected = any(v["in_range"] for v in mine)
        # records of the same release on another stack (a CUDA session's) say what that stack showed
        records = [r for r in rule.reproduced
                   if r.transformers == version and r.device == run["device"] and r.torch == run["torch"]]
        assert records, f"{rule.code}: ran on {version} (affected={affected}) but no `reproduced` record"
        assert all(r.affected == affected for r in records), (rule.code, version, records)
