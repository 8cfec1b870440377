"""Every environment the matrix and `attnlint probe --verify-rules` can ask for imports its release.

Marked `matrix`: on a fresh machine this installs each release of tests/runtime/envs.py's DEPS (once;
later runs reuse the cache). A release whose pinned dependencies are missing (5.13.0 imports httpx,
which the interpreter's huggingface-hub 2.x does not bring) fails here instead of in a probe.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .envs import DEPS, pythonpath

pytestmark = pytest.mark.matrix


@pytest.mark.parametrize("version", sorted(DEPS))
def test_release_imports_with_its_models(version: str) -> None:
    env = {**os.environ, "PYTHONPATH": pythonpath(version)}
    code = ("import transformers; from transformers import LlamaForCausalLM, Gemma2ForCausalLM; "
            "print(transformers.__version__)")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == version
