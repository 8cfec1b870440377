"""Every fix of the rule data, run on each transformers release of the CI matrix (marker `matrix`).

For each release, `attnlint probe --verify-fixes` runs in its own interpreter with the release's
folder first on PYTHONPATH (tests/runtime/envs.py builds it): every fix the evaluator offers there,
with the fixes the fixer would chain after it, ends in a configuration that either runs and matches
eager or still has findings the fixer reports. The `verified` lists of the rule data must say exactly
which fixes these runs proved on each release, and every fix whose range holds the release is proven
there or says why the probe cannot prove it on CPU (and is then never safe).
"""

from __future__ import annotations

import json

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from attnlint.knowledge import rule_by_code
from attnlint.knowledge.schema import FixSpec, Rule
from attnlint.probe.verify import in_range

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


def applies(rule: Rule, fix: FixSpec, version: str, torch: str) -> bool:
    """Whether the fix's range holds this release: a pin, the releases it keeps; any other fix, its
    own range within the rule's (for a name rule, a release that does not know a probe's name)."""
    release = Version(version)
    if fix.action == "pin":
        return Requirement(fix.value).specifier.contains(release, prereleases=True)
    if fix.transformers and not fix.specifier.contains(release, prereleases=True):
        return False
    if rule.kind in ("unknown-attn", "unknown-cache"):
        return any(in_range(rule, probe, version, torch, "cpu") for probe in rule.probes)
    return rule.transformers_spec.contains(release, prereleases=True) and rule.torch_spec.contains(
        Version(torch).base_version, prereleases=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_fix_in_range_is_proven_or_says_why_it_cannot_be(version: str) -> None:
    """A fix the probe cannot prove on CPU says why (`unproven`, or the rule's `unprobed`) and is
    unsafe, so the fixer never applies it without --unsafe-fixes."""
    data = probe_json(version, "--verify-fixes")
    proven = {(v["code"], v["index"]) for v in data["fixes"] if v["result"] == "proven"}
    wrong = []
    for code, rule in rule_by_code().items():
        for index, fix in enumerate(rule.fixes):
            if not applies(rule, fix, version, data["torch"]) or (code, index) in proven:
                continue
            if not (fix.unproven or rule.unprobed) or fix.applicability == "safe":
                wrong.append(f"{code} fix {index} ({fix.action} {fix.value}, {fix.applicability})")
    assert not wrong, f"not proven on {version} and not recorded as unprovable (or called safe): {wrong}"
