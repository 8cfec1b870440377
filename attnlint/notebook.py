"""Jupyter notebooks as Python: the code cells joined into one source, and rows mapped back.

A notebook is checked as one program (a model loaded in cell 2 and generated with in cell 5 is
one use), then each diagnostic is moved back to its cell, as ruff reports notebooks: `cell` is
the 1-based index among code cells and rows count from the top of that cell. IPython magics
(`%pip`, `!ls`, `%%time` cells) are blanked, keeping the row count. Notebooks are check-only:
their findings carry no fix.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass

from attnlint.diagnostic import Diagnostic, Location

__all__ = ["NotebookError", "NotebookSource", "read_notebook"]


class NotebookError(ValueError):
    """The file is not notebook JSON; `row`/`column` locate the JSON error when there is one."""

    def __init__(self, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.column = column


@dataclass(frozen=True)
class NotebookSource:
    """The joined code of a notebook and the first row of each code cell in it."""

    text: str
    starts: tuple[int, ...]

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """The diagnostic with its rows counted from the top of its cell, and `cell` set."""
        index = max(bisect.bisect_right(self.starts, diagnostic.location.row) - 1, 0)
        offset = self.starts[index] - 1 if self.starts else 0

        def shift(where: Location) -> Location:
            return Location(row=max(where.row - offset, 1), column=where.column)

        return diagnostic.model_copy(
            update={
                "cell": index + 1,
                "location": shift(diagnostic.location),
                "end_location": shift(diagnostic.end_location),
                "noqa_row": None if diagnostic.noqa_row is None else max(diagnostic.noqa_row - offset, 1),
                "fix": None,
                "plan": None,
            }
        )


def _code_lines(source: object) -> list[str]:
    text = "".join(source) if isinstance(source, list) else str(source)
    lines = text.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return [""] * len(lines)
    return ["" if line.lstrip().startswith(("%", "!")) else line for line in lines]


def read_notebook(data: bytes) -> NotebookSource:
    """Join the code cells of notebook bytes; raises `NotebookError` for anything else."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise NotebookError(exc.msg, exc.lineno, exc.colno) from exc
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a Jupyter notebook: no `cells` list")
    lines: list[str] = []
    starts: list[int] = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            starts.append(len(lines) + 1)
            lines.extend(_code_lines(cell.get("source", "")) or [""])
    return NotebookSource("\n".join(lines) + "\n", tuple(starts))
