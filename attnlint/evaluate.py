"""The one evaluator: rules x model uses x target versions -> findings.

The static checker and the runtime guard both end here; they differ only in where the facts come
from. A rule matches a use when some combination of the use's possible values matches every
trigger on some transformers release that both the rule and the target allow. Unset settings are
matched both as the literal "default" and as the release's real default, so a rule can speak of
"the DynamicCache generate builds on 4.51.0" without caring whether the user wrote it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cache

from packaging.version import Version

from attnlint.facts import ANY_NAME, ModelUse, Setting, Span, Target
from attnlint.finding import Finding, FixPlan
from attnlint.knowledge import source_names, vocabulary
from attnlint.knowledge.schema import Rule, TriggerValue
from attnlint.releases import allows, candidate_versions, torch_overlap, version_ranges
from attnlint.rule_index import RuleIndex, json_honoured, model_releases, rule_index
from attnlint.signatures import CallProblem, call_problems
from attnlint.window import narrow

__all__ = ["evaluate", "resolve_default", "valid_names"]

_UNSET = Setting(value="default", origin="runtime")
#: Settings that describe where and how the model runs rather than what it is configured with; a rule
#: fires on them only when they are known to hold (README "When attnlint stays silent").
_CONTEXT_KEYS = frozenset({"dtype", "device", "autocast"})
#: Rules judged on a use's calls (attnlint/signatures.py) rather than on its settings' values.
_CALL_KINDS = frozenset({"refused-keyword", "constructor-arguments"})
#: `name={key}` in a rule message: said as "the default name" when the setting is unset.
_ASSIGNED = re.compile(r"(\w+)=\{(\w+)\}")


@cache
def resolve_default(key: str, model_types: frozenset[str], version: Version) -> TriggerValue | None:
    """What an unset setting means for these model types on this release (vocab.toml defaults)."""
    for entry in vocabulary().defaults:
        if entry.key != key:
            continue
        if entry.model_types and not model_types & set(entry.model_types):
            continue
        if entry.transformers and not allows(entry.transformers, version):
            continue
        return entry.value
    return None


@cache
def valid_names(kind: str, version: Version) -> frozenset[str]:
    """The attn_implementation (`kind="attn"`) or cache_implementation names a release accepts."""
    entries = vocabulary().attn if kind == "attn" else vocabulary().cache
    return frozenset(e.name for e in entries if allows(e.transformers, version))


def _name_accepted(kind: str, value: str, version: Version, registered: frozenset[str]) -> bool:
    """Whether a release accepts a name; a name the project registers itself is always accepted."""
    if kind == "attn" and (value in registered or ANY_NAME in registered):
        return True
    names = valid_names(kind, version)
    if kind == "attn" and "/" in value and not value.startswith("paged|"):
        return "<kernels-hub>" in names
    return value in names


def _unknowable(key: str, setting: Setting) -> bool:
    """A value the file cannot tell: one from the CLI, or a device_map ("auto") chosen at run time."""
    return setting.value is None or (key == "device" and setting.value in source_names().placed_at_run_time)


#: A Hub kernel repository id, to try an f-string against (`f"{org}/{repo}"` may name one).
_HUB_KERNEL = "kernels-community/flash-attn"


def _template_fits(kind: str, template: str, version: Version, registered: frozenset[str]) -> bool:
    """Whether some name a release accepts (or the project registers) could be what an f-string
    formats to: `f"{x}_attention"` fits flex_attention from 4.48 and no name before."""
    if kind == "attn" and ANY_NAME in registered:
        return True
    pattern = re.compile(".*".join(re.escape(part) for part in template.split("{}")), re.S)
    names = set(valid_names(kind, version)) | (set(registered) if kind == "attn" else set())
    if "<kernels-hub>" in names:
        names.add(_HUB_KERNEL)
    return any(pattern.fullmatch(name) for name in names)


def _uncertain(key: str, setting: Setting) -> bool:
    """A context that holds on one branch only, or that the file cannot tell."""
    return key in _CONTEXT_KEYS and (setting.branch is not None or _unknowable(key, setting))


def _chosen_at_run_time(device: Setting) -> bool:
    """A device picked when the script runs (device_map="auto", a pipeline given no device) on every
    path through the file: the CPU on a machine without a GPU."""
    return device.branch is None and device.value in source_names().placed_at_run_time


def _cpu_when_no_gpu(key: str, setting: Setting, allowed: tuple[TriggerValue, ...]) -> bool:
    """A device chosen at run time for a rule that bites on the CPU: the finding is reported (as a
    warning) even without --strict; a user fixing a script on a machine without a GPU must learn
    that it will still fail there."""
    return key == "device" and "cpu" in allowed and _chosen_at_run_time(setting)


def _value_matches(
    setting: Setting, allowed: tuple[TriggerValue, ...], key: str, use: ModelUse, version: Version | None,
    strict: bool = False, cpu_when_no_gpu: bool = False,
) -> bool:
    """Whether the setting meets the trigger on `version` (None: on some release, as far as a
    default that differs between releases goes); `cpu_when_no_gpu`: the rule's `cpu_when_no_gpu`."""
    if not allowed:
        return True
    if _uncertain(key, setting):  # not known to hold: silent, or a possible match under --strict
        return (strict and (_unknowable(key, setting) or setting.value in allowed)) or (
            cpu_when_no_gpu and _cpu_when_no_gpu(key, setting, allowed))
    if setting.value == "default" and setting.span is None:
        if version is None or "default" in allowed:
            return True
        return resolve_default(key, use.model_types, version) in allowed
    return setting.value is not None and setting.value in allowed


