"""One guarded model's state and the guard's answers to matched rules, per `mode`.

- "repair": install the rule's `runtime_repair` (scoped hooks, see attnlint.runtime.repairs), or
  else apply its first safe fix to this model (attention) or to the generate call (cache), and log
  one warning naming the rule codes;
- "raise": raise an AttnlintError subclass carrying the rule code and the fix;
- "warn": log the warning and change nothing.

A `ModelGuard` holds its model only through a weak reference: it lives as long as the model does
(the model's `generate` wrapper and the registry in attnlint.runtime.guard point at it), and undo
steps receive the model as an argument instead of closing over it.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Literal

from attnlint.evaluate import evaluate
from attnlint.extract.live import cache_setting, live_target, live_use, model_types
from attnlint.finding import Finding
from attnlint.knowledge import rule_by_code
from attnlint.knowledge.schema import Rule
from attnlint.runtime import hooks
from attnlint.runtime.errors import error_for
from attnlint.runtime.repairs import routes_for
from attnlint.runtime.report import Action, GuardReport, RuleAction

Mode = Literal["repair", "raise", "warn"]
#: What one generate call says about the cache and attention weights: (cache_implementation,
#: past_key_values class name, output_attentions).
CallKey = tuple[str | None, str | None, bool | None]
Undo = Callable[[Any], None]
LOG = logging.getLogger("attnlint")


def _configs(model: Any) -> list[Any]:
    """Every config object the model's modules read (the hooks recognise a guarded model by them)."""
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


def _fix_text(diagnostic: Finding) -> str:
    plan = diagnostic.plan
    if plan is None:
        return ""
    return plan.spec.description if plan.spec is not None else plan.refusal


def call_key(kwargs: dict[str, Any]) -> CallKey | None:
    """The per-call settings of one generate call, None when it sets none of them."""
    cache = kwargs.get("cache_implementation")
    generation = kwargs.get("generation_config")
    if cache is None and generation is not None:
        cache = getattr(generation, "cache_implementation", None)
    past = kwargs.get("past_key_values")
    attentions = kwargs.get("output_attentions")
    if cache is None and past is None and attentions is None:
        return None
    return (cache, type(past).__name__ if past is not None else None, attentions)


def _describe_call(key: CallKey) -> str:
    names = ("cache_implementation", "past_key_values", "output_attentions")
    return ", ".join(f"{name}={value!r}" for name, value in zip(names, key, strict=True) if value is not None)


