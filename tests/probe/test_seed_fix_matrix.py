"""The seed (examples/seed) fixed by `attnlint fix`, run on transformers 4.51.0 on CPU (marker `matrix`).

What must hold: the seed fixed with safe fixes only runs on 4.51.0 on CPU and gives eager's tokens;
if no safe fix can achieve that on CPU, `attnlint fix` says so and the check still reports it.

The fixed script's configuration (attention and cache, read back from the fixed file by the same
extractor `check` uses) runs on a tiny random Llama4ForConditionalGeneration built from its config
class, flex compiled as user code runs it, against eager on the same weights. The seed loads with
`device_map="auto"`, which is the CPU on a machine without a GPU: plain `fix` and `check` report the
CPU finding as a warning that says so; the same script loaded without a device is known to run on the
CPU, and then they report it as an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attnlint.extract.python import extract_python
from attnlint.probe.cases import DEFAULT, Case
from attnlint.probe.runner import run_cases

from .matrix import ROOT, release_env

pytestmark = pytest.mark.matrix


def _attnlint(folder: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "attnlint", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def _seed(tmp_path: Path, placed: bool) -> Path:
    folder = tmp_path / "seed"
    shutil.copytree(ROOT / "examples" / "seed", folder)
    if not placed:
        script = folder / "generate.py"
        script.write_text(script.read_text(encoding="utf-8").replace('    device_map="auto",\n', ""),
                          encoding="utf-8")
    return folder


def _configuration(script: Path) -> Case:
    """The attention and cache the fixed script's generate call runs with, as `check` reads them."""
    [use] = extract_python(script.read_text(encoding="utf-8"), str(script))
    attn = next((s.value for s in use.attn), DEFAULT)
    cache = next((s.value for s in use.cache), DEFAULT)
    return Case("llama4", str(attn), str(cache), kernel="compiled")


def _run_on_451(case: Case) -> tuple[str, str, str]:
    stack = run_cases([case], env=release_env("4.51.0"), timeout=600)
    assert stack.transformers == "4.51.0"
    [outcome] = stack.outcomes
    return outcome.status, outcome.error_type, outcome.detail


@pytest.mark.parametrize("placed", [True, False], ids=["device_map=auto", "no device"])
def test_the_fixed_seed_runs_like_eager_or_fix_says_it_cannot(tmp_path: Path, placed: bool) -> None:
    folder = _seed(tmp_path, placed)
    _, fixed = _attnlint(folder, "fix", ".")
    assert "ATN101" not in _attnlint(folder, "check", ".")[1]  # the safe fix cured the seed case
    case = _configuration(folder / "generate.py")
    assert (case.attn, case.cache) == ("flex_attention", "hybrid")
    status, error, detail = _run_on_451(case)
    if status == "OK":
        return  # the safe fix gives eager's tokens on CPU
    # No safe fix achieves it on CPU: compiled flex on 4.51.0 asks for return_lse (ATN114), fix says
    # so (a remaining finding), offers no unsafe fix for it (the switch to sdpa would cause ATN117,
    # so --unsafe-fixes rolls it back: below), and the check still reports it.
    assert (status, error) == ("FAIL", "InductorError") and "return_lse" in detail, detail
    assert "ATN114" in fixed and "(1 remaining)" in fixed and "--unsafe-fixes" not in fixed, fixed
    code, checked = _attnlint(folder, "check", ".")
    assert code == 1 and "ATN114" in checked, checked
    if placed:
        assert "the CPU on a machine without a GPU)" in checked and "Found 1 warning." in checked
    else:
        assert "on device 'cpu' (loaded on line" in checked


def test_the_unsafe_chain_into_the_hybrid_sdpa_crash_is_refused(tmp_path: Path) -> None:
    """--unsafe-fixes used to add hybrid (ATN101) and then switch to sdpa (ATN114): Llama4 sdpa + hybrid
    raises RuntimeError on 4.51.0 (ATN117), so the re-checked rounds roll the switch back."""
    folder = _seed(tmp_path, placed=False)
    _, fixed = _attnlint(folder, "fix", "--unsafe-fixes", ".")
    assert "ATN114 not fixed: fix rolled back: the fix would cause ATN117" in fixed, fixed
    case = _configuration(folder / "generate.py")
    assert (case.attn, case.cache) == ("flex_attention", "hybrid")
    sdpa_hybrid = Case("llama4", "sdpa", "hybrid")
    status, error, detail = _run_on_451(sdpa_hybrid)
    assert (status, error) == ("FAIL", "RuntimeError") and "must match the size of tensor b" in detail, detail
