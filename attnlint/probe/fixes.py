"""`attnlint probe --verify-fixes`: run every fix of the rule data as the fixer would leave the code.

For each rule's probe case that shows the rule's symptom, each fix valid on the installed release is
applied to the case; then, as `attnlint fix --unsafe-fixes` does in its re-checked rounds, every fix
that the evaluator offers for what the fixed case still matches is applied in turn, and a fix whose
result matches a rule it did not match before is rolled back. The case the chain ends with is run
against eager on the same weights. A chain that ends clean (no rule matches it on this release) must
run and match eager; one that ends with findings the fixer reports as remaining holds whatever it does.

The case stands for the code the fixer sees: its attention, its cache, `use_cache=False` for the
no-cache mode, `output_attentions=True` where the attentions modes give it, and the device it runs
on; a flex case run uncompiled stands for the mask code a GPU reaches, so no device is assumed for it.

A `pin` fix leaves the code as it is and the project on the releases the pin keeps: on a release it
keeps, the case itself (with the fixes the fixer's re-check chains on that release) must run and match
eager, and the rule must no longer match it; on a release it excludes there is nothing to run. A
`move_setting` fix (ATN140) starts from a call that refuses the setting, which no probe case can hold
(tests/test_call_tables.py runs those calls); what the fixer leaves is the setting where it belongs,
so the configurations of the rule's fixed examples whose target holds the release are run as the
fixer leaves them, read back by the extractor `check` uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from importlib.metadata import version as dist_version

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.evaluate import evaluate
from attnlint.extract.python import extract_python
from attnlint.facts import ModelUse, Setting, Span, Target
from attnlint.knowledge import rules
from attnlint.knowledge.schema import RUN_ACTIONS, FixSpec, ProbeSpec, Rule, Stage
from attnlint.probe.cases import DEFAULT, Case, FixVerdict, Outcome
from attnlint.probe.options import KNOWN_MODELS
from attnlint.probe.runner import Progress, Stack, run_cases
from attnlint.probe.verify import NOT_RUN, in_range, probe_case
from attnlint.records import record

__all__ = ["Planned", "chain", "plan", "result_of", "run_fix_verification"]

_SPAN = Span(path="<probe>", row=1, column=1, end_row=1, end_column=2)
#: Fixes whose start case already is what they leave: a pin changes the releases (the target), and a
#: moved setting's start is the fixed example's configuration.
_LEAVES_THE_CASE = ("pin", "move_setting")
_ROUNDS = 4
#: Where each attentions mode of the probe gives output_attentions=True (docs/probe.md).
_ATTENTIONS_STAGE: dict[str, Stage] = {
    "attentions": "call", "load-attentions": "load", "config-attentions": "config",
    "model-attentions": "model",
}


@record
class Planned:
    """A fix of a rule offered on this release for a start case, and where the fixer's chain ends."""

    rule: Rule
    index: int
    start: Case
    final: Case
    steps: tuple[str, ...]
    remaining: tuple[str, ...]


def _use(case: Case, device: str) -> ModelUse:
    def setting(value: str | bool) -> list[Setting]:
        return [Setting(value=value, origin="keyword", span=_SPAN, site=_SPAN)]

    flags: dict[str, list[Setting]] = {}
    if case.mode == "no-cache":
        flags["use_cache"] = setting(False)
    if case.mode in _ATTENTIONS_STAGE:
        flags["output_attentions"] = [Setting(value=True, origin="keyword", span=_SPAN, site=_SPAN,
                                              stage=_ATTENTIONS_STAGE[case.mode])]
    if case.attn != "flex_attention" or case.kernel == "compiled":
        flags["device"] = setting(device.split(":")[0])
    cache = case.cache.removeprefix("object:")
    return ModelUse(
        path="<probe>", model_types=frozenset({case.model}),
        attn=setting(case.attn) if case.attn != DEFAULT else [],
        cache=setting(cache) if cache != DEFAULT else [], flags=flags,
    )


def _apply(case: Case, spec: FixSpec) -> Case:
    """The case with a fix applied; a switch to flex runs it compiled, as user code does. A pin
    leaves the code as it is (it changes the releases, which the caller's target says)."""
    if spec.action in _LEAVES_THE_CASE:
        return case
    if spec.action == "set_attn":
        compiled = spec.value == "flex_attention"
        return replace(case, attn=spec.value, kernel="compiled" if compiled else "uncompiled")
    if spec.action == "set_cache":
        return replace(case, cache=spec.value)
    assert spec.action == "remove_cache", spec.action  # callers pass RUN_ACTIONS only
    return replace(case, cache=DEFAULT)


