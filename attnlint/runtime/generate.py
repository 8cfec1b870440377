"""The instance `generate` of a guarded model: judges each call's own settings, then calls generate.

It is an object, not a closure, so that it holds its model weakly and can say what a copy gets:
`copy.deepcopy(model)` and `pickle` / `torch.save(model)` reduce it to the class's `generate`
bound to the copy (`getattr(copy, "generate")` while the copy's attributes are not yet set), so a
copy is a plain, unguarded model that computes with its own weights, never a link to the original,
and unpickling needs no attnlint.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any


class GuardedGenerate:
    """Stands in for `model.generate` while the model is guarded (see attnlint.runtime.guard)."""

    def __init__(self, model: Any, judge_call: Callable[[dict[str, Any]], dict[str, Any]],
                 previous: Callable[..., Any] | None) -> None:
        self._model = weakref.ref(model)
        self._judge_call = judge_call
        self._previous = previous

    def _target(self) -> Callable[..., Any]:
        model = self._model()
        if model is None:
            raise ReferenceError("the guarded model no longer exists")
        if self._previous is not None:
            return self._previous
        method: Callable[..., Any] = type(model).generate.__get__(model)
        return method

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        """The generate this wraps, so that `inspect.signature(model.generate)` stays upstream's."""
        return self._target()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target = self._target()
        return target(*args, **self._judge_call(kwargs))

    def __reduce__(self) -> tuple[Any, ...]:
        return (getattr, (self._model(), "generate"))
