"""Judging a rule's prediction against what a probe saw, inside and outside the rule's range."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import tomllib

import attnlint.knowledge
from attnlint.cli import main
from attnlint.knowledge import rule_by_code, rules
from attnlint.knowledge.compiled import validated
from attnlint.knowledge.schema import Rule
from attnlint.probe.cases import Case, Outcome
from attnlint.probe.record import record
from attnlint.probe.runner import Stack
from attnlint.probe.status import is_verified
from attnlint.probe.verify import in_range, judge, probe_case

SEED = rule_by_code()["ATN101"]  # ==4.51.0: flex + default cache raises TypeError in pad()
SPEC = SEED.probes[0]
CASE = probe_case(SPEC)
PAD = Outcome(CASE, "FAIL", "TypeError", "pad(): argument 'pad' failed to unpack the object at pos 2")
BLOCK = Outcome(CASE, "FAIL", "ValueError", "block_mask was created for block_mask.shape=(1, 1, 13, 13)")


def _on(version: str) -> Stack:
    return Stack(version, "2.13.0+cpu")


@pytest.mark.parametrize(
    ("version", "outcome", "result"),
    [
        ("4.51.0", PAD, "holds"),                                  # predicted crash seen
        ("4.51.0", Outcome(CASE, "OK", max_diff=0.0), "fails"),    # in range, but it ran
        ("4.51.0", BLOCK, "fails"),                                # in range, another exception
        ("4.51.3", BLOCK, "holds"),                                # out of range, symptom absent
        ("4.51.3", PAD, "fails"),                                  # out of range, symptom present
        ("5.24.0", Outcome(CASE, "SKIP", message="no class"), "not run"),
        # the case never reached the release's code: nothing is shown either way
        ("4.51.3", Outcome(CASE, "FAIL", "ProcessDied", "killed by signal 9"), "not run"),
        ("4.51.0", Outcome(CASE, "FAIL", "Timeout", "no result after 300 s"), "not run"),
    ],
)
def test_prediction_inside_and_symptom_outside(version: str, outcome: Outcome, result: str) -> None:
    verdict = judge(SEED, SPEC, outcome, _on(version))
    assert verdict.result == result, verdict
    assert verdict.in_range == (version == "4.51.0")


def test_no_effect_means_the_same_cache_as_no_setting() -> None:
    rule = rule_by_code()["ATN301"]  # hybrid dropped on 5.x
    spec = rule.probes[0]
    case = probe_case(spec)
    dropped = Outcome(case, "OK", cache_class="DynamicCache", ref_cache_class="DynamicCache")
    honoured = Outcome(case, "OK", cache_class="HybridCache", ref_cache_class="DynamicCache")
    assert judge(rule, spec, dropped, _on("5.24.0")).result == "holds"
    assert judge(rule, spec, honoured, _on("5.24.0")).result == "fails"
    assert judge(rule, spec, honoured, _on("4.55.4")).result == "holds"


def test_torch_only_probe_ignores_the_transformers_range() -> None:
    rule = rule_by_code()["ATN206"]
    spec = rule.probes[0]
    wrong = Outcome(probe_case(spec), "MISMATCH", first_diff=8, max_diff=0.9)
    assert judge(rule, spec, wrong, _on("4.51.0")).in_range
    assert not judge(rule, spec, wrong, Stack("4.51.0", "2.12.0")).in_range


def test_probe_cases_are_cases_the_worker_can_build() -> None:
    for rule in rules():
        for spec in rule.probes:
            assert isinstance(probe_case(spec), Case)
            assert spec.model in ("llama", "llama4_text", "llama4", "gemma2", "gemma3", "qwen2", "mistral",
                                  "gpt_oss", "mixtral", "torch_flex"), rule.code


def test_every_rule_is_probed_or_says_why_not() -> None:
    for rule in rules():
        if rule.kind != "file":
            assert rule.probes or rule.unprobed, f"{rule.code}: no probe cases and no `unprobed` reason"


def test_reproduction_records_are_consistent() -> None:
    for rule in rules():
        for run in rule.reproduced:
            assert rule.probes, f"{rule.code}: reproduced without probe cases"
            if rule.kind in ("refused-keyword", "constructor-arguments"):  # calls.toml's range
                claimed = [in_range(rule, p, run.transformers, run.torch, run.device) for p in rule.probes]
                assert any(claimed) == run.affected, (rule.code, run)
            if rule.kind != "combination" or all(p.mode == "kernel" for p in rule.probes):
                continue  # their range is the vocabulary's or calls.toml's, or torch's alone
            in_spec = rule.transformers_spec.contains(run.transformers, prereleases=True)
            devices = rule.when.get("device")  # a CPU-only rule is unaffected on CUDA, whatever the release
            assert (in_spec and (devices is None or run.device in devices)) == run.affected, (rule.code, run)


@pytest.mark.parametrize(
    ("code", "affected", "unaffected"),
    [
        # Gemma2's config keeps cache_implementation up to 4.52, so from_pretrained refuses it from 4.53
        ("ATN140", ("4.53.3", "4.55.4", "5.24.0"), ("4.51.3", "4.52.4")),
        # DynamicCache(config=) and StaticCache(config=, max_cache_len=) bind from 4.56
        ("ATN141", ("4.51.0", "4.52.4", "4.55.4"), ("4.56.0", "5.24.0")),
    ],
)
def test_call_rules_claim_the_releases_calls_toml_refuses(
    code: str, affected: tuple[str, ...], unaffected: tuple[str, ...]
) -> None:
    rule = rule_by_code()[code]
    assert rule.probes
    for version in affected:
        assert all(in_range(rule, p, version, "2.13.0", "cpu") for p in rule.probes), version
    for version in unaffected:
        assert not any(in_range(rule, p, version, "2.13.0", "cpu") for p in rule.probes), version


def test_a_call_probe_must_make_the_call_its_rule_judges() -> None:
    refused, constructor = rule_by_code()["ATN140"], rule_by_code()["ATN141"]
    plain = replace(refused.probes[0], mode="generate")
    with pytest.raises(ValueError, match="load-cache"):
        in_range(refused, plain, "5.24.0", "2.13.0", "cpu")
    with pytest.raises(ValueError, match="object:"):
        in_range(constructor, replace(constructor.probes[0], cache="static"), "5.24.0", "2.13.0", "cpu")


def test_rule_stats_counts_rules_and_verified(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "--all", "--stats"]) == 0
    out = capsys.readouterr().out
    verified = [r.code for r in rules() if is_verified(r)]
    assert out.startswith(f"{len(rules())} rules\n{len(verified)} verified by reproduction")


def test_record_writes_one_reproduction_per_stack(tmp_path: Path) -> None:
    source = Path(attnlint.knowledge.__file__).parent / "rules" / "ATN101.toml"
    (tmp_path / "ATN101.toml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    held = judge(SEED, SPEC, PAD, _on("4.51.0"))
    assert record(_on("4.51.0"), [held], tmp_path) == ["ATN101"]
    assert record(_on("4.51.0"), [held], tmp_path) == ["ATN101"]  # replaced, not added twice
    outside = judge(SEED, SPEC, BLOCK, _on("4.51.3"))
    assert record(_on("4.51.3"), [outside], tmp_path) == ["ATN101"]
    failed = judge(SEED, SPEC, BLOCK, _on("4.51.0"))
    assert record(_on("4.51.0"), [failed], tmp_path) == []  # a failed prediction records nothing
    data = tomllib.loads((tmp_path / "ATN101.toml").read_text(encoding="utf-8"))
    runs = [(r["transformers"], r["affected"]) for r in data["reproduced"] if r["device"] == "cpu"]
    assert runs.count(("4.51.0", True)) == 1 and runs.count(("4.51.3", False)) == 1
    expected = (("4.51.0", True), ("4.51.3", False))
    assert not [r for r in runs if r[0] in ("4.51.0", "4.51.3") and r not in expected]
    assert is_verified(validated("ATN101.toml", Rule, data))
