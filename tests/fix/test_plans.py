"""Fix plans the fixer must refuse or roll back, and actions the shipped rules do not use yet.

These build rules from the seed rule with other fixes (the schema allows any), so every action and
every refusal path is exercised through the real extractor and evaluator.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from conftest import target

from attnlint.diagnostic import Diagnostic
from attnlint.evaluate import evaluate
from attnlint.extract.python import extract_python
from attnlint.fix.edits import attach_fixes
from attnlint.fix.python import fix_source
from attnlint.fix.text import apply_edits
from attnlint.knowledge import rule_by_code
from attnlint.knowledge.schema import FixSpec, Rule

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention"
)
out = model.generate(**inputs, max_new_tokens=32)
"""


HYBRID = FixSpec(action="set_cache", value="hybrid", applicability="safe", description="use hybrid")


def _rule(*fixes: FixSpec, cache: Sequence[str] | None = None) -> Rule:
    update: dict[str, object] = {"fixes": fixes}
    if cache is not None:
        update["cache"] = tuple(cache)
    return rule_by_code()["ATN101"].model_copy(update=update)


def _check(rule: Rule, spec: str):  # type: ignore[no-untyped-def]
    def check(text: str) -> list[Diagnostic]:
        return evaluate(extract_python(text, "case.py"), target(spec), [rule])

    return check


def test_no_fix_valid_on_the_whole_range_leaves_the_file_and_says_why() -> None:
    rule = _rule(
        FixSpec(
            action="set_cache",
            value="hybrid",
            applicability="safe",
            transformers="==4.51.0",
            description='use cache_implementation="hybrid"',
        ),
        FixSpec(action="pin", value="transformers>=4.53", applicability="unsafe", description="upgrade"),
    )
    check = _check(rule, ">=4.50")
    found = check(SEED)
    outcome = fix_source(SEED, found, True, path="case.py", recheck=check)
    assert outcome.text == SEED
    assert [d.code for d in outcome.remaining] == ["ATN101"]
    (refusal,) = outcome.refusals
    assert refusal.reason.startswith("no single fix is valid on every allowed release")
    assert "pin transformers>=4.53" in refusal.reason


def test_a_cache_object_is_not_rewritten() -> None:
    text = SEED.replace("max_new_tokens=32", "past_key_values=DynamicCache()").replace(
        "import Llama4ForConditionalGeneration", "import DynamicCache, Llama4ForConditionalGeneration"
    )
    rule = _rule(
        FixSpec(action="set_cache", value="hybrid", applicability="safe", description="use hybrid"),
        cache=("dynamic",),
    )
    check = _check(rule, "==4.51.0")
    outcome = fix_source(text, check(text), False, path="case.py", recheck=check)
    assert outcome.text == text
    assert "cache object" in outcome.refusals[0].reason


def test_an_existing_cache_name_is_replaced_keeping_quotes() -> None:
    text = SEED.replace("max_new_tokens=32", "cache_implementation='offloaded'")
    rule = _rule(HYBRID)
    check = _check(rule, "==4.51.0")
    outcome = fix_source(text, check(text), False, path="case.py", recheck=check)
    assert outcome.text == SEED.replace("max_new_tokens=32", "cache_implementation='hybrid'")
    assert outcome.remaining == []


def test_remove_cache_drops_the_keyword_and_its_comma() -> None:
    text = SEED.replace("max_new_tokens=32", "cache_implementation='offloaded', max_new_tokens=32")
    rule = _rule(
        FixSpec(action="remove_cache", applicability="safe", description="drop it"), cache=("offloaded",)
    )
    check = _check(rule, "==4.51.0")
    outcome = fix_source(text, check(text), False, path="case.py", recheck=check)
    assert outcome.text == SEED
    assert outcome.remaining == []


@pytest.mark.parametrize(
    ("refuted_by", "reason"),
    [
        ("same", "fix rolled back: ATN101 is still reported after the fix"),
        ("syntax", "fix rolled back: the fixed code would not parse"),
    ],
)
def test_a_fix_the_recheck_refutes_is_rolled_back(refuted_by: str, reason: str) -> None:
    found = _check(_rule(HYBRID), "==4.51.0")(SEED)
    after = (
        list(found)
        if refuted_by == "same"
        else [found[0].model_copy(update={"code": "ATN001", "plan": None})]
    )
    outcome = fix_source(SEED, found, False, path="case.py", recheck=lambda _text: after)
    assert outcome.text == SEED
    assert outcome.refusals[0].reason == reason


def test_attach_fixes_reports_the_edits_the_fixer_applies() -> None:
    rule = _rule(HYBRID)
    check = _check(rule, "==4.51.0")
    found = check(SEED)
    attach_fixes(SEED, found, unsafe=False)
    fix = found[0].fix
    assert fix is not None and fix.applicability == "safe" and fix.message == "use hybrid"
    applied = apply_edits(SEED, fix.edits)
    assert applied == fix_source(SEED, check(SEED), False, path="case.py", recheck=check).text
    assert 'cache_implementation="hybrid")' in applied


def test_attach_fixes_leaves_unsafe_fixes_out_unless_asked() -> None:
    check = _check(rule_by_code()["ATN101"], ">=4.50")
    held, shown = check(SEED), check(SEED)
    attach_fixes(SEED, held, unsafe=False)
    attach_fixes(SEED, shown, unsafe=True)
    assert held[0].fix is None
    assert shown[0].fix is not None and shown[0].fix.applicability == "unsafe"
    assert '"sdpa"' in apply_edits(SEED, shown[0].fix.edits)
