"""`attnlint probe --verify-fixes` without running a model: the chains it plans, what it records."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.facts import Target
from attnlint.knowledge import rule_by_code, rules
from attnlint.knowledge.schema import FixSpec
from attnlint.probe.cases import Case, FixVerdict, Outcome
from attnlint.probe.fixes import chain, plan, result_of
from attnlint.probe.record import RULES_DIR, record_fixes
from attnlint.probe.runner import Stack
from attnlint.report.rule_docs import render_rule

ON_451 = Target(transformers=SpecifierSet("==4.51.0"), torch=SpecifierSet("==2.13.0"), reason="the test pins")
SEED = Case("llama4_text", "flex_attention", kernel="compiled")  # the seed as user code runs it on CPU
HYBRID = rule_by_code()["ATN101"].fixes[0]


def test_the_seed_chain_stops_before_the_hybrid_sdpa_crash() -> None:
    """ATN101's hybrid, then ATN114's sdpa would be Llama4 sdpa + hybrid, which crashes on 4.51.0
    (ATN117): the fixer's rounds roll that back, so the chain ends with ATN114 remaining."""
    final, steps, remaining = chain(SEED, HYBRID, ON_451, "cpu")
    assert (final.attn, final.cache) == ("flex_attention", "hybrid")
    assert steps == ("set_cache=hybrid",)
    assert remaining == ("ATN114",)


def test_uncompiled_flex_stands_for_the_gpu_path() -> None:
    final, _, remaining = chain(replace(SEED, kernel="uncompiled"), HYBRID, ON_451, "cpu")
    assert (final.cache, remaining) == ("hybrid", ())


def test_a_clean_chain_takes_every_fix_the_evaluator_offers() -> None:
    """ATN116's sdpa on 4.51.0 leaves Llama4 sdpa + static, which ATN104 reports: its fix follows."""
    start = Case("llama4_text", "flex_attention", "static")
    final, steps, remaining = chain(start, rule_by_code()["ATN116"].fixes[1], ON_451, "cpu")
    assert (final.attn, final.cache, remaining) == ("sdpa", "default", ())
    assert steps == ("set_attn=sdpa", "ATN104: remove_cache")


def test_plan_offers_only_fixes_valid_on_the_release() -> None:
    chosen = tuple(r for r in rules() if r.probes and r.fixes)
    on_451 = {(p.rule.code, p.index) for p in plan(chosen, ON_451, "cpu")}
    on_5 = replace(ON_451, transformers=SpecifierSet("==5.24.0"))
    on_524 = {(p.rule.code, p.index) for p in plan(chosen, on_5, "cpu")}
    assert ("ATN101", 0) in on_451 and ("ATN101", 0) not in on_524  # hybrid is valid on 4.51.0 only
    assert ("ATN205", 0) in on_524 and ("ATN205", 0) not in on_451
    # ATN101's pin (>=4.53) keeps 5.24.0, where its code left as it is runs; it excludes 4.51.0
    assert ("ATN101", 2) in on_524 and ("ATN101", 2) not in on_451


def test_a_pin_leaves_the_code_and_chains_what_the_kept_release_reports() -> None:
    """On 5.24.0, which ATN114's pin (>=4.56) keeps, the probe's compiled flex case runs as it is,
    and the fixer's re-check there chains ATN206's switch to sdpa (CPU flex kernel)."""
    on_524 = replace(ON_451, transformers=SpecifierSet("==5.24.0"))
    [pinned] = [p for p in plan((rule_by_code()["ATN114"],), on_524, "cpu") if p.index == 1]
    assert pinned.steps == ("pin=transformers>=4.56", "ATN206: set_attn=sdpa")
    assert (pinned.final.attn, pinned.remaining) == ("sdpa", ())


def test_a_pin_that_keeps_an_affected_release_fails() -> None:
    rule = rule_by_code()["ATN101"]
    loose = replace(rule, fixes=(replace(rule.fixes[2], value="transformers>=4.51"),))
    [pinned, _] = plan((loose,), ON_451, "cpu")  # uncompiled and compiled starts
    assert pinned.remaining == ("ATN101",) and pinned.final == pinned.start
    outcome = Outcome(pinned.final, "OK")
    assert result_of(pinned, outcome) == "fails"


def test_a_moved_setting_runs_where_the_fixer_leaves_it() -> None:
    """ATN140's move: the fixed examples' configurations, and its load-cache probe (Gemma2's hybrid
    given to from_pretrained, refused from 4.53) with the cache given to generate instead."""
    on_524 = replace(ON_451, transformers=SpecifierSet("==5.24.0"))
    moved = {(p.start.model, p.start.attn, p.start.cache, p.start.mode): p.steps
             for p in plan((rule_by_code()["ATN140"],), on_524, "cpu")}
    assert ("llama", "sdpa", "default", "generate") in moved  # generate(attn_implementation=) moved
    assert moved[("gemma2", "eager", "hybrid", "generate")][1:] == ("ATN301: remove_cache",)
    on_451 = {(p.start.model, p.start.cache) for p in plan((rule_by_code()["ATN140"],), ON_451, "cpu")}
    assert on_451 == {("llama", "default")}  # 4.51.0 takes Gemma2's cache in from_pretrained: nothing moved