class _Combo:
    """One choice of value per dimension of a model use."""

    def __init__(self, attn: Setting, cache_: Setting, flags: dict[str, Setting]) -> None:
        self.attn = attn
        self.cache = cache_
        self.flags = flags

    def settings(self) -> list[Setting]:
        return [self.attn, self.cache, *self.flags.values()]


def _combos(use: ModelUse, rule: Rule) -> Iterable[_Combo]:
    keys = sorted(rule.when)
    flag_options = [use.flags.get(k) or [_UNSET] for k in keys]
    for attn, cache_, *flags in itertools.product(use.attn or [_UNSET], use.cache or [_UNSET], *flag_options):
        yield _Combo(attn, cache_, dict(zip(keys, flags, strict=True)))


def _combo_matches(
    rule: Rule, combo: _Combo, use: ModelUse, version: Version | None, strict: bool = False
) -> bool:
    """Whether the combination matches the rule on `version`. With None, whether it can match on
    some release: everything but the release's defaults and names is tested, so a combination that
    fails here is skipped without a look at each release."""
    if rule.kind in ("unknown-attn", "unknown-cache"):
        kind = "attn" if rule.kind == "unknown-attn" else "cache"
        setting = combo.attn if kind == "attn" else combo.cache
        if setting.template is not None:  # an f-string: only what could fit it, and only under --strict
            fits = version is not None and _template_fits(kind, setting.template, version, use.registered)
            return strict and not fits
        return (
            isinstance(setting.value, str)
            and setting.form == "name"
            and setting.span is not None
            and (strict or not setting.guarded)
            and (version is None or not _name_accepted(kind, setting.value, version, use.registered))
        )
    if rule.cache_forms and combo.cache.form not in rule.cache_forms and combo.cache.span is not None:
        return False
    if not strict and (combo.attn.guarded or combo.cache.guarded):  # uncertain: only --strict reports it
        return False
    attns = [a for a in _on_load(combo.attn, version) if _value_matches(a, rule.attn, "attn", use, version)]
    if "attn" in rule.explicit:
        attns = [a for a in attns if not _unset(a)]
    if not attns or not _value_matches(combo.cache, rule.cache, "cache", use, version):
        return False
    if "cache" in rule.explicit and _unset(combo.cache):
        return False
    if any(s.stage not in rule.set_at.get(k, (s.stage,)) for k, s in combo.flags.items() if s.stage):
        return False
    return all(_value_matches(s, rule.when[k], k, use, version, strict, rule.cpu_when_no_gpu)
               for k, s in combo.flags.items())


def _runs_on(combo: _Combo, version: Version) -> bool:
    """Whether the code that sets the combination's attention and cache runs on `version` (a
    release check attnlint reads can let only some releases through: `Setting.runs_on`)."""
    return all(allows(s.runs_on, version) for s in (combo.attn, combo.cache) if s.runs_on)


