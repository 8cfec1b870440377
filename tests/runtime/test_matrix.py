"""The version matrix: without the guard each version fails as observed; with it, every cache works.

Marked `matrix` and deselected by default (pyproject's addopts); `python -m pytest -m matrix` runs it,
as `.ci/run` does after the default suite. One subprocess per (version, mode), with the version's
cached folder (tests/runtime/envs.py) ahead of the interpreter's packages (torch 2.13 CPU).
The reference is eager attention on transformers 5.24.0 (REFERENCE_VERSION) with the same weights:
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

from .envs import REFERENCE_VERSION, pythonpath

pytestmark = pytest.mark.matrix

HERE = Path(__file__).parent
REPO = HERE.parents[1]
VERSIONS = ["4.51.0", "4.51.3", "4.52.4", "4.55.4", REFERENCE_VERSION]
RETURN_LSE = ("InductorError",
              "torch.compile on CPU only supports inference and `return_lse` is not supported yet")
PAD_NONE = ("TypeError", "pad(): argument 'pad' failed to unpack the object at pos 2 with error "
                         "\"type must be tuple of ints,but got NoneType\"")
BLOCK_SIZE = ("ValueError", "block_mask was created for block_mask.shape=")
UNPACK_4D = ("ValueError", "too many values to unpack (expected 2)")

#: version -> case -> (error type, message text) observed without the guard
UNGUARDED: dict[str, dict[str, tuple[str, str]]] = {
    "4.51.0": {"default": PAD_NONE, "dynamic": PAD_NONE, "static": BLOCK_SIZE},
    "4.51.3": {"default": RETURN_LSE, "dynamic": RETURN_LSE, "dynamic-uncompiled-kernel": BLOCK_SIZE,
               "static": BLOCK_SIZE},
    "4.52.4": {"default": UNPACK_4D, "static": UNPACK_4D, "dynamic": RETURN_LSE,
               "dynamic-uncompiled-kernel": BLOCK_SIZE},
    "4.55.4": {"default": RETURN_LSE, "dynamic": RETURN_LSE},
}


def expected_codes(version: str, *caches: str) -> set[str]:
    """The rules the knowledge base matches for the matrix model (tiny Llama4, flex, CPU, float32) on
    `version` and the interpreter's torch, with each cache_implementation in `caches` ("": unset)."""
    from importlib.metadata import version as dist_version

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    from attnlint.evaluate import evaluate
    from attnlint.extract.live import cache_setting
    from attnlint.facts import ModelUse, Setting, Target

    def runtime(value: str, keyword: str) -> list[Setting]:
        return [Setting(value=value, origin="runtime", keyword=keyword)]

    torch_release = Version(dist_version("torch")).base_version
    target = Target(transformers=SpecifierSet(f"=={version}"), torch=SpecifierSet(f"=={torch_release}"))
    codes: set[str] = set()
    for name in caches:
        setting = cache_setting(name or None)
        use = ModelUse(path="<matrix>", model_types=frozenset({"llama4_text"}),
                       attn=runtime("flex_attention", "attn_implementation"),
                       cache=[setting] if setting is not None else [],
                       flags={"device": runtime("cpu", "device"), "dtype": runtime("float32", "dtype")})
        codes.update(d.code for d in evaluate([use], target))
    return codes


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("matrix")
    _run(REFERENCE_VERSION, "reference", folder)
    return folder


def _run(version: str, mode: str, work: Path) -> Any:
    return _cached(version, mode, str(work))


@cache
def _cached(version: str, mode: str, work: str) -> Any:
    # the version's folder first (its transformers), then this checkout (its attnlint)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (pythonpath(version), str(REPO)) if p)}
    proc = subprocess.run(
        [sys.executable, str(HERE / "cases.py"), mode, work], env=env, capture_output=True, text=True,
        timeout=900, cwd=REPO,
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
    result = _run(REFERENCE_VERSION, "unguarded", work)["static-uncompiled-kernel"]
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
        cache = case.split("/")[1]
        assert set(outcome["codes"]) == expected_codes(version, "", "" if cache == "default" else cache), case


def test_guard_avoids_compiled_cpu_flex(work: Path) -> None:
    """Unguarded 5.24.0 compiles flex for CPU (torch 2.13): with chunk 8 that fails in torch's C++
    codegen here (and kv 8 mod 16 was seen computing wrong outputs); the guard never compiles on CPU."""
    result = _run(REFERENCE_VERSION, "compiled", work)
    unguarded = result["unguarded"]
    broken = unguarded["error"] is not None or max(unguarded["step_delta"]) > 1e-2
    assert broken, unguarded
    if unguarded["error"] is not None:
        assert unguarded["error"] == "InductorError" and "C++ compile error" in unguarded["message"]
    guarded = result["guarded"]
    assert guarded["tokens_equal"] and guarded["max_logit_delta"] < 1e-4
    assert guarded["compiled_kernels"] == 0


@pytest.mark.parametrize("version", ["4.51.0", "4.52.4"])
def test_per_call_static_cache_is_diagnosed_before_the_call_runs(version: str, work: Path) -> None:
    """warn mode: the call's own warning names what the rule base matches for it, though those rules
    were reported at guard time already; raise mode raises an attnlint error, never the crash."""
    result = _run(version, "per-call", work)
    call = "[generate(cache_implementation='static')]"
    lines = [m for m in result["warn"]["messages"] if call in m]
    assert len(lines) == 1, result["warn"]
    expected = expected_codes(version, "static")
    assert expected and all(code in lines[0] for code in expected), (lines, expected)
    assert result["warn"]["error"] is not None  # unrepaired in warn mode, the call still crashes after
    assert result["raise"]["code"] in expected_codes(version, "", "static"), result["raise"]
