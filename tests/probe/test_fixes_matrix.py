"""Every fix of the rule data, run on each transformers release of the CI matrix (marker `matrix`).

For each release, `attnlint probe --verify-fixes` runs in its own interpreter with the release's
folder first on PYTHONPATH (tests/runtime/envs.py builds it): every fix the evaluator offers there,
with the fixes the fixer would chain after it, ends in a configuration that either runs and matches
eager or still has findings the fixer reports. The `verified` lists of the rule data must say exactly
which fixes these runs proved on each release.
"""

from __future__ import annotations

import json

import pytest

from attnlint.knowledge import rule_by_code

from .matrix import VERSIONS, probe_json

pytestmark = pytest.mark.matrix


@pytest.mark.parametrize("version", VERSIONS)
def test_no_fixed_configuration_that_attnlint_calls_clean_fails(version: str) -> None:
    fixes = probe_json(version, "--verify-fixes")["fixes"]
    assert fixes, f"no fix is offered on {version}"
    failed = [v for v in fixes if v["result"] == "fails"]
    assert not failed, json.dumps(failed, indent=2)


@pytest.mark.parametrize("version", VERSIONS)
def test_verified_lists_match_the_run(version: str) -> None:
    fixes = probe_json(version, "--verify-fixes")["fixes"]
    proven = {(v["code"], v["index"]) for v in fixes if v["result"] == "proven"}
    for code, rule in rule_by_code().items():
        for index, fix in enumerate(rule.fixes):
            assert ((code, index) in proven) == (version in fix.verified), (code, index, fix.description)
