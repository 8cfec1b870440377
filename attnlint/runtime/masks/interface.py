"""4.53+: guarded flex masks through the public `AttentionMaskInterface`.

The interface's keyword arguments changed over time (4.53-5.3 pass `cache_position`; 5.4+ pass
`q_length` and `q_offset`, and 5.13+ hand over the StaticLayer's own counter tensor, which the
cache then increments in place before the kernel evaluates the mask). Two handlers:
`spec_handler` (Llama4: a MaskSpec sized later per layer) and `offset_handler` (any model: the
upstream builder, given a copy of the offset).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from attnlint.runtime.hooks import Handler
from attnlint.runtime.masks.spec import MaskSpec, as_int, spec_from_mask

POINT = "transformers.AttentionMaskInterface['flex_attention']"


def install(lookup: Callable[[Any], Handler | None]) -> Callable[[], None]:
    from transformers.masking_utils import AttentionMaskInterface

    original = cast(Callable[..., Any], AttentionMaskInterface._global_mapping["flex_attention"])

    def guarded_flex_mask(*args: Any, **kwargs: Any) -> Any:
        handler = None if args else lookup(kwargs.get("config"))
        if handler is None:
            return original(*args, **kwargs)
        return handler(original, **kwargs)

    AttentionMaskInterface.register("flex_attention", guarded_flex_mask)

    def restore() -> None:
        AttentionMaskInterface.register("flex_attention", original)

    return restore


def _offset(kwargs: dict[str, Any]) -> tuple[int, int]:
    if "q_offset" in kwargs:
        return as_int(kwargs["q_offset"]), int(kwargs["q_length"])
    positions = kwargs["cache_position"]
    return as_int(positions[0]), int(positions.shape[0])


def spec_handler(original: Any, **kwargs: Any) -> MaskSpec:
    q_offset, q_len = _offset(kwargs)
    return spec_from_mask(kwargs.get("attention_mask"), int(kwargs["batch_size"]), q_offset, q_len)


def offset_handler(original: Any, **kwargs: Any) -> Any:
    if "q_offset" in kwargs:
        kwargs["q_offset"] = as_int(kwargs["q_offset"])
    return original(**kwargs)
