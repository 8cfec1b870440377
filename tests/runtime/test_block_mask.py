"""The block-arithmetic BlockMask equals the mask_mod it carries, block table and all.

On CPU flex runs uncompiled and only evaluates mask_mod, so a wrong "full" block (where the
CUDA kernel skips mask_mod) would go unnoticed by the generation tests; these compare the block
tables with a dense evaluation, with a block size small enough for many blocks.
"""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from attnlint.runtime.masks.block import build_block_mask  # noqa: E402  (needs torch)
from attnlint.runtime.masks.spec import MaskSpec, as_int, spec_from_mask  # noqa: E402

BLOCK = 4


def _dense(spec: MaskSpec, q_len: int, kv_len: int, chunk: int | None) -> torch.Tensor:
    kv_offset = max(spec.q_offset + q_len - kv_len, 0)
    q_abs = torch.arange(q_len)[:, None] + spec.q_offset
    kv_abs = torch.arange(kv_len)[None, :] + kv_offset
    rows = []
    for b in range(spec.batch_size):
        keep = kv_abs <= q_abs
        if spec.padding is not None:
            real = torch.nn.functional.pad(spec.padding[b], (0, kv_offset + kv_len))
            keep = keep & real[kv_abs]
        if chunk is not None:
            shift = int(spec.left_padding[b]) if spec.left_padding is not None else 0
            keep = keep & ((q_abs - shift) // chunk == (kv_abs - shift) // chunk)
        rows.append(keep)
    return torch.stack(rows)[:, None]


def _blocks(dense: torch.Tensor, q_len: int, kv_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    n_q, n_kv = -(-q_len // BLOCK), -(-kv_len // BLOCK)
    grow = (0, n_kv * BLOCK - kv_len, 0, n_q * BLOCK - q_len)
    padded = torch.nn.functional.pad(dense, grow)
    inside = torch.nn.functional.pad(torch.ones_like(dense), grow)
    shape = (*dense.shape[:2], n_q, BLOCK, n_kv, BLOCK)
    blocks = padded.reshape(shape).transpose(3, 4)
    inside_blocks = inside.reshape(shape).transpose(3, 4)
    some = blocks.any(-1).any(-1)
    full = (blocks | ~inside_blocks).all(-1).all(-1) & some
    return some, full


CASES = [
    # (rows' real lengths, query offset, q_len, kv_len, chunk)
    ((7, 12), 0, 12, 12, 5),       # prefill, left padding, chunk smaller than the prompt
    ((7, 12), 0, 12, 12, None),    # global layer
    ((9, 20), 19, 1, 20, None),    # decode, dynamic
    ((9, 20), 19, 1, 8, 8),        # decode, sliding buffer of 8 (offset 12)
    ((20,), 19, 1, 32, 8),         # decode into a static buffer of 32 (zeros past 19)
    ((3, 30), 0, 30, 30, 8),       # long prefill
    ((13,), 5, 8, 13, 4),          # multi-token step on a non-empty cache
]


@pytest.mark.parametrize(("lengths", "offset", "q_len", "kv_len", "chunk"), CASES)
def test_block_tables_match_dense_mask(
    lengths: tuple[int, ...], offset: int, q_len: int, kv_len: int, chunk: int | None
) -> None:
    width = offset + q_len
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for row, n in enumerate(lengths):
        mask[row, width - n:] = 1
    spec = spec_from_mask(mask, len(lengths), offset, q_len)
    block_mask = build_block_mask(spec, q_len, kv_len, chunk, block_size=BLOCK)
    dense = _dense(spec, q_len, kv_len, chunk)
    assert block_mask.shape[-2:] == (q_len, kv_len)
    # every allowed pair sits in a listed block, and mask_mod agrees with the dense mask
    assert torch.equal(block_mask.to_dense().bool(), _blocks(dense, q_len, kv_len)[0])
    for b, q, k in itertools.product(range(len(lengths)), range(q_len), range(kv_len)):
        got = block_mask.mask_mod(torch.tensor(b), torch.tensor(0), torch.tensor(q), torch.tensor(k))
        assert bool(got) == bool(dense[b, 0, q, k])
    # a block marked full must be entirely allowed (the fused kernel skips mask_mod there)
    full = torch.zeros_like(_blocks(dense, q_len, kv_len)[1])
    for b, i in itertools.product(range(full.shape[0]), range(full.shape[2])):
        n = int(block_mask.full_kv_num_blocks[b, 0, i])
        full[b, 0, i, block_mask.full_kv_indices[b, 0, i, :n].long()] = True
    assert torch.equal(full, _blocks(dense, q_len, kv_len)[1])


def test_block_mask_is_cached_per_shape() -> None:
    spec = spec_from_mask(None, 1, 3, 1)
    assert build_block_mask(spec, 1, 4, None) is build_block_mask(spec, 1, 4, None)
    assert build_block_mask(spec, 1, 4, 2) is not build_block_mask(spec, 1, 4, None)


def test_offset_is_a_copy_of_the_cache_counter() -> None:
    counter = torch.tensor([12])  # 5.13+ hand the StaticLayer's own counter to the mask builder
    spec = spec_from_mask(None, 1, as_int(counter), 1)
    counter.add_(1)  # what StaticLayer.update() does before the kernel reads the mask
    assert spec.q_offset == 12
