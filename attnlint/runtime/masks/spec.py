"""What the guarded mask hooks hand to the guarded attention: the facts, not a finished mask.

The upstream builders of 4.51-5.24 size Llama4's masks from guesses about the cache layout, and each
band guesses wrong somewhere (None lengths, BlockMask sizes that do not match the key, a query offset
that aliases the cache counter). The guard's hooks therefore record only what cannot be recovered
later (the 2-D padding mask and the position of the first query, copied to an int) and the guarded
attention builds the BlockMask for the key length it actually receives. One spec serves every layer
of a forward; BlockMasks are cached on it per (query length, key length, chunk).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass(eq=False)
class MaskSpec:
    """Padding and position facts of one forward.

    `padding` is a (batch, positions) bool tensor over absolute cache positions (True = a real token),
    or None when every position is real. `q_offset` is the absolute position of the first query.
    """

    batch_size: int
    q_offset: int
    padding: torch.Tensor | None
    left_padding: torch.Tensor | None
    cache: dict[tuple[int, int, int | None], Any] = field(default_factory=dict)

    #: `.shape` lets upstream code that inspects a mask's rank (5.x `len(mask.shape) == 4`) pass it on.
    @property
    def shape(self) -> tuple[int, ...]:
        return (self.batch_size, 1, 0, 0)


def spec_from_mask(mask: Any, batch_size: int, q_offset: int, q_len: int) -> MaskSpec:
    """Read the padding out of whatever the model was given: None, a 2-D 0/1 mask or a 4-D float mask."""
    padding: torch.Tensor | None = None
    if isinstance(mask, torch.Tensor) and mask.dim() == 2:
        padding = mask.to(torch.bool)
    elif isinstance(mask, torch.Tensor) and mask.dim() == 4:
        # last query row of an additive (or boolean) 4-D mask: keys it may see are real tokens
        row = mask[:, 0, -1, : q_offset + q_len]
        padding = row if row.dtype == torch.bool else row == 0
    if padding is not None and bool(padding.all()):
        padding = None
    left = None if padding is None else (padding.long().cumsum(-1) == 0).sum(-1)
    return MaskSpec(batch_size=batch_size, q_offset=q_offset, padding=padding, left_padding=left)


def as_int(value: Any) -> int:
    """A position as a Python int: a copy, so later in-place cache updates cannot move it."""
    if isinstance(value, torch.Tensor):
        return int(value.reshape(-1)[0].item())
    return int(value)
