"""Reversible, per-model routing through the process-wide extension points.

The extension points (`AttentionInterface`, `AttentionMaskInterface`, and on 4.51/4.52 the class
attribute `Llama4TextModel._update_causal_mask`) are global. Each is replaced by ONE dispatcher
while any guarded model needs it; the dispatcher looks up the handler chosen for the calling
model's config (by identity) and hands everyone else the original. When the last guarded model
releases a point, the original is put back. Handlers receive the original as their first argument.

Routes hold configs weakly: a guarded model dropped without `unguard` takes its routes with it,
and the last one gone restores the original. `LOCK` serialises installs and removals (and the
guard's own bookkeeping), so two threads guarding two models install one dispatcher, not two.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
#: installer(lookup) puts a dispatcher in place and returns the function that restores the original.
Installer = Callable[[Callable[[Any], Handler | None]], Callable[[], None]]

LOCK = threading.RLock()
_ROUTES: dict[str, dict[int, tuple[weakref.ref[Any], Handler]]] = {}
_RESTORE: dict[str, Callable[[], None]] = {}
_ROUTING: set[str] = set()


def handler_for(point: str, config: Any) -> Handler | None:
    """The handler a guarded config chose for `point`, None for everyone else."""
    entry = _ROUTES.get(point, {}).get(id(config))
    return entry[1] if entry is not None and entry[0]() is config else None


def _drop(point: str, key: int) -> None:
    """Remove one config's route; restore the original when it was the point's last.

    Also a weakref callback, so it may run inside `route` on the same thread (a collection during an
    allocation): a point being routed is never restored here, `route` is about to add to it.
    """
    with LOCK:
        routes = _ROUTES.get(point)
        if routes is None:
            return
        routes.pop(key, None)
        if not routes and point not in _ROUTING:
            _RESTORE.pop(point)()
            del _ROUTES[point]


def _on_collect(point: str, key: int) -> Callable[[weakref.ref[Any]], None]:
    def forget(_: weakref.ref[Any]) -> None:
        _drop(point, key)

    return forget


def route(point: str, installer: Installer, configs: list[Any], handler: Handler) -> bool:
    """Send these configs' calls at `point` to `handler`; True when the dispatcher was installed now."""
    with LOCK:
        fresh = point not in _RESTORE
        _ROUTING.add(point)
        try:
            if fresh:
                _RESTORE[point] = installer(lambda config: handler_for(point, config))
            routes = _ROUTES.setdefault(point, {})
            for config in configs:
                routes[id(config)] = (weakref.ref(config, _on_collect(point, id(config))), handler)
        finally:
            _ROUTING.discard(point)
        if not routes:  # nothing to route (or all collected meanwhile): leave the point as it was
            _drop(point, -1)
        return fresh


def unroute(point: str, configs: list[Any]) -> None:
    """Stop routing these configs at `point` (a no-op for configs that were not routed)."""
    with LOCK:
        for config in configs:
            if handler_for(point, config) is not None:
                _drop(point, id(config))


def installed() -> list[str]:
    """The extension points currently replaced by a dispatcher."""
    with LOCK:
        return sorted(_RESTORE)
