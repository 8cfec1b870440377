"""Reversible, per-model routing through the process-wide extension points.

The extension points (`AttentionInterface`, `AttentionMaskInterface`, and on 4.51/4.52 the class
attribute `Llama4TextModel._update_causal_mask`) are global. Each is replaced by ONE dispatcher
while any guarded model needs it; the dispatcher looks up the handler chosen for the calling
model's config (by identity) and hands everyone else the original. When the last guarded model
releases a point, the original is put back. Handlers receive the original as their first argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
#: installer(lookup) puts a dispatcher in place and returns the function that restores the original.
Installer = Callable[[Callable[[Any], Handler | None]], Callable[[], None]]

_ROUTES: dict[str, dict[int, tuple[Any, Handler]]] = {}
_RESTORE: dict[str, Callable[[], None]] = {}


def handler_for(point: str, config: Any) -> Handler | None:
    """The handler a guarded config chose for `point`, None for everyone else."""
    entry = _ROUTES.get(point, {}).get(id(config))
    return entry[1] if entry is not None else None


def route(point: str, installer: Installer, configs: list[Any], handler: Handler) -> bool:
    """Send these configs' calls at `point` to `handler`; True when the dispatcher was installed now."""
    fresh = point not in _RESTORE
    if fresh:
        _ROUTES[point] = {}
        _RESTORE[point] = installer(lambda config: handler_for(point, config))
    for config in configs:
        _ROUTES[point][id(config)] = (config, handler)
    return fresh


def unroute(point: str, configs: list[Any]) -> None:
    routes = _ROUTES.get(point)
    if routes is None:
        return
    for config in configs:
        routes.pop(id(config), None)
    if not routes:
        _RESTORE.pop(point)()
        del _ROUTES[point]


def installed() -> list[str]:
    """The extension points currently replaced by a dispatcher."""
    return sorted(_RESTORE)
