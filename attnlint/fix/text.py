"""Applying ruff-style edits to a text, with the one row/column conversion of `attnlint.source`."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from attnlint.diagnostic import Edit
from attnlint.source import LineIndex

__all__ = ["apply_edits", "edits_overlap"]


def _bounds(index: LineIndex, edit: Edit) -> tuple[int, int]:
    start = index.offset(edit.location.row, edit.location.column)
    return start, index.offset(edit.end_location.row, edit.end_location.column)


def _sorted_bounds(index: LineIndex, edits: Iterable[Edit]) -> list[tuple[int, int, str]]:
    return sorted((*_bounds(index, e), e.content) for e in edits)


def edits_overlap(index: LineIndex, first: Sequence[Edit], second: Sequence[Edit]) -> bool:
    """Whether two fixes touch the same characters; touching ends count, as insertions would race."""
    return any(
        a_start <= b_end and b_start <= a_end
        for a_start, a_end, _ in _sorted_bounds(index, first)
        for b_start, b_end, _ in _sorted_bounds(index, second)
    )


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (computed against `text`) from the end backwards."""
    index = LineIndex(text)
    bounds = _sorted_bounds(index, dict.fromkeys(edits))
    for (_, prev_end, _), (start, _, _) in itertools.pairwise(bounds):
        if start < prev_end:
            raise ValueError("overlapping edits")
    out = text
    for start, end, content in reversed(bounds):
        out = out[:start] + content + out[end:]
    return out
