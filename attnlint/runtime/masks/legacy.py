"""4.51.x / 4.52.x: a scoped, reversible replacement of `Llama4TextModel._update_causal_mask`.

These releases have no mask interface, and their flex branch sizes BlockMasks from the cache's
maximum shape (None for DynamicCache, the wrong buffer for 4.52's HybridChunkedCache). The
dispatcher is set on the class, passes unguarded models to the original method, and is removed on
unguard. The guarded handler returns the same `MaskSpec` for the global and the chunked layers; the
guarded attention turns it into a BlockMask of the right size per layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch

from attnlint.runtime.hooks import Handler
from attnlint.runtime.masks.spec import as_int, spec_from_mask

_disable = cast(Callable[..., Any], torch.compiler.disable)
POINT = "transformers.models.llama4.modeling_llama4.Llama4TextModel._update_causal_mask"


def install(lookup: Callable[[Any], Handler | None]) -> Callable[[], None]:
    from transformers.models.llama4 import modeling_llama4

    owner = modeling_llama4.Llama4TextModel
    original = cast(Callable[..., Any], owner.__dict__["_update_causal_mask"])

    def _update_causal_mask(self: Any, *args: Any, **kwargs: Any) -> Any:
        handler = lookup(self.config)
        if handler is None or self.config._attn_implementation != "flex_attention":
            return original(self, *args, **kwargs)
        return handler(original, self, *args, **kwargs)

    # keep upstream's own decorator: dynamo must not trace the Python-level mask building
    setattr(owner, "_update_causal_mask", _disable(_update_causal_mask, recursive=False))  # noqa: B010

    def restore() -> None:
        setattr(owner, "_update_causal_mask", original)  # noqa: B010

    return restore


def spec_handler(
    original: Any, model: Any, attention_mask: Any, input_tensor: torch.Tensor, cache_position: torch.Tensor,
    *args: Any, **kwargs: Any,
) -> Any:
    """(global, chunked) masks for Llama4TextModel: the same spec, sized later per layer."""
    batch, q_len = input_tensor.shape[0], input_tensor.shape[1]
    spec = spec_from_mask(attention_mask, batch, as_int(cache_position[0]), q_len)
    return spec, spec
