"""Named runtime repairs (a rule's `runtime_repair`) and the routes each one sets up.

- `llama4-flex-mask`: the guarded Llama4 mask (MaskSpec) plus the guarded attention that sizes it.
- `cpu-flex-attention`: the guarded attention (no return_lse, uncompiled on CPU); on Llama4 also the
  guarded mask, because the guarded attention then sizes masks right for every cache.
- `flex-static-offset`: the upstream flex mask builder given a copied query offset (any model; on
  Llama4 the guarded mask, which copies it too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from attnlint.runtime.attention import run_flex
from attnlint.runtime.hooks import Handler, Installer
from attnlint.runtime.masks import interface, llama4_mask_route
from attnlint.runtime.masks.spec import MaskSpec

ATTENTION_POINT = "transformers.AttentionInterface['flex_attention']"
LLAMA4_TYPES = frozenset({"llama4", "llama4_text"})
KNOWN = frozenset({"llama4-flex-mask", "cpu-flex-attention", "flex-static-offset"})


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


def routes_for(repair: str, model_types: frozenset[str]) -> list[tuple[str, Installer, Handler]]:
    """(extension point, installer, handler) triples that carry out `repair` on such a model."""
    if repair not in KNOWN:
        raise KeyError(f"unknown runtime repair {repair!r}; known: {sorted(KNOWN)}")
    attention = (ATTENTION_POINT, _install_attention, _attention_handler)
    llama4 = bool(model_types & LLAMA4_TYPES)
    if repair == "llama4-flex-mask" or llama4:
        return [attention, llama4_mask_route()]
    if repair == "cpu-flex-attention":
        return [attention]
    return [(interface.POINT, interface.install, interface.offset_handler)]
