"""The guard on the installed transformers and CPU torch, in process: API, scope, undo, state.

Independent of the installed release: the rules the guard is given are knowledge-base rules opened
to every release (`_opened`), so they match here whatever transformers is installed; which rules
match on which real release is the version matrix's job (test_matrix.py).
"""

from __future__ import annotations

import copy
import gc
import importlib
import io
import logging
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import replace
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import attnlint  # noqa: E402
from attnlint.extract.live import live_target, live_use, newest_known_release  # noqa: E402
from attnlint.knowledge import rule_by_code  # noqa: E402
from attnlint.knowledge.schema import Rule  # noqa: E402
from attnlint.runtime import (  # noqa: E402
    ConfigurationCrashError,
    GuardConflictError,
    WrongOutputError,
    hooks,
)
from attnlint.runtime.guard import guard_of  # noqa: E402
from attnlint.runtime.masks import llama4_mask_route  # noqa: E402
from attnlint.runtime.repairs import ATTENTION_POINT  # noqa: E402

from .cases import build, config, generate, inputs  # noqa: E402


def _opened(code: str) -> Rule:
    """The knowledge base's rule `code`, opened to every transformers and torch release."""
    return replace(rule_by_code()[code], transformers="", torch="")


#: a Llama4 on CPU with flex: the CPU flex rule (runtime repair: guarded attention and masks)
CPU_FLEX = [_opened("ATN206")]
_CACHE: dict[str, dict[str, Any]] = {}


def _weights() -> dict[str, Any]:
    if not _CACHE:
        torch.manual_seed(0)
        base = transformers.Llama4ForCausalLM(config(8)).eval()
        with torch.no_grad():
            for name, p in base.named_parameters():
                p.copy_(torch.ones_like(p) if "norm" in name else torch.randn_like(p) * 0.2)
        _CACHE.update(base.state_dict())
    return _CACHE


def _llama4(attn: str = "flex_attention") -> Any:
    return build(8, attn, _weights())


def _tiny_llama(device: str = "cpu") -> Any:
    tiny_config = transformers.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64,
                                           num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1)
    tiny = transformers.LlamaForCausalLM(tiny_config).eval()
    tiny.config._attn_implementation = "flex_attention"
    return tiny.to(device)


def _originals() -> list[Any]:
    """Every extension point the guard may replace, as it is now."""
    masking = importlib.import_module("transformers.masking_utils")
    mask_interface = getattr(masking, "AttentionMaskInterface", None)  # 4.53+
    llama4 = importlib.import_module("transformers.models.llama4.modeling_llama4")
    return [transformers.AttentionInterface._global_mapping["flex_attention"],
            mask_interface._global_mapping["flex_attention"] if mask_interface else None,
            llama4.Llama4TextModel.__dict__.get("_update_causal_mask")]


def _logits(model: Any) -> Any:
    ids, mask = inputs((5,))
    with torch.no_grad():
        out = model.generate(ids, attention_mask=mask, max_new_tokens=2, do_sample=False, pad_token_id=0,
                             eos_token_id=None, return_dict_in_generate=True, output_logits=True)
    return torch.stack(out.logits, 1)


def test_live_facts_name_the_installed_versions() -> None:
    use = live_use(_llama4())
    assert use.model_types == frozenset({"llama4_text"})
    assert use.attn[0].value == "flex_attention"
    assert use.flags["device"][0].value == "cpu"
    assert use.cache == []  # unset: the evaluator resolves the version's default
    installed = transformers.__version__
    assert live_target().transformers.contains(installed)
    assert not live_target().transformers.contains(installed + ".post1")


def test_nothing_broken_installs_nothing() -> None:
    model = _llama4("sdpa")
    before = _originals()
    with attnlint.guarded(model) as report:
        assert report.matched == [] and report.installed_nothing
        assert "nothing installed" in str(report)
        assert _originals() == before


def test_repair_patches_scoped_and_unguard_restores(caplog: pytest.LogCaptureFixture) -> None:
    model, other = _llama4(), _llama4()
    before = _originals()
    with caplog.at_level(logging.WARNING, logger="attnlint"):
        report = attnlint.guard(model, rules=CPU_FLEX)
    assert [m.code for m in report.matched] == ["ATN206"]
    assert len(caplog.records) == 1 and "ATN206" in caplog.records[0].message
    assert report.patched == [ATTENTION_POINT, llama4_mask_route()[0]]
    assert f"patched: {ATTENTION_POINT}" in str(report)
    assert attnlint.guard(model, rules=CPU_FLEX) is report  # twice, same mode and rules: a no-op
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
    with attnlint.guarded(model, rules=CPU_FLEX) as report:
        assert report.patched
        tokens, _ = generate(model, "single-long", new=3)
    assert len(tokens[0]) == 3
    assert _originals() == before and "generate" not in model.__dict__


def test_raise_mode_carries_code_and_fix() -> None:
    model = _llama4()
    with pytest.raises(WrongOutputError) as info:
        attnlint.guard(model, mode="raise", rules=CPU_FLEX)
    assert info.value.code == "ATN206" and "sdpa" in info.value.fix
    assert hooks.installed() == [] and "generate" not in model.__dict__ and guard_of(model) is None


def test_warn_mode_changes_nothing() -> None:
    model = _llama4()
    before = _originals()
    with attnlint.guarded(model, mode="warn", rules=CPU_FLEX) as report:
        assert [m.action for m in report.matched] == ["warned"]
        assert report.installed_nothing and _originals() == before