class ModelGuard:
    """The guard of one model: its mode, rules, report, routed hooks, undo steps and per-call answers."""

    def __init__(self, model: Any, mode: Mode, rules: Sequence[Rule] | None, report: GuardReport) -> None:
        self.model_ref = weakref.ref(model)
        self.mode: Mode = mode
        self.rules = tuple(rules) if rules is not None else None
        self.report = report
        self.configs = _configs(model)
        self.model_types = model_types(model)
        #: the instance attribute `generate` held before guarding (restored by `release`)
        self.previous_generate: Any = model.__dict__.get("generate")
        self.points: list[str] = []
        self.undo: list[Undo] = []
        self.handled: set[str] = set()
        self.calls: dict[CallKey, dict[str, Any]] = {}

    def model(self) -> Any:
        model = self.model_ref()
        if model is None:
            raise ReferenceError("the guarded model no longer exists")
        return model

    # ---- answers -------------------------------------------------------------------------------

    def _install(self, repair: str) -> list[str]:
        names = []
        for point, installer, handler in routes_for(repair, self.model_types):
            if point not in self.points:
                hooks.route(point, installer, self.configs, handler)
                self.points.append(point)
                self.report.patched.append(point)
            names.append(point)
        return names

    def _set_attn(self, value: str) -> str:
        model = self.model()
        before = model.config._attn_implementation
        configs = self.configs

        def apply(target: Any, name: str) -> None:
            setter = getattr(target, "set_attn_implementation", None)
            if callable(setter):
                setter(name)
                return
            for config in configs:
                if getattr(config, "_attn_implementation", None) == before or config is target.config:
                    config._attn_implementation = name

        apply(model, value)
        self.undo.append(lambda target: apply(target, before))
        change = f"attn_implementation: {before!r} -> {value!r}"
        self.report.changed.append(change)
        return change

    def _set_default_cache(self, value: str | None) -> str:
        generation = self.model().generation_config
        before = generation.cache_implementation
        generation.cache_implementation = value

        def restore(target: Any) -> None:
            target.generation_config.cache_implementation = before

        self.undo.append(restore)
        change = f"generation_config.cache_implementation: {before!r} -> {value!r}"
        self.report.changed.append(change)
        return change

    def _apply_fix(self, diagnostic: Finding, call: dict[str, Any] | None) -> tuple[Action, str]:
        """Apply the first safe fix; `call` collects keyword rewrites for a generate call."""
        spec = diagnostic.plan.spec if diagnostic.plan is not None else None
        if spec is None or spec.applicability != "safe":
            return "unrepaired", _fix_text(diagnostic) or "no safe fix"
        if spec.action == "set_attn":
            return "fixed", self._set_attn(spec.value)
        cache_value = spec.value if spec.action == "set_cache" else None
        if call is None:
            return "fixed", self._set_default_cache(cache_value)
        if "past_key_values" in call:
            return "unrepaired", f"a cache object was passed; {spec.description}"
        call["cache_implementation"] = cache_value
        return "fixed", f"cache_implementation={cache_value!r} for this call"

    def _rule(self, code: str) -> Rule:
        if self.rules is not None:
            return next(r for r in self.rules if r.code == code)
        return rule_by_code()[code]

    def act(self, diagnostics: list[Finding], when: str, call: dict[str, Any] | None) -> None:
        """Answer matched rules per mode; `call` is None at guard time, the call's rewrites per call.

        In every mode a generate call's matches are answered before the call runs: raise raises, warn
        logs once per distinct call setting (even codes already reported at guard time), repair
        installs or rewrites what the guard has not already put in place.
        """
        fresh = [d for d in diagnostics if d.code not in self.handled or call is not None]
        if not fresh:
            return
        if self.mode == "raise":
            first = fresh[0]
            raise error_for(first.code, first.message, _fix_text(first))
        actions = []
        for diagnostic in fresh:
            action: Action
            rule = self._rule(diagnostic.code)
            if self.mode == "warn":
                action, detail = "warned", _fix_text(diagnostic)
            elif rule.runtime_repair:
                action, detail = "repaired", ", ".join(self._install(rule.runtime_repair))
            else:
                action, detail = self._apply_fix(diagnostic, call)
            if diagnostic.code not in self.handled:
                self.handled.add(diagnostic.code)
                self.report.matched.append(RuleAction(
                    code=diagnostic.code, name=diagnostic.rule, message=diagnostic.message,
                    action=action, detail=detail, when=when,
                ))
                actions.append(f"{diagnostic.code} ({action})")
            elif self.mode == "warn":
                actions.append(f"{diagnostic.code} ({action})")
        if actions:
            LOG.warning("attnlint guard%s: %s; see %s", f" [{when}]" if call is not None else "",
                        ", ".join(actions), "attnlint.guard(model) report")

    def judge(self) -> None:
        """Judge the model as configured now (guard time)."""
        self.act(evaluate([live_use(self.model())], live_target(), self.rules), "guard", None)

    def judge_call(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Judge one generate call's own settings (every mode) and return its keyword arguments."""
        key = call_key(kwargs)
        if key is None:
            return kwargs
        if key not in self.calls or self.mode == "raise":
            setting = cache_setting(key[0], kwargs.get("past_key_values"))
            use = live_use(self.model(), cache=setting, output_attentions=key[2])
            rewrites: dict[str, Any] = {k: kwargs[k] for k in ("past_key_values",) if k in kwargs}
            self.act(evaluate([use], live_target(), self.rules), f"generate({_describe_call(key)})", rewrites)
            rewrites.pop("past_key_values", None)
            self.calls[key] = rewrites
        return {**kwargs, **self.calls[key]}

    def release(self, model: Any) -> None:
        """Undo every hook and setting change on `model` (the guarded model itself)."""
        if self.previous_generate is not None:
            model.__dict__["generate"] = self.previous_generate
        else:
            model.__dict__.pop("generate", None)
        for point in reversed(self.points):
            hooks.unroute(point, self.configs)
        for undo in reversed(self.undo):
            undo(model)
