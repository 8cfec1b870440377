"""`attnlint probe --verify-fixes`: run every fix of the rule data as the fixer would leave the code.

For each rule's probe case that shows the rule's symptom, each fix valid on the installed release is
applied to the case; then, as `attnlint fix --unsafe-fixes` does in its re-checked rounds, every fix
that the evaluator offers for what the fixed case still matches is applied in turn, and a fix whose
result matches a rule it did not match before is rolled back. The case the chain ends with is run
against eager on the same weights. A chain that ends clean (no rule matches it on this release) must
run and match eager; one that ends with findings the fixer reports as remaining holds whatever it does.

The case stands for the code the fixer sees: its attention, its cache, `use_cache=False` for the
no-cache mode and the device it runs on; a flex case run uncompiled stands for the mask code a GPU
reaches, so no device is assumed for it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version as dist_version

from packaging.specifiers import SpecifierSet

from attnlint.evaluate import evaluate
from attnlint.facts import ModelUse, Setting, Span, Target
from attnlint.knowledge import rules
from attnlint.knowledge.schema import RUN_ACTIONS, FixSpec, ProbeSpec, Rule
from attnlint.probe.cases import DEFAULT, Case, FixVerdict, Outcome
from attnlint.probe.runner import Progress, Stack, run_cases
from attnlint.probe.verify import NOT_RUN, probe_case

__all__ = ["Planned", "chain", "plan", "run_fix_verification"]

_SPAN = Span(path="<probe>", row=1, column=1, end_row=1, end_column=2)
_ROUNDS = 4


@dataclass(frozen=True)
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
    if case.attn != "flex_attention" or case.kernel == "compiled":
        flags["device"] = setting(device.split(":")[0])
    cache = case.cache.removeprefix("object:")
    return ModelUse(
        path="<probe>", model_types=frozenset({case.model}),
        attn=setting(case.attn) if case.attn != DEFAULT else [],
        cache=setting(cache) if cache != DEFAULT else [], flags=flags,
    )


def _apply(case: Case, spec: FixSpec) -> Case:
    """The case with a fix applied; a switch to flex runs it compiled, as user code does."""
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
    steps = [f"{first.action}={first.value}" if first.value else first.action]
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
        steps.append(f"{code}: {spec.action}={spec.value}" if spec.value else f"{code}: {spec.action}")
    return current, tuple(steps), tuple(sorted(_findings(current, target, device)))


def _fixable(spec: ProbeSpec) -> bool:
    return spec.mode != "kernel" and spec.expect != "fine"


def _starts(case: Case) -> list[Case]:
    """The probe's case, and for flex run uncompiled also as user code runs it (compiled), where
    the device's own rules (the CPU's return_lse on 4.51-4.55) join the chain."""
    if case.attn == "flex_attention" and case.kernel == "uncompiled":
        return [case, replace(case, kernel="compiled")]
    return [case]


def plan(chosen: tuple[Rule, ...], target: Target, device: str) -> list[Planned]:
    """Every (rule, fix, start case) whose fix the evaluator offers on this release, with its chain."""
    planned = []
    for rule in chosen:
        for spec in (p for p in rule.probes if _fixable(p)):
            for start, (index, fix) in itertools.product(_starts(probe_case(spec)), enumerate(rule.fixes)):
                if fix.action not in RUN_ACTIONS:
                    continue
                only = replace(rule, fixes=(fix,))
                offered = [f.plan.spec for f in evaluate([_use(start, device)], target, [only])
                           if f.plan is not None and f.plan.spec is not None]
                if offered:
                    final, steps, remaining = chain(start, offered[0], target, device)
                    planned.append(Planned(rule, index, start, final, steps, remaining))
    return planned


def _judge(outcome: Outcome, remaining: list[str]) -> str:
    if outcome.status == "SKIP" or outcome.error_type in NOT_RUN:
        return "not run"
    if remaining:
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
    chosen = tuple(r for r in rules() if r.probes and r.fixes)
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
            p.rule.code, p.index, f"{fix.action}={fix.value}" if fix.value else fix.action, p.start.id,
            p.steps, p.final.id, p.remaining, observed[:240], _judge(outcome, list(p.remaining))))
    if args.record:
        from attnlint.probe.record import record_fixes

        written = record_fixes(stack, verdicts)
        print(f"recorded a verified release in {len(written)} rules: {', '.join(written)}", file=sys.stderr)
    if args.output_format == "json":
        data = {"transformers": stack.transformers, "torch": stack.torch, "device": stack.device,
                "fixes": [asdict(v) for v in verdicts]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(_text(stack, verdicts))
    return 1 if any(v.result == "fails" for v in verdicts) else 0
