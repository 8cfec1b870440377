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
from attnlint.probe.cases import Case, FixVerdict
from attnlint.probe.fixes import chain, plan
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
    assert all(rule_by_code()[code].fixes[index].action != "pin" for code, index in on_451 | on_524)


def _verdict(code: str, index: int, result: str) -> FixVerdict:
    return FixVerdict(code, index, "fix", "start", (), "final", (), "OK", result)


def test_record_adds_the_release_to_the_proven_fix_only(tmp_path: Path) -> None:
    shutil.copy(RULES_DIR / "ATN117.toml", tmp_path / "ATN117.toml")
    shutil.copy(RULES_DIR / "ATN101.toml", tmp_path / "ATN101.toml")
    before = (tmp_path / "ATN101.toml").read_text(encoding="utf-8")
    written = record_fixes(Stack("4.51.0", "2.13.0+cpu"), [
        _verdict("ATN117", 0, "proven"), _verdict("ATN117", 0, "remaining"),
        _verdict("ATN101", 0, "proven"), _verdict("ATN101", 0, "fails"),
    ], tmp_path)
    assert written == ["ATN117"]
    assert (tmp_path / "ATN101.toml").read_text(encoding="utf-8") == before
    text = (tmp_path / "ATN117.toml").read_text(encoding="utf-8")
    assert text.count('verified = ["4.51.0"]') >= 1
    again = record_fixes(Stack("4.51.0", "2.13.0+cpu"), [_verdict("ATN117", 0, "proven")], tmp_path)
    assert again == ["ATN117"] and (tmp_path / "ATN117.toml").read_text(encoding="utf-8") == text


def test_a_safe_fix_needs_a_probe() -> None:
    flash = rule_by_code()["ATN109"]  # FlashAttention on CPU: no CPU probe can run it
    safe = FixSpec(action="set_attn", value="sdpa", applicability="safe", description="d")
    with pytest.raises(ValueError, match="safe fix must be proven"):
        replace(flash, fixes=(safe,), unprobed="")


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
