"""Named runtime repairs (a rule's `runtime_repair`) and the routes each one sets up.

The names, what each does and the model types that get the guarded mask are data
(knowledge/runtime.toml, checked against the rules when they load); `ROUTES` is the code that
carries each name out, and tests/test_vocabulary.py checks that the two name the same repairs.
On a model type of `guarded_mask_model_types` (Llama4) every repair installs the guarded mask too,
because the guarded attention then sizes masks right for every cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from attnlint.knowledge import repair_names, runtime_knowledge
from attnlint.runtime.attention import run_flex
from attnlint.runtime.hooks import Handler, Installer
from attnlint.runtime.masks import interface, llama4_mask_route
from attnlint.runtime.masks.spec import MaskSpec

ATTENTION_POINT = "transformers.AttentionInterface['flex_attention']"


def _install_attention(lookup: Callable[[Any], Handler | None]) -> Callable[[], None]:
    from transformers import AttentionInterface

    original = cast(Callable[..., Any], AttentionInterface._global_mapping["flex_attention"])

    def guarded_flex_attention(module: Any, query: Any, key: Any, value: Any, attention_mask: Any,
                               *args: Any, **kwargs: Any) -> Any:
        handler = lookup(getattr(module, "config", None))
        if handler is None and isinstance(attention_mask, MaskSpec):
            handler = _attention_handler
        if handler is None:
            return original(module, query, key, value, attention_mask, *args, **kwargs)
        return handler(original, module, query, key, value, attention_mask, *args, **kwargs)

    AttentionInterface.register("flex_attention", cast(Callable[..., Any], guarded_flex_attention))

    def restore() -> None:
        AttentionInterface.register("flex_attention", original)

    return restore


def _attention_handler(original: Any, *args: Any, **kwargs: Any) -> Any:
    return run_flex(*args, **kwargs)


Route = tuple[str, Installer, Handler]


def _attention_route() -> Route:
    return (ATTENTION_POINT, _install_attention, _attention_handler)


def _guarded_mask() -> list[Route]:
    return [_attention_route(), llama4_mask_route()]


def _offset_copy() -> list[Route]:
    return [(interface.POINT, interface.install, interface.offset_handler)]


#: The code behind each repair name of knowledge/runtime.toml (for models without the guarded mask).
ROUTES: dict[str, Callable[[], list[Route]]] = {
    "llama4-flex-mask": _guarded_mask,
    "cpu-flex-attention": lambda: [_attention_route()],
    "flex-static-offset": _offset_copy,
}


def routes_for(repair: str, model_types: frozenset[str]) -> list[Route]:
    """(extension point, installer, handler) triples that carry out `repair` on such a model."""
    if repair not in repair_names():
        raise KeyError(f"unknown runtime repair {repair!r}; known: {sorted(repair_names())}")
    if model_types & set(runtime_knowledge().guarded_mask_model_types):
        return _guarded_mask()
    return ROUTES[repair]()