def _findings(case: Case, target: Target, device: str) -> dict[str, FixSpec | None]:
    found = evaluate([_use(case, device)], target)
    return {f.code: f.plan.spec if f.plan is not None else None for f in found}


def chain(
    case: Case, first: FixSpec, target: Target, device: str
) -> tuple[Case, tuple[str, ...], tuple[str, ...]]:
    """The case after `first` and the fixes the fixer's rounds would chain after it; the steps taken
    and the codes left remaining (a fix that would add a finding is rolled back, as in fix/rounds)."""
    current = _apply(case, first)
    steps = [_step(first)]
    refused: set[str] = set()
    for _ in range(_ROUNDS):
        found = _findings(current, target, device)
        todo = [(code, spec) for code, spec in found.items()
                if spec is not None and spec.action in RUN_ACTIONS and code not in refused]
        if not todo:
            break
        code, spec = todo[0]
        after = _apply(current, spec)
        if set(_findings(after, target, device)) - (set(found) - {code}):
            refused.add(code)  # rolled back: the fix would add (or keep) a finding
            continue
        current = after
        steps.append(f"{code}: {_step(spec)}")
    return current, tuple(steps), tuple(sorted(_findings(current, target, device)))


def _step(spec: FixSpec) -> str:
    return f"{spec.action}={spec.value}" if spec.value else spec.action


def _keeps(pin: FixSpec, target: Target) -> bool:
    """Whether the pin's requirement keeps the target's release (the one the probe runs)."""
    kept = Requirement(pin.value).specifier
    return any(kept.contains(Version(v), prereleases=True) for v in _releases(target))


def _releases(target: Target, package: str = "transformers") -> list[str]:
    """The releases a probe's target pins exactly (the installed stack)."""
    spec = target.transformers if package == "transformers" else target.torch
    return [str(s.version) for s in spec if s.operator == "=="]


def _offered(rule: Rule, fix: FixSpec, start: Case, target: Target, device: str) -> FixSpec | None:
    """The fix as the fixer would apply it to the start case on this release, or None: a code fix
    the evaluator offers for the rule's finding, or a pin whose requirement keeps this release."""
    if fix.action == "pin":
        return fix if _keeps(fix, target) else None
    if fix.action == "move_setting":
        return fix  # its starts are the fixed examples this release runs (`_moved`)
    if fix.action not in RUN_ACTIONS:
        return None
    only = replace(rule, fixes=(fix,))
    offered = [f.plan.spec for f in evaluate([_use(start, device)], target, [only])
               if f.plan is not None and f.plan.spec is not None]
    return offered[0] if offered else None


def _fixable(spec: ProbeSpec) -> bool:
    return spec.mode != "kernel" and spec.expect != "fine"


def _starts(case: Case) -> list[Case]:
    """The probe's case, and for flex run uncompiled also as user code runs it (compiled), where
    the device's own rules (the CPU's return_lse on 4.51-4.55) join the chain."""
    if case.attn == "flex_attention" and case.kernel == "uncompiled":
        return [case, replace(case, kernel="compiled")]
    return [case]


def _moved(rule: Rule, target: Target) -> list[Case]:
    """The configurations of the rule's fixed examples whose target holds this release, for the
    model types the probe builds: where a move_setting fix leaves the code."""
    cases = []
    for example in rule.invalid:
        holds = example.fixed is not None and all(
            SpecifierSet(example.target).contains(Version(v), prereleases=True) for v in _releases(target))
        for use in extract_python(example.fixed or "", example.file) if holds else ():
            attn = next((str(s.value) for s in use.attn), DEFAULT)
            cache = next((str(s.value) for s in use.cache), DEFAULT)
            cases += [Case(model, attn, cache) for model in sorted(use.model_types) if model in KNOWN_MODELS]
    return list(dict.fromkeys(cases))


