"""The guard on the venv's transformers (5.24.0) and CPU torch, in process: API, scope, undo."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest
import torch
from transformers import AttentionInterface, Llama4ForCausalLM, LlamaConfig, LlamaForCausalLM
from transformers.masking_utils import AttentionMaskInterface

import attnlint
from attnlint.extract.live import live_target, live_use
from attnlint.runtime import ConfigurationCrashError, WrongOutputError, hooks

from .cases import build, config, generate


def _llama4(attn: str = "flex_attention") -> Any:
    return build(8, attn, _weights())


_CACHE: dict[str, dict[str, torch.Tensor]] = {}


def _weights() -> dict[str, torch.Tensor]:
    if not _CACHE:
        torch.manual_seed(0)
        base = Llama4ForCausalLM(config(8)).eval()
        with torch.no_grad():
            for name, p in base.named_parameters():
                p.copy_(torch.ones_like(p) if "norm" in name else torch.randn_like(p) * 0.2)
        _CACHE.update(base.state_dict())
    return _CACHE


def _originals() -> tuple[Any, Any]:
    return (AttentionInterface._global_mapping["flex_attention"],
            AttentionMaskInterface._global_mapping["flex_attention"])


def test_live_facts_name_the_installed_versions() -> None:
    use = live_use(_llama4())
    assert use.model_types == frozenset({"llama4_text"})
    assert use.attn[0].value == "flex_attention"
    assert use.flags["device"][0].value == "cpu"
    assert use.cache == []  # unset: the evaluator resolves the version's default
    target = live_target()
    assert target.transformers.contains("5.24.0") and not target.transformers.contains("5.23.0")


def test_nothing_broken_installs_nothing() -> None:
    model = _llama4("sdpa")
    before = _originals()
    report = attnlint.guard(model)
    try:
        assert report.matched == [] and report.installed_nothing
        assert "nothing installed" in str(report)
        assert _originals() == before
    finally:
        attnlint.unguard(model)


def test_repair_patches_scoped_and_unguard_restores(caplog: pytest.LogCaptureFixture) -> None:
    model, other = _llama4(), _llama4()
    before = _originals()
    with caplog.at_level(logging.WARNING, logger="attnlint"):
        report = attnlint.guard(model)
    assert [m.code for m in report.matched] == ["ATN206"]
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "ATN206" in caplog.records[0].message
    assert report.patched == ["transformers.AttentionInterface['flex_attention']",
                              "transformers.AttentionMaskInterface['flex_attention']"]
    assert "patched: transformers.AttentionInterface['flex_attention']" in str(report)
    assert attnlint.guard(model) is report  # twice: a no-op
    assert hooks.handler_for(hooks.installed()[0], model.config) is not None
    assert hooks.handler_for(hooks.installed()[0], other.config) is None  # scoped to this instance
    assert "generate" in model.__dict__ and "generate" not in other.__dict__
    attnlint.unguard(model)
    assert _originals() == before and hooks.installed() == []
    assert "generate" not in model.__dict__
    attnlint.unguard(model)  # unguarding twice is harmless


def test_context_manager_undoes_everything() -> None:
    model = _llama4()
    before = _originals()
    with attnlint.guarded(model) as report:
        assert report.patched
        tokens, _ = generate(model, "single-long", new=3)
    assert len(tokens[0]) == 3
    assert _originals() == before and "generate" not in model.__dict__


def test_raise_mode_carries_code_and_fix() -> None:
    model = _llama4()
    with pytest.raises(WrongOutputError) as info:
        attnlint.guard(model, mode="raise")
    assert info.value.code == "ATN206" and "sdpa" in info.value.fix
    assert hooks.installed() == [] and "generate" not in model.__dict__


def test_warn_mode_changes_nothing() -> None:
    model = _llama4()
    before = _originals()
    with attnlint.guarded(model, mode="warn") as report:
        assert [m.action for m in report.matched] == ["warned"]
        assert report.installed_nothing and _originals() == before


def test_per_call_cache_is_judged_on_this_instance_only() -> None:
    model = _llama4()
    with attnlint.guarded(model) as report:
        generate(model, "single-long", new=2, cache_implementation="static")
        assert [m.code for m in report.matched] == ["ATN206", "ATN205"]
        assert report.matched[1].when == "generate"
        assert report.patched == report.matched[1].detail.split(", ")  # already in place: nothing new


def test_per_call_raise_on_generate() -> None:
    tiny_config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                              num_attention_heads=2, num_key_value_heads=1)
    tiny = LlamaForCausalLM(tiny_config).eval()
    tiny.config._attn_implementation = "flex_attention"
    tiny.to("meta")  # device "meta": no CPU rule applies at guard time
    with attnlint.guarded(tiny, mode="raise") as report:
        assert report.matched == []
        with pytest.raises(WrongOutputError, match="ATN205"):
            tiny.generate(torch.zeros(1, 2, dtype=torch.long), cache_implementation="static")


def test_bad_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="mode must be"):
        attnlint.guard(_llama4(), mode="fix")  # type: ignore[arg-type]
    assert issubclass(ConfigurationCrashError, attnlint.AttnlintError)


def test_check_never_imports_torch() -> None:
    code = ("import sys, attnlint; attnlint.check_source('x = 1\\n'); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