def test_attentions_modes_reach_the_rules_of_output_attentions() -> None:
    """ATN130 (output_attentions given to from_pretrained with sdpa) is offered its eager fix."""
    on_524 = replace(ON_451, transformers=SpecifierSet("==5.24.0"))
    [planned] = plan((rule_by_code()["ATN130"],), on_524, "cpu")
    assert (planned.final.attn, planned.final.mode, planned.remaining) == ("eager", "load-attentions", ())


def _verdict(code: str, index: int, result: str) -> FixVerdict:
    return FixVerdict(code, index, "fix", "start", (), "final", (), "OK", result)


def test_record_sets_the_release_on_the_proven_fixes_only(tmp_path: Path) -> None:
    shutil.copy(RULES_DIR / "ATN117.toml", tmp_path / "ATN117.toml")
    shutil.copy(RULES_DIR / "ATN101.toml", tmp_path / "ATN101.toml")
    before = (tmp_path / "ATN101.toml").read_text(encoding="utf-8")
    assert 'verified = ["4.51.0"]' in before
    written = record_fixes(Stack("4.51.0", "2.13.0+cpu"), [
        _verdict("ATN117", 0, "proven"), _verdict("ATN117", 0, "remaining"),
        _verdict("ATN101", 0, "proven"), _verdict("ATN101", 0, "fails"), _verdict("ATN101", 1, "proven"),
    ], tmp_path)
    assert written == ["ATN101"]  # ATN117's fix already holds 4.51.0: its file is left as it is
    text = (tmp_path / "ATN117.toml").read_text(encoding="utf-8")
    assert text.count('verified = ["4.51.0"]') >= 1
    # ATN101's hybrid failed once here: 4.51.0 leaves its list (now empty, so the line goes)
    after = (tmp_path / "ATN101.toml").read_text(encoding="utf-8")
    assert after.count("verified = ") == before.count("verified = ") - 1
    again = record_fixes(Stack("4.51.0", "2.13.0+cpu"), [_verdict("ATN117", 0, "proven")], tmp_path)
    assert again == [] and (tmp_path / "ATN117.toml").read_text(encoding="utf-8") == text
    # a rule run on this release whose fix was not proven (not even offered) loses the release
    assert record_fixes(Stack("4.51.0", "2.13.0+cpu"), [], tmp_path, codes=("ATN117",)) == ["ATN117"]
    assert 'verified = ["4.51.0"]' not in (tmp_path / "ATN117.toml").read_text(encoding="utf-8")


def test_a_safe_fix_needs_a_probe() -> None:
    flash = rule_by_code()["ATN109"]  # FlashAttention on CPU: no CPU probe can run it
    safe = FixSpec(action="set_attn", value="sdpa", applicability="safe", description="d")
    for unprobed in ("", flash.unprobed):  # saying why the probe cannot run it does not make it safe
        with pytest.raises(ValueError, match="safe fix must be proven"):
            replace(flash, fixes=(safe,), unprobed=unprobed)


def test_a_fix_the_probe_cannot_prove_is_never_safe() -> None:
    rule = rule_by_code()["ATN202"]
    with pytest.raises(ValueError, match="never safe"):
        replace(rule, fixes=(replace(rule.fixes[1], applicability="safe", unproven="why"),))
    unproven = replace(rule, fixes=(replace(rule.fixes[1], unproven="why"),))
    assert "Not proven on CPU: why." in render_rule(unproven)


def test_docs_say_what_proved_each_fix() -> None:
    assert "Not run by `attnlint probe --verify-fixes`: needs a FlashAttention build" in render_rule(
        rule_by_code()["ATN201"])
    verified = rule_by_code()["ATN117"]
    proven = replace(verified, fixes=(replace(verified.fixes[0], verified=("4.51.0",)),))
    assert "Verified on CPU by `attnlint probe --verify-fixes` on transformers 4.51.0." in render_rule(proven)


def test_a_suggested_cache_that_needs_a_gpu_is_chained_away_on_cpu() -> None:
    """ATN107 suggests "offloaded" for "offloaded_hybrid"; on CPU 4.51.0 OffloadedCache raises
    RuntimeError (ATN122, found by running this fix), whose fix the chain then takes."""
    [planned] = [p for p in plan((rule_by_code()["ATN107"],), ON_451, "cpu")]
    assert planned.steps == ("set_cache=offloaded", "ATN122: remove_cache")
    assert (planned.final.cache, planned.remaining) == ("default", ())
    [on_gpu] = plan((rule_by_code()["ATN107"],), ON_451, "cuda")
    assert on_gpu.steps == ("set_cache=offloaded",)
