"""The guarded flex attention forward, registered through the public `AttentionInterface`.

It replaces the `flex_attention` entry for guarded models only (it recognises them by their config
object) and hands every other model to the forward it displaced. It differs from upstream in two
ways, both needed on CPU: it never asks for `return_lse` (4.51-4.55 always do, and CPU inductor
rejects it), and on CPU it runs flex uncompiled, because the compiled CPU kernel of torch 2.13/2.14
is wrong for one query at kv lengths 8 mod 16. On CUDA it uses the compiled kernel. A `MaskSpec`
from the guard's mask hooks becomes a BlockMask sized to this layer's real key length.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, cast

import torch
from torch.nn.attention.flex_attention import BlockMask, flex_attention

from attnlint.runtime.masks.block import build_block_mask
from attnlint.runtime.masks.spec import MaskSpec

AttentionForward = Callable[..., tuple[torch.Tensor, torch.Tensor | None]]


@cache
def _compiled_flex() -> Callable[..., Any]:
    return torch.compile(flex_attention)


def _is_chunked(module: torch.nn.Module) -> int | None:
    """The chunk size if this Llama4 layer uses chunked attention (its RoPE layers), else None."""
    chunk = getattr(getattr(module, "config", None), "attention_chunk_size", None)
    return int(chunk) if chunk and bool(getattr(module, "use_rope", False)) else None


def run_flex(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: Any,
    scaling: float | None = None,
    softcap: float | None = None,
    **_: Any,
) -> tuple[torch.Tensor, None]:
    """flex_attention with a mask sized to `key`, without LSE, uncompiled on CPU."""
    block_mask: BlockMask | None = None
    additive: torch.Tensor | None = None
    if isinstance(attention_mask, MaskSpec):
        block_mask = build_block_mask(
            attention_mask, query.shape[-2], key.shape[-2], _is_chunked(module), device=query.device
        )
    elif isinstance(attention_mask, BlockMask):
        block_mask = attention_mask
    elif isinstance(attention_mask, torch.Tensor):
        additive = attention_mask[:, :, :, : key.shape[-2]]

    def score_mod(
        score: torch.Tensor, b: torch.Tensor, h: torch.Tensor, q_idx: torch.Tensor, kv_idx: torch.Tensor
    ) -> torch.Tensor:
        if softcap is not None:
            score = softcap * torch.tanh(score / softcap)
        if additive is not None:
            score = score + additive[b][0][q_idx][kv_idx]
        return score

    heads, kv_heads = query.shape[1], key.shape[1]
    enable_gqa = heads != kv_heads
    if enable_gqa and heads & (heads - 1):
        # the fused kernel wants a power-of-two head count for GQA; repeat keys like upstream does
        key = key.repeat_interleave(heads // kv_heads, dim=1)
        value = value.repeat_interleave(heads // kv_heads, dim=1)
        enable_gqa = False
    kernel = cast(Callable[..., Any], flex_attention) if query.device.type == "cpu" else _compiled_flex()
    use_score_mod = softcap is not None or additive is not None
    out = kernel(
        query, key, value, score_mod=score_mod if use_score_mod else None, block_mask=block_mask,
        enable_gqa=enable_gqa, scale=scaling,
    )
    return out.transpose(1, 2).contiguous(), None