def _on_load(attn: Setting, version: Version | None) -> tuple[Setting, ...]:
    """The attentions a model loaded on `version` can get from this setting: a config.json's value
    only where that release's from_pretrained keeps it (vocab.toml `config_json`), else the default;
    with no version (on some release), both where the releases differ."""
    honoured = json_honoured("attn")
    if attn.origin != "json" or honoured is None:
        return (attn,)
    if version is None:
        return (attn, _UNSET)
    return (attn,) if allows(honoured, version) else (_UNSET,)


def _doubt(combo: _Combo) -> str:
    """Why a strict-mode match is uncertain ("" when it is not)."""
    if combo.attn.guarded or combo.cache.guarded:
        return "the setting is guarded by a try/except or a release check"
    if combo.attn.template is not None or combo.cache.template is not None:
        return "the name is an f-string formatted at run time, and no name this release accepts fits it"
    unknown = [k for k, s in combo.flags.items() if _uncertain(k, s)]
    return _run_time_device(combo) or (f"{', '.join(unknown)} not known to hold" if unknown else "")


def _run_time_device(combo: _Combo) -> str:
    """Why a match on a device chosen at run time is uncertain ("" for any other match)."""
    device = combo.flags.get("device")
    if device is None or not _chosen_at_run_time(device):
        return ""
    if device.keyword == "pipeline":
        return ("pipeline() given no device puts the model on GPU 0 when there is one: "
                "the CPU on a machine without a GPU")
    return f"device_map={device.value!r} chooses the device at run time: the CPU on a machine without a GPU"


def _anchor(rule: Rule, combo: _Combo, use: ModelUse) -> Span | None:
    first: list[Setting] = {
        "attn": [combo.attn, combo.cache],
        "cache": [combo.cache, combo.attn],
        "flag": [*combo.flags.values(), combo.attn, combo.cache],
        "model": [],
    }[rule.anchor]
    for setting in first:
        if setting.span is not None:
            return setting.span
    if use.model_span is not None:
        return use.model_span
    return use.sites[0].span if use.sites else None


def _describe(setting: Setting, unset: str) -> str:
    if _unset(setting):
        return unset
    if setting.template is not None:
        return "f" + repr(setting.template.replace("{}", "{...}"))
    if setting.value is None:
        return "(not known)"
    text = repr(setting.value) if isinstance(setting.value, str) else str(setting.value)
    if setting.origin == "implied" and setting.site is not None:
        return f"{text} (loaded on line {setting.site.row} without a device and never moved)"
    return text


def _suggestion(kind: str, value: str, versions: Sequence[Version]) -> str:
    names = set.intersection(*(set(valid_names(kind, v)) for v in versions)) - {"<kernels-hub>"}
    import difflib  # only a misspelt name asks for a suggestion

    close = difflib.get_close_matches(value, sorted(names), n=1, cutoff=0.6)
    return close[0] if close else ""


def _plan(rule: Rule, combo: _Combo, use: ModelUse, target: Target) -> FixPlan:
    whole = candidate_versions(target)
    setting = combo.cache if rule.anchor == "cache" else combo.attn
    for spec in rule.fixes:
        if spec.action == "pin":
            continue
        if set(whole) <= set(candidate_versions(target, spec.transformers)):
            if rule.kind in ("unknown-attn", "unknown-cache"):
                kind = "attn" if rule.kind == "unknown-attn" else "cache"
                suggestion = _suggestion(kind, str(setting.value), whole)
                if not suggestion:
                    break
                spec = replace(spec, value=spec.value.format(suggestion=suggestion))
            return FixPlan(spec=spec, setting=setting, sites=tuple(use.sites))
    return FixPlan(spec=None, refusal=_refusal(rule, target), setting=setting, sites=tuple(use.sites))


def _refusal(rule: Rule, target: Target) -> str:
    whole = candidate_versions(target)
    options = []
    for spec in rule.fixes:
        if spec.action == "pin":
            options.append(f"pin {spec.value}")
        elif spec.transformers:
            options.append(f"{spec.description} (valid on transformers {spec.transformers})")
    span = version_ranges(whole) if whole else "none"
    hint = "; or ".join(options) if options else "change the configuration by hand"
    return f"no single fix is valid on every allowed release ({span}): {hint}"


def _unset(setting: Setting) -> bool:
    return setting.value == "default" and setting.span is None


