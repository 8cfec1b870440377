"""Every fix of the rule data, run on each transformers release of the CI matrix (marker `matrix`).

For each release, `attnlint probe --verify-fixes` runs in its own interpreter with the release's
folder first on PYTHONPATH (tests/runtime/envs.py builds it): every fix the evaluator offers there,
with the fixes the fixer would chain after it, ends in a configuration that either runs and matches
eager or still has findings the fixer reports. The `verified` lists of the rule data must say exactly
which fixes these runs proved on each release.
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

from attnlint.knowledge import rule_by_code

pytestmark = pytest.mark.matrix

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("matrix_envs", ROOT / "tests" / "runtime" / "envs.py")
assert _spec is not None and _spec.loader is not None
envs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(envs)

VERSIONS = ["4.51.0", "4.51.3", "4.52.4", "4.55.4", envs.REFERENCE_VERSION]


@cache
def verify_fixes_on(version: str) -> dict[str, Any]:
    folder = envs.ensure(version)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder) if folder else "", str(ROOT)) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "attnlint", "probe", "--verify-fixes", "--output-format", "json", "--quiet"],
        env=env, capture_output=True, text=True, timeout=3600, cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["transformers"] == version
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_no_fixed_configuration_that_attnlint_calls_clean_fails(version: str) -> None:
    fixes = verify_fixes_on(version)["fixes"]
    assert fixes, f"no fix is offered on {version}"
    failed = [v for v in fixes if v["result"] == "fails"]
    assert not failed, json.dumps(failed, indent=2)


@pytest.mark.parametrize("version", VERSIONS)
def test_verified_lists_match_the_run(version: str) -> None:
    fixes = verify_fixes_on(version)["fixes"]
    proven = {(v["code"], v["index"]) for v in fixes if v["result"] == "proven"}
    for code, rule in rule_by_code().items():
        for index, fix in enumerate(rule.fixes):
            assert ((code, index) in proven) == (version in fix.verified), (code, index, fix.description)
