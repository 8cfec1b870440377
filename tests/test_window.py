"""The version window of a file: the target narrowed to the releases the file's code can run on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from packaging.specifiers import SpecifierSet

from attnlint.engine import CheckContext, Unit, check_source, check_unit
from attnlint.extract.python import extract_python
from attnlint.facts import Target
from attnlint.source import SourceText
from attnlint.window import implied_floor, narrow

NO_PINS = Target()
FLEX = """\
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B-Instruct", attn_implementation="flex_attention"
)
"""
SEED = """\
from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention"
)
out = model.generate(**inputs, max_new_tokens=32)
"""


def _window(source: str, target: Target = NO_PINS) -> Target:
    return narrow(target, extract_python(source, "case.py"))


def test_attention_name_sets_the_floor_and_says_so() -> None:
    window = _window(FLEX)
    assert window.transformers.contains("4.48.0") and not window.transformers.contains("4.47.1")
    expected = "the code uses attn_implementation='flex_attention' (line 4), so transformers>=4.48"
    assert window.reason.endswith(expected)


def test_no_pins_flex_is_not_an_unknown_name() -> None:
    # the window starts at 4.48 (flex exists), so no ATN108; it holds 4.52, where Qwen2 flex with a
    # cache crashes at the first decode step (ATN124, reproduced by attnlint probe on 4.52.4)
    assert [d.code for d in check_source(FLEX, "case.py", target=NO_PINS)] == ["ATN124"]


def test_pins_that_rule_the_code_out_are_kept_and_reported() -> None:
    old = Target(transformers=SpecifierSet(">=4.40,<4.48"), reason="your pins allow", source="requirement")
    assert _window(FLEX, old) == old
    found = check_source(FLEX, "case.py", target=old)
    assert [d.code for d in found] == ["ATN108"]
    assert "4.40.0-4.47.1" in found[0].message


def test_override_is_never_narrowed() -> None:
    given = Target(transformers=SpecifierSet(">=4.40"), reason="the option allows", source="override")
    assert _window(FLEX, given) is given
    # ATN108 on 4.40-4.47, which the override keeps; ATN124 is 4.52's flex decode crash
    assert [d.code for d in check_source(FLEX, "case.py", target=given)] == ["ATN108", "ATN124"]


def test_conditional_names_do_not_date_the_code() -> None:
    source = FLEX.replace('"flex_attention"', '"flex_attention" if new else "sdpa"')
    assert implied_floor(extract_python(source, "case.py")) is None


def test_unknown_names_do_not_date_the_code() -> None:
    source = FLEX.replace("flex_attention", "flash_attention2")
    assert implied_floor(extract_python(source, "case.py")) is None
    assert [d.code for d in check_source(source, "case.py", target=NO_PINS)] == ["ATN108"]


def test_latest_requirement_wins_model_type_and_cache_class() -> None:
    source = """\
from transformers import AutoModelForCausalLM, HybridChunkedCache

model = AutoModelForCausalLM.from_pretrained("google/gemma-3-4b-it", attn_implementation="flex_attention")
cache = HybridChunkedCache(model.config, max_batch_size=1, max_cache_len=64)  # binds on 4.51 and later
model.generate(input_ids, past_key_values=cache)
"""
    floor = implied_floor(extract_python(source, "case.py"))
    assert floor is not None and str(floor.version) == "4.51.0" and floor.what == "HybridChunkedCache"


def test_a_cache_constructor_keyword_dates_the_code() -> None:
    """DynamicCache(config=...) raises TypeError up to 4.55 (calls.toml): code written so runs on 4.56+."""
    source = """\
from transformers import AutoModelForCausalLM, DynamicCache

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
model.generate(input_ids, past_key_values=DynamicCache(config=model.config))
"""
    floor = implied_floor(extract_python(source, "case.py"))
    assert floor is not None and floor.spec == ">=4.56.0" and floor.what == "DynamicCache(config=)"
    guarded = source.replace("model.generate(", "try:\n    model.generate(") + "except TypeError:\n    pass\n"
    assert implied_floor(extract_python(guarded, "case.py")) is None


def test_dtype_keyword_of_from_pretrained_dates_the_code_but_not_of_to() -> None:
    load = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("x/y", dtype="auto")\n'
    floor = implied_floor(extract_python(load, "case.py"))
    assert floor is not None and floor.spec == ">=4.56" and floor.what == "the keyword dtype="
    moved = (
        'import torch\nfrom transformers import AutoModel\n'
        'm = AutoModel.from_pretrained("x/y").to(dtype=torch.bfloat16)\n'
    )
    assert implied_floor(extract_python(moved, "case.py")) is None


def test_gemma3_hybrid_not_unknown_on_releases_before_gemma3() -> None:
    source = """\
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("google/gemma-3-4b-it")
model.generate(input_ids, cache_implementation="hybrid", max_new_tokens=8)
"""
    codes = [d.code for d in check_source(source, "case.py", target=NO_PINS)]
    assert "ATN107" not in codes


def test_llama4_without_pins_gets_the_fix_valid_wherever_llama4_runs() -> None:
    found = check_source(SEED, "case.py", target=NO_PINS)
    seed = next(d for d in found if d.code == "ATN101")
    assert "4.51.0, which no pin, lock or installed transformers excludes;" in seed.message
    assert seed.message.endswith("uses model type llama4/llama4_text (line 4), so transformers>=4.51")
    unit = Unit((SourceText("case.py", SEED.encode(), SEED),))
    (plan,) = [f.plan for f in check_unit(unit, CheckContext(target=NO_PINS)) if f.code == "ATN101"]
    assert plan is not None and plan.spec is not None
    assert plan.spec.action == "set_attn"  # cache_implementation="hybrid" is valid on 4.51.0 only


def test_seed_under_pins() -> None:
    pinned = Target(transformers=SpecifierSet("==4.51.0"), reason="your pin allows", source="requirement")
    assert "ATN101" in [d.code for d in check_source(SEED, "case.py", target=pinned)]
    later = Target(transformers=SpecifierSet(">=4.53"), reason="your pin allows", source="requirement")
    assert "ATN101" not in [d.code for d in check_source(SEED, "case.py", target=later)]


def test_cli_override_beats_the_floor(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["transformers>=4.40"]\n')
    (tmp_path / "flex.py").write_text(FLEX)
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "attnlint", "check", "flex.py", *extra],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )
    floored = run()  # the floor (4.48, flex exists) rules ATN108 out; 4.52's ATN124 remains
    assert "ATN108" not in floored.stdout and "ATN124" in floored.stdout
    overridden = run("--transformers-version", ">=4.40")
    assert overridden.returncode == 1 and "ATN108" in overridden.stdout
    assert "--transformers-version `>=4.40`" in overridden.stdout