def _starts_for(rule: Rule, fix: FixSpec, target: Target, device: str) -> list[Case]:
    """The cases a fix starts from: the rule's probe cases (flex also compiled); for a moved setting,
    where the fixer leaves it: the fixed examples' configurations, and each probe that gives the cache
    to from_pretrained on a release that refuses it, with the cache given to generate instead."""
    if fix.action != "move_setting":
        return [start for spec in rule.probes if _fixable(spec) for start in _starts(probe_case(spec))]
    torch = _releases(target, "torch")[0]
    refused = [replace(probe_case(spec), mode="generate") for spec in rule.probes if spec.mode == "load-cache"
               and all(in_range(rule, spec, v, torch, device) for v in _releases(target))]
    return list(dict.fromkeys([*_moved(rule, target), *refused]))


def plan(chosen: tuple[Rule, ...], target: Target, device: str) -> list[Planned]:
    """Every (rule, fix, start case) whose fix the evaluator offers on this release, with its chain."""
    planned = []
    for rule in chosen:
        for index, fix in enumerate(rule.fixes):
            for start in _starts_for(rule, fix, target, device):
                offered = _offered(rule, fix, start, target, device)
                if offered is None:
                    continue
                if fix.action == "pin" and rule.code in _findings(start, target, device):
                    planned.append(Planned(rule, index, start, start, (_step(fix),), (rule.code,)))
                    continue  # the pin keeps a release the rule claims: judged failed, nothing chained
                final, steps, remaining = chain(start, offered, target, device)
                planned.append(Planned(rule, index, start, final, steps, remaining))
    return planned


def result_of(planned: Planned, outcome: Outcome) -> str:
    """The verdict of one planned fix from what its end case did (FixVerdict.result)."""
    if planned.rule.code in planned.remaining:
        return "fails"  # a pin that keeps a release the rule claims
    if outcome.status == "SKIP" or outcome.error_type in NOT_RUN:
        return "not run"
    if planned.remaining:
        return "remaining"
    return "proven" if outcome.status == "OK" else "fails"


def _text(stack: Stack, verdicts: list[FixVerdict]) -> str:
    lines = [f"transformers {stack.transformers}, torch {stack.torch}, {stack.device}, {stack.dtype}"]
    for v in verdicts:
        lines.append(f"{v.code} {v.result.upper():9} {v.fix} on {v.start}")
        extra = f"; remaining {', '.join(v.remaining)}" if v.remaining else ""
        lines.append(f"    chain: {' -> '.join(v.steps)}; ran {v.final}: {v.observed}{extra}")
    failed = [v for v in verdicts if v.result == "fails"]
    lines += ["", f"{len(verdicts)} fixes run, {sum(v.result == 'proven' for v in verdicts)} proven, "
              f"{len(failed)} fail" + (f": {', '.join(sorted({v.code for v in failed}))}" if failed else "")]
    return "\n".join(lines) + "\n"


def run_fix_verification(args: argparse.Namespace, progress: Progress | None) -> int:
    """Plan the chains for the installed release, run every end case, exit 1 if a clean chain fails."""
    chosen = tuple(r for r in rules() if r.fixes and r.probes)
    if args.rules:
        chosen = tuple(r for r in chosen if r.code in {c.upper() for c in args.rules})
    release, torch = dist_version("transformers"), dist_version("torch")
    target = Target(transformers=SpecifierSet(f"=={release}"), torch=SpecifierSet(f"=={torch.split('+')[0]}"),
                    reason="the probe's stack runs")
    planned = plan(chosen, target, args.device)
    cases = list(dict.fromkeys(p.final for p in planned))
    stack = run_cases(cases, device=args.device, dtype=args.dtype, timeout=args.timeout, progress=progress)
    by_case = {o.case: o for o in stack.outcomes}
    verdicts = []
    for p in planned:
        outcome, fix = by_case[p.final], p.rule.fixes[p.index]
        observed = outcome.status + (f" {outcome.detail}" if outcome.status != "OK" else "")
        verdicts.append(FixVerdict(
            p.rule.code, p.index, _step(fix), p.start.id,
            p.steps, p.final.id, p.remaining, observed[:240], result_of(p, outcome)))
    if args.record:
        from attnlint.probe.record import record_fixes

        written = record_fixes(stack, verdicts, codes=tuple(r.code for r in chosen))
        print(f"recorded a verified release in {len(written)} rules: {', '.join(written)}", file=sys.stderr)
    if args.output_format == "json":
        data = {"transformers": stack.transformers, "torch": stack.torch, "device": stack.device,
                "fixes": [asdict(v) for v in verdicts]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(_text(stack, verdicts))
    return 1 if any(v.result == "fails" for v in verdicts) else 0