def test_per_call_cache_is_judged_on_this_instance_only() -> None:
    model = _llama4()
    with attnlint.guarded(model, rules=[*CPU_FLEX, _opened("ATN205")]) as report:
        generate(model, "single-long", new=2, cache_implementation="static")
        assert [m.code for m in report.matched] == ["ATN206", "ATN205"]
        assert report.matched[1].when == "generate(cache_implementation='static')"
        assert report.patched == report.matched[1].detail.split(", ")  # already in place: nothing new


def test_per_call_raise_on_generate() -> None:
    tiny = _tiny_llama("meta")  # device "meta": no CPU rule applies at guard time
    with attnlint.guarded(tiny, mode="raise", rules=[_opened("ATN205")]) as report:
        assert report.matched == []
        with pytest.raises(WrongOutputError, match="ATN205"):
            tiny.generate(torch.zeros(1, 2, dtype=torch.long), cache_implementation="static")


def test_warn_mode_diagnoses_each_call_before_it_runs(caplog: pytest.LogCaptureFixture) -> None:
    """A rule already reported at guard time is reported again for a call it breaks (4.51.0: flex on
    CPU with a per-call static cache matches only the CPU rule): the warning comes before the call."""
    tiny = _tiny_llama()
    with attnlint.guarded(tiny, mode="warn", rules=[_opened("ATN114")]):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="attnlint"), pytest.raises(ValueError):
            ids = torch.zeros(1, 2, dtype=torch.long)
            tiny.generate(ids, cache_implementation="static", max_new_tokens=-1)
    assert [r.message for r in caplog.records if "attnlint" in r.message] == [
        "attnlint guard [generate(cache_implementation='static')]: ATN114 (warned); "
        "see attnlint.guard(model) report"
    ]


def test_bad_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="mode must be"):
        attnlint.guard(_llama4(), mode="fix")  # type: ignore[arg-type]
    assert issubclass(ConfigurationCrashError, attnlint.AttnlintError)


def test_guarding_again_in_another_mode_or_with_other_rules_is_an_error() -> None:
    model = _llama4()
    with attnlint.guarded(model, rules=CPU_FLEX) as report:
        with pytest.raises(GuardConflictError, match="already guarded in mode 'repair'"):
            attnlint.guard(model, mode="warn", rules=CPU_FLEX)
        with pytest.raises(GuardConflictError, match="with other rules"):
            attnlint.guard(model)
        with attnlint.guarded(model, rules=CPU_FLEX) as again:  # same mode and rules: the same guard
            assert again is report
        assert guard_of(model) is not None  # the inner block did not unguard its owner's model


def test_a_dropped_guarded_model_is_collected_and_its_hooks_removed() -> None:
    before = _originals()
    model = _llama4()
    attnlint.guard(model, rules=CPU_FLEX)
    assert hooks.installed()
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None
    assert hooks.installed() == [] and _originals() == before


def test_dispatcher_install_is_serialised() -> None:
    installs: list[int] = []

    def slow_installer(lookup: Any) -> Any:
        installs.append(1)
        time.sleep(0.2)  # without the lock, the second thread installs a second dispatcher here
        return lambda: installs.pop()

    class Config:
        pass

    configs = [Config(), Config()]
    threads = [threading.Thread(target=hooks.route, args=("test-point", slow_installer, [c], print))
               for c in configs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert installs == [1] and hooks.installed() == ["test-point"]
    for routed in configs:
        assert hooks.handler_for("test-point", routed) is print
    hooks.unroute("test-point", configs)
    assert installs == [] and hooks.installed() == []


@pytest.mark.parametrize("how", ["deepcopy", "torch.save"])
def test_a_copy_of_a_guarded_model_is_a_plain_model_with_its_own_weights(how: str) -> None:
    model = _llama4("sdpa")
    with attnlint.guarded(model):
        if how == "deepcopy":
            twin = copy.deepcopy(model)
        else:
            buffer = io.BytesIO()
            torch.save(model, buffer)
            buffer.seek(0)
            twin = torch.load(buffer, weights_only=False)
        assert guard_of(twin) is None
        with torch.no_grad():
            twin.lm_head.weight.zero_()
        assert torch.count_nonzero(_logits(twin)) == 0  # the copy's own (zeroed) head computed these
        assert torch.count_nonzero(_logits(model)) > 0


def test_a_copy_of_a_repaired_model_is_not_routed() -> None:
    model = _llama4()
    with attnlint.guarded(model, rules=CPU_FLEX):
        twin = copy.deepcopy(model)
        point = hooks.installed()[0]
        assert hooks.handler_for(point, model.config) is not None
        assert hooks.handler_for(point, twin.config) is None
        attnlint.guard(twin, mode="warn", rules=CPU_FLEX)  # and it can be guarded on its own
        attnlint.unguard(twin)


def test_an_unknown_release_is_reported_not_passed(monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    newest = newest_known_release()
    newer = f"{int(newest.split('.')[0]) + 4}.0.0"
    # the module the guard imports (transformers' lazy module may have replaced the one imported above)
    monkeypatch.setattr(sys.modules["transformers"], "__version__", newer)
    model = _llama4()
    with caplog.at_level(logging.WARNING, logger="attnlint"), attnlint.guarded(model) as report:
        assert report.unknown_release == newest and report.matched == [] and report.installed_nothing
    line = f"transformers {newer} is not a release attnlint knows (newest known: {newest})"
    assert line in str(report) and "no known problem matches" not in str(report)
    assert any(line in r.message for r in caplog.records)


def test_check_never_imports_torch() -> None:
    code = ("import sys, attnlint; attnlint.check_source('x = 1\\n'); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
