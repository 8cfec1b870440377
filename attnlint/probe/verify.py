"""`attnlint probe --verify-rules`: run every rule's probe cases here and judge its prediction.

On the installed release a rule is either in range (its probe must show the predicted behaviour:
the crash with that exception, a MISMATCH, a dropped setting, or a clean run) or out of range (the
predicted symptom must be absent, whatever else happens). A rule whose prediction fails is reported
and makes the command exit 1, so the knowledge is re-checked on every new release and GPU machine.
"""

from __future__ import annotations

import argparse
import json
import sys

from packaging.version import Version

from attnlint.evaluate import valid_names
from attnlint.facts import Call, Span
from attnlint.knowledge import rules, vocabulary
from attnlint.knowledge.schema import ProbeSpec, Rule
from attnlint.probe.cases import Case, Outcome, Result, Verdict, cache_constructor
from attnlint.probe.runner import Progress, Stack, run_cases
from attnlint.signatures import binding_error, refusals

__all__ = ["judge", "probe_case", "run_verification"]

#: Failures of the probe itself, not of the release: the case proves nothing inside or outside.
NOT_RUN = frozenset({"ProcessDied", "Timeout"})


def probe_case(spec: ProbeSpec) -> Case:
    return Case(
        spec.model, spec.attn, spec.cache, spec.form, spec.kernel, spec.mode,
        tuple(sorted(spec.overrides.items())), spec.new_tokens,
    )


def in_range(rule: Rule, spec: ProbeSpec, transformers: str, torch: str, device: str) -> bool:
    """Whether the rule claims this stack for this probe: its transformers range (unless the probe
    runs torch alone), its torch range and its device trigger; for a vocabulary rule, whether this
    release does not know the probe's name."""
    devices = rule.when.get("device")
    torch_only = spec.mode == "kernel"
    if rule.kind in ("refused-keyword", "constructor-arguments"):
        return _call_refused(rule, spec, Version(transformers))
    if rule.kind != "combination":  # a vocabulary rule claims the releases that do not know the name
        kind = "attn" if rule.kind == "unknown-attn" else "cache"
        return (spec.attn if kind == "attn" else spec.cache) not in valid_names(kind, Version(transformers))
    return (
        (torch_only or rule.transformers_spec.contains(Version(transformers).base_version, prereleases=True))
        and rule.torch_spec.contains(Version(torch).base_version, prereleases=True)
        and (devices is None or device.split(":")[0] in devices)
    )


_PROBE_SPAN = Span(path="<probe>", row=1, column=1, end_row=1, end_column=1)


def _call_refused(rule: Rule, spec: ProbeSpec, version: Version) -> bool:
    """Whether the call the probe makes is one calls.toml says `version` refuses: the cache name given
    to from_pretrained (`load-cache`, ATN140) or the cache class's constructor call (ATN141)."""
    if rule.kind == "refused-keyword":
        if spec.mode != "load-cache":
            raise ValueError(f"{rule.code}: a refused-keyword probe gives the cache to from_pretrained "
                             "(mode = \"load-cache\")")
        given = {"cache_implementation": _PROBE_SPAN}
        call = Call(callee="from_pretrained", span=_PROBE_SPAN, keywords=given)
        return bool(refusals(call, frozenset({spec.model}), version))
    built = cache_constructor(spec.cache)
    if built is None:
        raise ValueError(f"{rule.code}: a constructor-arguments probe builds its cache (`object:Name(...)`)")
    call = Call(callee=built.name, span=_PROBE_SPAN, positional=len(built.positional),
                keywords={key: _PROBE_SPAN for key, _ in built.keywords})
    return bool(binding_error(call, version))


def shows(spec: ProbeSpec, outcome: Outcome) -> bool:
    """Whether `outcome` is the behaviour `spec` predicts."""
    text = f"{outcome.message} {outcome.cache_class}"
    if spec.match and spec.match not in text:
        return False
    if spec.expect == "crash":
        return outcome.status == "FAIL" and outcome.error_type in spec.error.split("|")
    if spec.expect == "wrong-output":
        return outcome.status == "MISMATCH"
    if spec.expect == "no-effect":
        return outcome.status == "OK" and outcome.cache_class == outcome.ref_cache_class
    return outcome.status == "OK"


def _predicted(spec: ProbeSpec) -> str:
    what = {"crash": f"crash {spec.error}", "wrong-output": "wrong output", "no-effect": "no effect",
            "fine": "runs and matches eager"}[spec.expect]
    return f"{what} ({spec.match!r})" if spec.match else what


def judge(rule: Rule, spec: ProbeSpec, outcome: Outcome, stack: Stack) -> Verdict:
    """Inside the range the prediction must show; outside, its symptom must not."""
    inside = in_range(rule, spec, stack.transformers, stack.torch, stack.device)
    observed = outcome.status + (f" {outcome.detail}" if outcome.status != "OK" else "")
    if outcome.status == "SKIP" or outcome.error_type in NOT_RUN:
        result: Result = "not run"
    elif spec.expect == "fine":
        result = "holds" if shows(spec, outcome) else "fails"
    else:
        result = "holds" if shows(spec, outcome) == inside else "fails"
    predicted = _predicted(spec) if inside or spec.expect == "fine" else f"not: {_predicted(spec)}"
    return Verdict(rule.code, outcome.case.id, spec.expect, inside, predicted, observed[:240], result)


def verify(stack: Stack, chosen: tuple[Rule, ...]) -> list[Verdict]:
    by_case = {o.case: o for o in stack.outcomes}
    return [judge(rule, spec, by_case[probe_case(spec)], stack) for rule in chosen for spec in rule.probes]


def _text(stack: Stack, verdicts: list[Verdict]) -> str:
    lines = [f"transformers {stack.transformers}, torch {stack.torch}, {stack.device}, {stack.dtype}"]
    for v in verdicts:
        where = "in range" if v.in_range else "out of range"
        lines.append(f"{v.code} {v.result.upper():8} {where:12} {v.case}")
        lines.append(f"    predicted: {v.predicted}; observed: {v.observed}")
    failed = sorted({v.code for v in verdicts if v.result == "fails"})
    held = sorted({v.code for v in verdicts} - set(failed))
    lines.append("")
    lines.append(f"{len(held)} rules hold, {len(failed)} fail verification" +
                 (f": {', '.join(failed)}" if failed else ""))
    return "\n".join(lines) + "\n"


def run_verification(args: argparse.Namespace, progress: Progress | None) -> int:
    """Run the probes of every rule that has some (`--models` narrows them); exit 1 on a failure."""
    chosen = tuple(r for r in rules() if r.probes)
    if args.rules:
        chosen = tuple(r for r in chosen if r.code in {c.upper() for c in args.rules})
    if args.models:
        chosen = tuple(r for r in chosen if any(p.model in args.models for p in r.probes))
    cases = list(dict.fromkeys(probe_case(p) for r in chosen for p in r.probes))
    vocabulary()  # load all knowledge before the long run, not from files that may change meanwhile
    stack = run_cases(cases, device=args.device, dtype=args.dtype, timeout=args.timeout, progress=progress)
    verdicts = verify(stack, chosen)
    if args.record:
        from attnlint.probe.record import record

        written = record(stack, verdicts)
        print(f"recorded a reproduction in {len(written)} rules: {', '.join(written)}", file=sys.stderr)
    if args.output_format == "json":
        data = {"transformers": stack.transformers, "torch": stack.torch, "device": stack.device,
                "verdicts": [v.__dict__ for v in verdicts]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(_text(stack, verdicts))
    return 1 if any(v.result == "fails" for v in verdicts) else 0
