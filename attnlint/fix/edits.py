"""Ruff-style `fix` objects for `check --output-format json`, from the same edits the fixer applies.

`attach_fixes` runs the producers `attnlint fix` runs (python_edits / json_edits) on the same text,
so a JSON consumer that applies the reported edits gets exactly what `attnlint fix` would write.
"""

from __future__ import annotations

from collections.abc import Sequence

from attnlint.diagnostic import Diagnostic, Edit, Fix
from attnlint.fix.json import json_edits
from attnlint.fix.outcome import FixRefused
from attnlint.fix.python import PythonSource, python_edits

__all__ = ["attach_fixes", "is_json"]


def is_json(path: str) -> bool:
    return path.endswith(".json")


def attach_fixes(text: str, diagnostics: Sequence[Diagnostic], unsafe: bool) -> None:
    """Fill `Diagnostic.fix` for every diagnostic of `text` whose fix applies (unsafe ones if asked).

    Diagnostics whose fix is refused, that belong to another file, or that sit in a notebook cell
    (notebooks are not rewritten yet) keep `fix = None`.
    """
    source: PythonSource | None = None
    for diagnostic in diagnostics:
        plan = diagnostic.plan
        if plan is None or plan.spec is None or (plan.spec.applicability == "unsafe" and not unsafe):
            continue
        if diagnostic.cell is not None:  # notebook rows count from the cell: not edits of this text
            continue
        try:
            if is_json(diagnostic.filename):
                edits: list[Edit] = json_edits(text, diagnostic.filename, diagnostic)
            else:
                source = source or PythonSource(text, diagnostic.filename)
                edits = python_edits(source, diagnostic)
        except FixRefused:
            continue
        if edits:
            diagnostic.fix = Fix(
                applicability=plan.spec.applicability, message=plan.spec.description, edits=edits
            )
