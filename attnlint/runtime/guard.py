"""`attnlint.guard(model)`: judge a live model with the knowledge base and make it safe.

The guard builds the same facts the static checker builds (attnlint.extract.live), evaluates them
for the exact installed versions, and answers each matched rule per `mode` (see
attnlint.runtime.model_guard). Per-call settings (`cache_implementation=`, `past_key_values=`,
`output_attentions=`) are judged in every mode by a wrapper around THIS instance's `generate`
(attnlint.runtime.generate); calls without them go straight through.

State: one `ModelGuard` per guarded model, in a registry keyed weakly by the model, so a guarded
model that is dropped without `unguard` is collected, and its hooks go with its configs (the hooks
hold configs weakly). Guarding, unguarding and the install of the process-wide dispatchers run
under one lock (`hooks.LOCK`). Guarding a guarded model again with the same mode and rules returns
its report; with another mode or other rules it raises `GuardConflictError`. On a transformers
release the knowledge base does not list, nothing is judged: the report and a warning say so.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from attnlint.extract.live import newest_known_release, unknown_release
from attnlint.knowledge.schema import Rule
from attnlint.runtime import hooks
from attnlint.runtime.errors import GuardConflictError
from attnlint.runtime.generate import GuardedGenerate
from attnlint.runtime.model_guard import Mode, ModelGuard
from attnlint.runtime.report import GuardReport

LOG = logging.getLogger("attnlint")
MODES: tuple[Mode, ...] = ("repair", "raise", "warn")

_GUARDS: weakref.WeakKeyDictionary[Any, ModelGuard] = weakref.WeakKeyDictionary()


def guard_of(model: Any) -> ModelGuard | None:
    """The guard of `model`, None when it is not guarded (a copy of a guarded model is not)."""
    return _GUARDS.get(model)


def _new_report(model: Any, mode: Mode) -> GuardReport:
    import torch
    import transformers

    from attnlint.extract.live import live_use

    use = live_use(model)
    return GuardReport(
        mode=mode, transformers=transformers.__version__, torch=torch.__version__,
        device=str(use.flags["device"][0].value), model_types=sorted(use.model_types),
        attn=str(use.attn[0].value) if use.attn else None,
    )


def _existing(model: Any, mode: Mode, rules: Sequence[Rule] | None) -> GuardReport | None:
    state = _GUARDS.get(model)
    if state is None:
        return None
    if state.mode != mode or state.rules != (tuple(rules) if rules is not None else None):
        raise GuardConflictError(
            f"this model is already guarded in mode {state.mode!r}"
            f"{' with other rules' if state.mode == mode else ''}; "
            f"call attnlint.unguard(model) before guarding it in mode {mode!r}"
        )
    return state.report


def guard(model: Any, mode: Mode = "repair", *, rules: Sequence[Rule] | None = None) -> GuardReport:
    """Judge `model` with the knowledge base and act per `mode`; returns the report."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'repair', 'raise' or 'warn', not {mode!r}")
    with hooks.LOCK:
        report = _existing(model, mode, rules)
        if report is not None:
            return report
        state = ModelGuard(model, mode, rules, _new_report(model, mode))
        unknown = unknown_release(state.report.transformers)
        if unknown:
            state.report.unknown_release = newest_known_release()
            LOG.warning("attnlint guard: %s", state.report.unknown_text())
        _GUARDS[model] = state
        try:
            if not unknown:
                state.judge()
        except Exception:
            unguard(model)
            raise
        model.generate = GuardedGenerate(model, state.judge_call, state.previous_generate)
        return state.report


def unguard(model: Any) -> None:
    """Undo everything `guard` did to this model; a no-op for a model that is not guarded."""
    with hooks.LOCK:
        state = _GUARDS.pop(model, None)
        if state is not None:
            state.release(model)


@contextmanager
def guarded(
    model: Any, mode: Mode = "repair", *, rules: Sequence[Rule] | None = None
) -> Iterator[GuardReport]:
    """`with attnlint.guarded(model) as report: ...`; unguards on exit unless it was guarded before."""
    owner = guard_of(model) is None
    report = guard(model, mode, rules=rules)
    try:
        yield report
    finally:
        if owner:
            unguard(model)
