"""`attnlint.guard(model)`: judge a live model with the knowledge base and make it safe.

The guard builds the same facts the static checker builds (attnlint.extract.live), evaluates them
for the exact installed versions, and answers each matched rule according to `mode`:

- "repair": install the rule's `runtime_repair` (scoped hooks, see attnlint.runtime.repairs), or
  else apply its first safe fix to this model (attention) or to the generate call (cache), and log
  one warning naming the rule codes;
- "raise": raise an AttnlintError subclass carrying the rule code and the fix;
- "warn": log the warning and change nothing.

Per-call settings (`cache_implementation=`, `past_key_values=`, `output_attentions=`) are judged by
a wrapper around THIS instance's `generate`; calls without them go straight through. `unguard`
undoes everything; guarding a guarded model returns its report and changes nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from attnlint.diagnostic import Diagnostic
from attnlint.evaluate import evaluate
from attnlint.extract.live import cache_setting, live_target, live_use, model_types
from attnlint.knowledge import rule_by_code
from attnlint.knowledge.schema import Rule
from attnlint.runtime import hooks
from attnlint.runtime.errors import error_for
from attnlint.runtime.repairs import routes_for
from attnlint.runtime.report import Action, GuardReport, RuleAction

Mode = Literal["repair", "raise", "warn"]
CallKey = tuple[str | None, str | None, bool | None]
LOG = logging.getLogger("attnlint")


@dataclass
class _State:
    model: Any
    mode: Mode
    rules: Sequence[Rule] | None
    report: GuardReport
    configs: list[Any]
    points: list[str] = field(default_factory=list)
    undo: list[Callable[[], None]] = field(default_factory=list)
    handled: set[str] = field(default_factory=set)
    calls: dict[CallKey, dict[str, Any]] = field(default_factory=dict)


_STATES: dict[int, _State] = {}


def _configs(model: Any) -> list[Any]:
    found: dict[int, Any] = {}
    for module in model.modules():
        config = getattr(module, "config", None)
        if config is not None:
            found.setdefault(id(config), config)
    get_text = getattr(model.config, "get_text_config", None)
    if callable(get_text):
        text = get_text()
        found.setdefault(id(text), text)
    return list(found.values())


def _fix_text(diagnostic: Diagnostic) -> str:
    plan = diagnostic.plan
    if plan is None:
        return ""
    return plan.spec.description if plan.spec is not None else plan.refusal


def _install(state: _State, repair: str) -> list[str]:
    names = []
    for point, installer, handler in routes_for(repair, model_types(state.model)):
        if point not in state.points:
            hooks.route(point, installer, state.configs, handler)
            state.points.append(point)
            state.report.patched.append(point)
        names.append(point)
    return names


def _set_attn(state: _State, value: str) -> str:
    model = state.model
    before = model.config._attn_implementation

    def apply(name: str) -> None:
        setter = getattr(model, "set_attn_implementation", None)
        if callable(setter):
            setter(name)
        else:
            for config in state.configs:
                if getattr(config, "_attn_implementation", None) == before or config is model.config:
                    config._attn_implementation = name

    apply(value)
    state.undo.append(lambda: apply(before))
    change = f"attn_implementation: {before!r} -> {value!r}"
    state.report.changed.append(change)
    return change


def _set_default_cache(state: _State, value: str | None) -> str:
    generation = state.model.generation_config
    before = generation.cache_implementation
    generation.cache_implementation = value

    def restore() -> None:
        generation.cache_implementation = before

    state.undo.append(restore)
    change = f"generation_config.cache_implementation: {before!r} -> {value!r}"
    state.report.changed.append(change)
    return change


def _apply_fix(state: _State, diagnostic: Diagnostic, call: dict[str, Any] | None) -> tuple[Action, str]:
    """Apply the first safe fix; `call` collects keyword rewrites for a generate call."""
    spec = diagnostic.plan.spec if diagnostic.plan is not None else None
    if spec is None or spec.applicability != "safe":
        return "unrepaired", _fix_text(diagnostic) or "no safe fix"
    if spec.action == "set_attn":
        return "fixed", _set_attn(state, spec.value)
    cache_value = spec.value if spec.action == "set_cache" else None
    if call is None:
        return "fixed", _set_default_cache(state, cache_value)
    if "past_key_values" in call:
        return "unrepaired", f"a cache object was passed; {spec.description}"
    call["cache_implementation"] = cache_value
    return "fixed", f"cache_implementation={cache_value!r} for this call"


def _rule(state: _State, code: str) -> Rule:
    if state.rules is not None:
        return next(r for r in state.rules if r.code == code)
    return rule_by_code()[code]


def _act(state: _State, diagnostics: list[Diagnostic], when: str, call: dict[str, Any] | None) -> None:
    fresh = [d for d in diagnostics if d.code not in state.handled or call is not None]
    if not fresh:
        return
    if state.mode == "raise":
        first = fresh[0]
        raise error_for(first.code, first.message, _fix_text(first))
    actions = []
    for diagnostic in fresh:
        action: Action
        rule = _rule(state, diagnostic.code)
        if state.mode == "warn":
            action, detail = "warned", _fix_text(diagnostic)
        elif rule.runtime_repair:
            action, detail = "repaired", ", ".join(_install(state, rule.runtime_repair))
        else:
            action, detail = _apply_fix(state, diagnostic, call)
        if diagnostic.code not in state.handled:
            state.handled.add(diagnostic.code)
            state.report.matched.append(RuleAction(
                code=diagnostic.code, name=diagnostic.rule, message=diagnostic.message,
                action=action, detail=detail, when=when,
            ))
            actions.append(f"{diagnostic.code} ({action})")
    if actions:
        LOG.warning("attnlint guard: %s; see %s", ", ".join(actions), "attnlint.guard(model) report")


def _call_key(kwargs: dict[str, Any]) -> CallKey | None:
    cache = kwargs.get("cache_implementation")
    generation = kwargs.get("generation_config")
    if cache is None and generation is not None:
        cache = getattr(generation, "cache_implementation", None)
    past = kwargs.get("past_key_values")
    attentions = kwargs.get("output_attentions")
    if cache is None and past is None and attentions is None:
        return None
    return (cache, type(past).__name__ if past is not None else None, attentions)


def _check_call(state: _State, kwargs: dict[str, Any]) -> dict[str, Any]:
    key = _call_key(kwargs)
    if key is None:
        return kwargs
    if key not in state.calls or state.mode == "raise":
        setting = cache_setting(key[0], kwargs.get("past_key_values"))
        use = live_use(state.model, cache=setting, output_attentions=key[2])
        rewrites: dict[str, Any] = {k: kwargs[k] for k in ("past_key_values",) if k in kwargs}
        _act(state, evaluate([use], live_target(), state.rules), "generate", rewrites)
        rewrites.pop("past_key_values", None)
        state.calls[key] = rewrites
    return {**kwargs, **state.calls[key]}


def guard(model: Any, mode: Mode = "repair", *, rules: Sequence[Rule] | None = None) -> GuardReport:
    """Judge `model` with the knowledge base and act per `mode`; returns the report."""
    if id(model) in _STATES:
        return _STATES[id(model)].report
    if mode not in ("repair", "raise", "warn"):
        raise ValueError(f"mode must be 'repair', 'raise' or 'warn', not {mode!r}")
    import torch
    import transformers

    use = live_use(model)
    device = use.flags["device"][0].value
    report = GuardReport(
        mode=mode, transformers=transformers.__version__, torch=torch.__version__, device=str(device),
        model_types=sorted(use.model_types), attn=str(use.attn[0].value) if use.attn else None,
    )
    state = _State(model=model, mode=mode, rules=rules, report=report, configs=_configs(model))
    _STATES[id(model)] = state
    try:
        _act(state, evaluate([use], live_target(), rules), "guard", None)
    except Exception:
        unguard(model)
        raise
    original = model.generate

    @functools.wraps(original)
    def generate(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **_check_call(state, kwargs))

    model.generate = generate
    return report


def unguard(model: Any) -> None:
    """Undo everything `guard` did to this model; a no-op for a model that is not guarded."""
    state = _STATES.pop(id(model), None)
    if state is None:
        return
    model.__dict__.pop("generate", None)
    for point in reversed(state.points):
        hooks.unroute(point, state.configs)
    for undo in reversed(state.undo):
        undo()


@contextmanager
def guarded(
    model: Any, mode: Mode = "repair", *, rules: Sequence[Rule] | None = None
) -> Iterator[GuardReport]:
    """`with attnlint.guarded(model) as report: ...`; unguards on exit unless it was guarded before."""
    owner = id(model) not in _STATES
    report = guard(model, mode, rules=rules)
    try:
        yield report
    finally:
        if owner:
            unguard(model)
