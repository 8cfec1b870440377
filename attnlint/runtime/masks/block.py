"""Block-sparse Llama4 masks built from block arithmetic, never from a dense q x kv tensor.

`create_block_mask` evaluates the mask_mod on every (query, key) pair (uncompiled it materialises
a B x H x Q x KV bool tensor; compiled it needs inductor, which on CPU is the thing being avoided).
The Llama4 mask is causal, chunked (for RoPE layers) and padded, and all three are intervals, so
each (query block, key block) can be classified as empty, partial or full from its corner positions
and a per-block count of real keys. `BlockMask.from_kv_blocks` takes those tables directly; the
mask_mod is still attached for the partial blocks. Cost: O(B x q_blocks x kv_blocks + B x KV).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn.attention.flex_attention import BlockMask

from attnlint.runtime.masks.spec import MaskSpec

BLOCK_SIZE = 128


def _order(selected: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """kv_num_blocks and kv_indices (selected blocks first, in increasing order) for a bool table."""
    counts = selected.sum(-1, dtype=torch.int32)
    n_kv = selected.shape[-1]
    rank = torch.where(selected, 0, n_kv) + torch.arange(n_kv, device=selected.device)
    indices = rank.argsort(dim=-1).to(torch.int32)
    return counts, indices


def _mask_mod(
    spec: MaskSpec, kv_offset: int, chunk: int | None, padding: torch.Tensor | None, device: torch.device
) -> Callable[..., torch.Tensor]:
    # offsets as tensors: a compiled kernel (CUDA) then reads them as inputs instead of recompiling
    # for every decode step's new Python int
    q_offset = torch.tensor(spec.q_offset, device=device)
    kv_start = torch.tensor(kv_offset, device=device)
    left = spec.left_padding

    def mask_mod(b: torch.Tensor, h: torch.Tensor, q_idx: torch.Tensor, kv_idx: torch.Tensor) -> torch.Tensor:
        q_abs = q_idx + q_offset
        kv_abs = kv_idx + kv_start
        keep = kv_abs <= q_abs
        if padding is not None:
            keep = keep & padding[b, kv_abs]
        if chunk is not None:
            shift = left[b] if left is not None else 0
            keep = keep & ((q_abs - shift) // chunk == (kv_abs - shift) // chunk)
        return keep

    return mask_mod


def build_block_mask(
    spec: MaskSpec, q_len: int, kv_len: int, chunk: int | None, block_size: int = BLOCK_SIZE,
    device: torch.device | str = "cpu",
) -> BlockMask:
    """The BlockMask for `q_len` queries against the `kv_len` keys the layer really holds.

    The keys are the last `kv_len` cache positions up to the newest query (a sliding buffer that is
    full, rolled to end at the newest token) or start at position 0 (a full, static or not-yet-full
    buffer); both cases are `kv_offset = max(q_offset + q_len - kv_len, 0)`.
    """
    key = (q_len, kv_len, chunk)
    if key in spec.cache:
        cached: BlockMask = spec.cache[key]
        return cached
    device = spec.padding.device if spec.padding is not None else torch.device(device)
    kv_offset = max(spec.q_offset + q_len - kv_len, 0)
    n_q = -(-q_len // block_size)
    n_kv = -(-kv_len // block_size)
    span = kv_offset + n_kv * block_size
    padding = None
    if spec.padding is not None:
        extra = span - spec.padding.shape[-1]
        padding = spec.padding[:, :span] if extra <= 0 else torch.nn.functional.pad(spec.padding, (0, extra))

    starts_q = torch.arange(n_q, device=device) * block_size
    q_lo = (starts_q + spec.q_offset)[:, None]
    q_hi = (torch.clamp(starts_q + block_size, max=q_len) - 1 + spec.q_offset)[:, None]
    starts_kv = torch.arange(n_kv, device=device) * block_size
    k_lo = (starts_kv + kv_offset)[None, :]
    k_hi = (torch.clamp(starts_kv + block_size, max=kv_len) - 1 + kv_offset)[None, :]

    some = (k_lo <= q_hi)[None]  # (1, n_q, n_kv)
    every = (k_hi <= q_lo)[None]
    if padding is not None:
        real = padding[:, kv_offset : kv_offset + n_kv * block_size].reshape(-1, n_kv, block_size).long()
        lengths = torch.clamp(k_hi - k_lo + 1, min=0)  # keys of the block inside kv_len
        count = real.sum(-1)
        some = some & (count > 0)[:, None, :]
        every = every & (count >= lengths)[:, None, :]
    if chunk is not None:
        shift = (spec.left_padding if spec.left_padding is not None else torch.zeros(1, device=device))
        shift = shift.reshape(-1, 1, 1)
        c_qlo, c_qhi = (q_lo[None] - shift) // chunk, (q_hi[None] - shift) // chunk
        c_klo, c_khi = (k_lo[None] - shift) // chunk, (k_hi[None] - shift) // chunk
        some = some & (c_khi >= c_qlo) & (c_klo <= c_qhi)
        every = every & (c_klo == c_khi) & (c_qlo == c_qhi) & (c_klo == c_qlo)
    batch = max(some.shape[0], every.shape[0], spec.batch_size)
    some = some.expand(batch, n_q, n_kv)
    every = every.expand(batch, n_q, n_kv)
    partial = some & ~every
    kv_num, kv_idx = _order(partial[:, None])
    full_num, full_idx = _order(every[:, None])
    mask = BlockMask.from_kv_blocks(
        kv_num, kv_idx, full_num, full_idx, BLOCK_SIZE=block_size,
        mask_mod=_mask_mod(spec, kv_offset, chunk, padding, device), seq_lengths=(q_len, kv_len),
    )
    spec.cache[key] = mask
    return mask
