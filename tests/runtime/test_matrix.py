"""The version matrix: without the guard each version fails as observed; with it, every cache works.

One subprocess per (version, mode), `PYTHONPATH=.matrix/<version>` over the venv (torch 2.13 CPU).
The reference is eager attention on the venv's transformers 5.24.0 with the same saved weights:
4.51.0's own eager is wrong past attention_chunk_size, so no version is its own reference. Outside
attention, 4.51.0 computes ~8e-5 away from 5.24.0 (its eager does too, where eager is right), so the
logit tolerance is 1e-4 plus that version's own eager-vs-reference distance, and strictly 1e-4 against
the same version's eager where that eager is right (no chunk crossing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .envs import VENV_VERSION, ensure

pytestmark = pytest.mark.matrix

HERE = Path(__file__).parent
VERSIONS = ["4.51.0", "4.51.3", "4.52.4", "4.55.4", VENV_VERSION]
RETURN_LSE = ("InductorError",
              "torch.compile on CPU only supports inference and `return_lse` is not supported yet")
PAD_NONE = ("TypeError", "pad(): argument 'pad' failed to unpack the object at pos 2 with error "
                         "\"type must be tuple of ints,but got NoneType\"")
BLOCK_SIZE = ("ValueError", "block_mask was created for block_mask.shape=")
UNPACK_4D = ("ValueError", "too many values to unpack (expected 2)")

#: version -> case -> (error type, message text) observed without the guard
UNGUARDED: dict[str, dict[str, tuple[str, str]]] = {
    "4.51.0": {"default": PAD_NONE, "dynamic": PAD_NONE},
    "4.51.3": {"default": RETURN_LSE, "dynamic": RETURN_LSE, "dynamic-uncompiled-kernel": BLOCK_SIZE},
    "4.52.4": {"default": UNPACK_4D, "static": UNPACK_4D, "dynamic": RETURN_LSE,
               "dynamic-uncompiled-kernel": BLOCK_SIZE},
    "4.55.4": {"default": RETURN_LSE, "dynamic": RETURN_LSE},
}
#: rules the guard reports at guard time per version (CPU, torch 2.13)
GUARD_CODES = {"4.51.0": {"ATN101", "ATN114"}, "4.51.3": {"ATN114"}, "4.52.4": {"ATN113", "ATN114"},
               "4.55.4": {"ATN114"}, VENV_VERSION: {"ATN206"}}


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("matrix")
    _run(VENV_VERSION, "reference", folder)
    return folder


def _run(version: str, mode: str, work: Path) -> Any:
    return _cached(version, mode, str(work))


@cache
def _cached(version: str, mode: str, work: str) -> Any:
    env = dict(os.environ)
    path = ensure(version)
    env["PYTHONPATH"] = str(path) if path is not None else ""
    proc = subprocess.run(
        [sys.executable, str(HERE / "cases.py"), mode, work], env=env, capture_output=True, text=True,
        timeout=900, cwd=HERE.parents[1],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["transformers"] == version
    return result["result"]


@pytest.mark.parametrize("version", [v for v in VERSIONS if v in UNGUARDED])
def test_known_failure_reproduces_without_guard(version: str, work: Path) -> None:
    result = _run(version, "unguarded", work)
    assert set(result) == set(UNGUARDED[version])
    for case, (error, text) in UNGUARDED[version].items():
        assert result[case]["error"] == error, (case, result[case])
        assert text in result[case]["message"], (case, result[case])


def test_static_cache_drifts_without_guard_on_5_24(work: Path) -> None:
    result = _run(VENV_VERSION, "unguarded", work)["static-uncompiled-kernel"]
    assert result["error"] is None
    assert result["max_logit_delta"] > 1e-2  # the aliased q_offset; the guard's copy stays under 1e-4


@pytest.mark.parametrize("version", VERSIONS)
def test_guarded_generation_matches_reference(version: str, work: Path) -> None:
    result = dict(_run(version, "guarded", work))
    floor = result.pop("floor")  # this version's own eager vs the 5.24.0 reference where both are right
    assert floor < 1e-4
    assert result, "no cases ran"
    for case, outcome in result.items():
        assert "error" not in outcome, (case, outcome)
        assert outcome["tokens_equal"], (case, outcome)
        assert outcome["max_logit_delta"] < 1e-4 + floor, (case, outcome)
        if outcome["local_eager_delta"] is not None:  # same version, same numerics: strict
            assert outcome["local_eager_delta"] < 1e-4, (case, outcome)
        assert outcome["restored"], case
        assert GUARD_CODES[version] <= set(outcome["codes"]), (case, outcome["codes"])
    explicit_dynamic = [o["codes"] for c, o in result.items() if c.endswith("/dynamic")]
    if version in ("4.51.3", "4.52.4"):
        assert all("ATN112" in codes for codes in explicit_dynamic)
    if version == VENV_VERSION:
        assert all("ATN205" in o["codes"] for c, o in result.items() if c.endswith("/static"))


def test_guard_avoids_compiled_cpu_flex(work: Path) -> None:
    """Unguarded 5.24.0 compiles flex for CPU (torch 2.13): with chunk 8 that fails in torch's C++
    codegen here (and kv 8 mod 16 was seen computing wrong outputs); the guard never compiles on CPU."""
    result = _run(VENV_VERSION, "compiled", work)
    unguarded = result["unguarded"]
    broken = unguarded["error"] is not None or max(unguarded["step_delta"]) > 1e-2
    assert broken, unguarded
    if unguarded["error"] is not None:
        assert unguarded["error"] == "InductorError" and "C++ compile error" in unguarded["message"]
    guarded = result["guarded"]
    assert guarded["tokens_equal"] and guarded["max_logit_delta"] < 1e-4
    assert guarded["compiled_kernels"] == 0
