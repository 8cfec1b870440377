"""Fix plans the fixer must refuse or roll back, and actions the shipped rules do not use yet.

These build rules from the seed rule with other fixes (the schema allows any), so every action and
every refusal path is exercised through the real extractor and evaluator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from conftest import target

from attnlint.diagnostic import Diagnostic
from attnlint.engine import CheckContext, Unit, check_unit, diagnostics
from attnlint.fix.outcome import FixOutcome
from attnlint.fix.rounds import fix_text
from attnlint.fix.text import apply_edits
from attnlint.knowledge import rule_by_code
from attnlint.knowledge.schema import FixSpec, Rule
from attnlint.source import SourceText

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention"
)
out = model.generate(**inputs, max_new_tokens=32)
"""


HYBRID = FixSpec(action="set_cache", value="hybrid", applicability="safe", description="use hybrid")


def _rule(*fixes: FixSpec, cache: Sequence[str] | None = None) -> Rule:
    rule = replace(rule_by_code()["ATN101"], fixes=fixes)
    return rule if cache is None else replace(rule, cache=tuple(cache))


def _context(rule: Rule, spec: str) -> CheckContext:
    return CheckContext(target=target(spec), rules=(rule,))


def _fix(text: str, rule: Rule, spec: str, unsafe: bool = False) -> FixOutcome:
    return fix_text(text, "case.py", _context(rule, spec), unsafe)


def _reported(text: str, rule: Rule, spec: str) -> list[Diagnostic]:
    """What `attnlint check` reports for `text`, fixes included."""
    unit = Unit((SourceText("case.py", text.encode(), text),))
    return diagnostics(unit, check_unit(unit, _context(rule, spec)))


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
    outcome = _fix(SEED, rule, ">=4.50", unsafe=True)
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
    outcome = _fix(text, rule, "==4.51.0")
    assert outcome.text == text
    assert "cache object" in outcome.refusals[0].reason


def test_an_existing_cache_name_is_replaced_keeping_quotes() -> None:
    text = SEED.replace("max_new_tokens=32", "cache_implementation='offloaded'")
    rule = _rule(HYBRID)
    outcome = _fix(text, rule, "==4.51.0")
    assert outcome.text == SEED.replace("max_new_tokens=32", "cache_implementation='hybrid'")
    assert outcome.remaining == []


def test_remove_cache_drops_the_keyword_and_its_comma() -> None:
    text = SEED.replace("max_new_tokens=32", "cache_implementation='offloaded', max_new_tokens=32")
    rule = _rule(
        FixSpec(action="remove_cache", applicability="safe", description="drop it"), cache=("offloaded",)
    )
    outcome = _fix(text, rule, "==4.51.0")
    assert outcome.text == SEED
    assert outcome.remaining == []


def test_a_fix_the_recheck_refutes_is_rolled_back() -> None:
    """A fix that sets a cache the rule still matches is refuted by the real re-check."""
    rule = _rule(FixSpec(action="set_cache", value="dynamic", applicability="safe", description="dynamic"))
    outcome = _fix(SEED, rule, "==4.51.0")
    assert outcome.text == SEED
    assert outcome.refusals[0].reason == "fix rolled back: ATN101 is still reported after the fix"


def test_check_reports_the_edits_the_fixer_applies() -> None:
    rule = _rule(HYBRID)
    (reported,) = _reported(SEED, rule, "==4.51.0")
    fix = reported.fix
    assert fix is not None and fix.applicability == "safe" and fix.message == "use hybrid"
    applied = apply_edits(SEED, fix.edits)
    assert applied == _fix(SEED, rule, "==4.51.0").text
    assert 'cache_implementation="hybrid")' in applied


def test_check_reports_unsafe_fixes_for_the_report_to_show_or_hide() -> None:
    (reported,) = _reported(SEED, rule_by_code()["ATN101"], ">=4.50")
    assert reported.fix is not None and reported.fix.applicability == "unsafe"
    assert '"sdpa"' in apply_edits(SEED, reported.fix.edits)
    assert _fix(SEED, rule_by_code()["ATN101"], ">=4.50").text == SEED
