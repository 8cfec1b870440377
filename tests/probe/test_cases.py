"""The probe's case data and matrix rendering, without running any model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from attnlint.cli import build_parser
from attnlint.probe.cases import CacheCall, Case, Outcome, cache_constructor, default_cases
from attnlint.probe.command import select_cases
from attnlint.probe.options import DEFAULT_MODELS
from attnlint.probe.render import render_text
from attnlint.probe.runner import ProbeError, Stack, run_cases


def test_case_and_outcome_round_trip_through_json() -> None:
    case = Case("gemma2", "sdpa", "hybrid", "folder", overrides=(("sliding_window", 4),), new_tokens=16)
    assert Case.from_json(case.to_json()) == case
    outcome = Outcome(case, "MISMATCH", first_diff=3, max_diff=0.5, warnings=("w",))
    assert Outcome.from_json(outcome.to_json()) == outcome
    assert outcome.to_json()["id"] == "gemma2/sdpa/hybrid/folder/sliding_window=4/new=16"


@pytest.mark.parametrize(
    ("cache", "call"),
    [
        ("static", None),  # a cache_implementation name, not an object
        ("object:DynamicCache", CacheCall("DynamicCache")),
        ("object:DynamicCache(config=config)", CacheCall("DynamicCache", (), (("config", "config"),))),
        ("object:StaticCache(config, 1, max_cache_len=64)",
         CacheCall("StaticCache", ("config", 1), (("max_cache_len", 64),))),
    ],
)
def test_cache_constructor_reads_the_case_cache(cache: str, call: CacheCall | None) -> None:
    assert cache_constructor(cache) == call


@pytest.mark.parametrize("cache", [
    "object:DynamicCache(device=cuda)", "object:StaticCache(max_cache_len=64, config)",
    "object:StaticCache(config", "object:os.system(1)",
])
def test_cache_constructor_refuses_what_it_cannot_build(cache: str) -> None:
    with pytest.raises(ValueError):
        cache_constructor(cache)


def test_default_matrix_covers_every_model_attention_cache_and_form() -> None:
    cases = default_cases()
    assert len({c.id for c in cases}) == len(cases)
    assert {c.model for c in cases} == set(DEFAULT_MODELS)
    assert {(c.attn, c.cache) for c in cases if c.model == "llama4_text" and c.form == "kwarg"} >= {
        ("flex_attention", "default"), ("sdpa", "static"), ("eager", "hybrid")}
    assert {c.form for c in cases if c.attn == "flex_attention"} == {"kwarg", "config", "folder"}


def test_selection_narrows_and_sets_the_flex_kernel() -> None:
    parser = build_parser()
    args = parser.parse_args(["probe", "--models", "llama", "--attn", "flex_attention", "--forms", "kwarg"])
    chosen = select_cases(args)
    assert chosen and all(c.attn == "flex_attention" and c.form == "kwarg" for c in chosen)
    assert {c.kernel for c in chosen} == {"uncompiled"}
    cuda = select_cases(parser.parse_args(["probe", "--device", "cuda", "--models", "llama"]))
    assert {c.kernel for c in cuda} == {"compiled"}
    with pytest.raises(ValueError, match="unknown model type"):
        select_cases(parser.parse_args(["probe", "--models", "nope"]))


def test_matrix_text_has_one_grid_per_model_with_notes() -> None:
    stack = Stack("5.24.0", "2.13.0", outcomes=[
        Outcome(Case("llama", "sdpa"), "OK", max_diff=1e-6),
        Outcome(Case("llama", "sdpa", "static"), "FAIL", "ValueError", "boom"),
        Outcome(Case("llama", "eager", "static"), "FAIL", "ValueError", "boom"),
        Outcome(Case("gpt_oss", "sdpa"), "SKIP", message="transformers 4.51.0 has no GptOssForCausalLM"),
        Outcome(Case("llama", "flex_attention", "static"), "MISMATCH", first_diff=1, max_diff=7.4),
    ])
    text = render_text(stack)
    assert "llama:" in text and "gpt_oss:" in text
    assert "FAIL [1]" in text and "[1] FAIL ValueError: boom" in text
    assert text.count("[1] FAIL") == 1  # one note for both identical failures
    assert "MISMATCH [2]" in text and "first differing position 1; max |logit diff| 7.4" in text
    assert "SKIP [1]" in text and "has no GptOssForCausalLM" in text
    assert text.rstrip().endswith("5 cases: 1 OK, 2 FAIL, 1 MISMATCH, 1 SKIP")


def test_probe_command_line_stays_light() -> None:
    """Parsing `probe` and listing its cases never imports torch or transformers."""
    code = ("import sys; from attnlint.cli import main; main(['probe', '--list', '--models', 'llama']); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "llama/flex_attention/static/kwarg/uncompiled" in proc.stdout.splitlines()


def test_a_worker_that_cannot_start_is_a_clean_error(tmp_path: Path) -> None:
    """Defect: the startup error read the worker's log after closing it ('seek of closed file')."""
    (tmp_path / "torch.py").write_text("raise ImportError('no torch here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    with pytest.raises(ProbeError, match="no torch here"):
        run_cases([Case("llama", "eager")], env=env)


def test_worker_warm_up_stays_on_the_cpu_for_a_cuda_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent that initialised CUDA could not fork the children that run the cases."""
    import argparse

    import torch
    import torch.nn.attention.flex_attention as flex

    from attnlint.probe import worker

    devices: list[str] = []
    flex_calls: list[str] = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    monkeypatch.setattr(worker, "execute", lambda case, device, dtype: devices.append(device))
    monkeypatch.setattr(flex, "flex_attention", lambda *a, **k: flex_calls.append("called"))
    cases = [Case("llama", "sdpa"), Case("gemma2", "flex_attention", kernel="uncompiled")]
    worker._warm_up(cases, argparse.Namespace(device="cuda", dtype="float32"))
    assert devices == ["cpu", "cpu"]
    assert flex_calls == []  # even uncompiled flex runs dynamo, which initialises CUDA where it exists
    worker._warm_up(cases, argparse.Namespace(device="cpu", dtype="float32"))
    assert flex_calls == ["called"]


def test_worker_asks_a_forked_child_whether_the_device_is_usable() -> None:
    import torch

    from attnlint.probe.worker import _fork_can_use

    assert _fork_can_use("cpu")
    if not torch.cuda.is_available():  # a child cannot allocate on CUDA here: cases run in-process
        assert not _fork_can_use("cuda")
