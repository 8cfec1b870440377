"""Every rule's prediction, run on each transformers release of the CI matrix (marker `matrix`).

For each release, `attnlint probe --verify-rules` runs in its own interpreter with the release's
folder first on PYTHONPATH (tests/runtime/envs.py builds it). No rule may fail its prediction, and
the `reproduced` records in the rule data must say exactly what these runs show for those releases.
"""

from __future__ import annotations

import json

import pytest

from attnlint.knowledge import rules

from .matrix import VERSIONS, probe_json

pytestmark = pytest.mark.matrix


@pytest.mark.parametrize("version", VERSIONS)
def test_every_prediction_holds(version: str) -> None:
    failed = [v for v in probe_json(version, "--verify-rules")["verdicts"] if v["result"] == "fails"]
    assert not failed, json.dumps(failed, indent=2)


@pytest.mark.parametrize("version", VERSIONS)
def test_reproduction_records_match_the_run(version: str) -> None:
    run = probe_json(version, "--verify-rules")
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