def _message(rule: Rule, combo: _Combo, use: ModelUse, target: Target, versions: Sequence[Version]) -> str:
    model = "/".join(sorted(use.model_types)) or "this model"
    dropped = combo.attn.origin == "json" and all(_on_load(combo.attn, v) == (_UNSET,) for v in versions)
    attn = _UNSET if dropped else combo.attn  # what the loaded model runs
    by_key = {"attn": attn, "cache": combo.cache, **combo.flags}

    def assigned(match: re.Match[str]) -> str:
        setting = by_key.get(match.group(2))
        return f"the default {match.group(1)}" if setting is not None and _unset(setting) else match.group(0)

    text = _ASSIGNED.sub(assigned, rule.message).format(
        attn=_describe(attn, "the default attention"),
        cache=_describe(combo.cache, "default"),
        model=model,
        **{k: _describe(v, "default") for k, v in combo.flags.items()},
    )
    if dropped:
        text += f" (config.json's attn_implementation={combo.attn.value!r} is dropped on load there)"
    branches = [s.branch for s in combo.settings() if s.branch]
    if branches:
        text += f" (when {'; '.join(dict.fromkeys(branches))})"
    return f"{text}; affects transformers {version_ranges(versions)}, which {target.reason}"


def evaluate(
    uses: Iterable[ModelUse], target: Target, rules: Sequence[Rule] | None = None, *, strict: bool = False
) -> list[Finding]:
    """Judge every use against every rule; one finding per (use, rule) at the best anchor.

    The uses are one file's (or one config folder's): the target is first narrowed to the file's
    version window (`attnlint.window.narrow`), so rules and fixes see only releases the code can run on.
    A rule whose context (dtype, device, autocast) is not known to hold, or whose name is guarded,
    stays silent; `strict` reports those as warnings that say why they are uncertain."""
    index = rule_index() if rules is None else RuleIndex.build(rules)
    uses = list(uses)
    target = narrow(target, uses)
    findings: list[Finding] = []
    for use in uses:
        for rule in index.for_use(use):
            findings += _judge(rule, use, target, strict)
    return sorted(findings, key=lambda f: (f.path, f.span.row, f.span.column, f.code))


def _judge(rule: Rule, use: ModelUse, target: Target, strict: bool = False) -> list[Finding]:
    if rule.model_types and not use.model_types & set(rule.model_types):
        return []
    existing = model_releases(use.model_types)
    versions = [v for v in candidate_versions(target, rule.transformers) if existing is None or v in existing]
    if not versions or not torch_overlap(rule.torch, str(target.torch)):
        return []
    if rule.kind in _CALL_KINDS:
        problems = call_problems(rule, use, versions, strict)
        return [_call_finding(rule, use, target, problem) for problem in problems]
    finding = _judge_combos(rule, use, target, versions, strict)
    return [] if finding is None else [finding]


def _call_finding(rule: Rule, use: ModelUse, target: Target, problem: CallProblem) -> Finding:
    """A finding of a rule judged on calls; a guarded call's (under --strict) is a warning."""
    affected = version_ranges(problem.versions)
    message = f"{problem.text}; affects transformers {affected}, which {target.reason}"
    doubt = " (uncertain: the call is guarded by a try/except or a release check)" if problem.guarded else ""
    severity = "warning" if doubt else rule.severity
    return Finding(
        code=rule.code, rule=rule.name, message=message + doubt, severity=severity, span=problem.span,
        url=rule.url, plan=problem.plan, use=use,
    )


def _judge_combos(
    rule: Rule, use: ModelUse, target: Target, versions: Sequence[Version], strict: bool
) -> Finding | None:
    for combo in _combos(use, rule):
        if not _combo_matches(rule, combo, use, None, strict):
            continue
        hits = [v for v in versions if _runs_on(combo, v) and _combo_matches(rule, combo, use, v, strict)]
        if not hits:
            continue
        span = _anchor(rule, combo, use)
        doubt = _doubt(combo) if strict else _run_time_device(combo)
        message = _message(rule, combo, use, target, hits)
        return Finding(
            code=rule.code,
            rule=rule.name,
            message=f"{message} (uncertain: {doubt})" if doubt else message,
            severity="warning" if doubt else rule.severity,
            span=span or Span(path=use.path, row=1, column=1, end_row=1, end_column=1),
            url=rule.url,
            plan=_plan(rule, combo, use, target),
            use=use,
        )
    return None

