"""Positions and text edits: the one place that turns (row, column) locations into string offsets.

Diagnostics, spans and ruff-style edits speak in 1-based rows and 1-based character columns with an
exclusive end; the fixer edits Python strings. Converting in one place keeps check, fix and the JSON
output agreeing on every character, whatever the file's line endings.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence

from attnlint.diagnostic import Edit, Location

__all__ = ["LineIndex", "apply_edits", "edits_overlap", "minimal_edit"]


class LineIndex:
    """Offsets of line starts in a text, so that a location converts both ways in O(log n).

    Lines end at "\\n" only ("\\r\\n" keeps its "\\r" at the end of the line), matching how libcst,
    `ast` and ruff count rows.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")

    def offset(self, row: int, column: int) -> int:
        if not 1 <= row <= len(self.starts):
            raise ValueError(f"row {row} is outside the text ({len(self.starts)} lines)")
        start = self.starts[row - 1]
        end = self.starts[row] if row < len(self.starts) else len(self.text)
        offset = start + column - 1
        if not start <= offset <= end:
            raise ValueError(f"column {column} is outside row {row}")
        return offset

    def location(self, offset: int) -> Location:
        row = bisect.bisect_right(self.starts, offset)
        return Location(row=row, column=offset - self.starts[row - 1] + 1)

    def edit(self, start: int, end: int, content: str) -> Edit:
        return Edit(content=content, location=self.location(start), end_location=self.location(end))

    def bounds(self, edit: Edit) -> tuple[int, int]:
        start = self.offset(edit.location.row, edit.location.column)
        end = self.offset(edit.end_location.row, edit.end_location.column)
        return start, end


def minimal_edit(index: LineIndex, new_text: str) -> Edit | None:
    """The single edit turning `index.text` into `new_text`, trimmed to the part that changes."""
    old = index.text
    if old == new_text:
        return None
    prefix = 0
    limit = min(len(old), len(new_text))
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new_text[-1 - suffix]:
        suffix += 1
    return index.edit(prefix, len(old) - suffix, new_text[prefix : len(new_text) - suffix])


def _sorted_bounds(index: LineIndex, edits: Iterable[Edit]) -> list[tuple[int, int, str]]:
    return sorted((*index.bounds(e), e.content) for e in edits)


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
