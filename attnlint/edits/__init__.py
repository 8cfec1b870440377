"""Fix edits as data: a finding's planned fix turned into ruff-style edits of one source text.

Checking and fixing compute edits here and nowhere else: the report edge (`engine.diagnostics`)
shows them as each diagnostic's `fix`, and the fixer applies the very same edits in re-checked
rounds. This package imports neither the checker nor the fix command, so both can use it without
an import cycle; libcst (`edits.python`) is loaded only when a Python file has a fix to compute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from attnlint.diagnostic import Edit, Fix
from attnlint.edits.json import json_edits, json_file_for
from attnlint.edits.refusal import FixRefused
from attnlint.finding import Finding
from attnlint.source import SourceText, is_framework_file

if TYPE_CHECKING:
    from attnlint.edits.parsed import PythonSource

__all__ = ["EditsOrWhy", "file_edits", "fixes_of", "is_json", "wanted"]

#: For each finding's index: its edits of this file, or why there are none. An index left out
#: means the finding's fix edits another file of its model folder.
EditsOrWhy = dict[int, list[Edit] | str]


def is_json(path: str) -> bool:
    return path.endswith(".json")


def wanted(finding: Finding, unsafe: bool) -> bool:
    """Whether a fix should be tried for this finding (refused plans are tried, to report why)."""
    plan = finding.plan
    if plan is None:
        return False
    return plan.spec is None or plan.spec.applicability == "safe" or unsafe


def _json_file_edits(source: SourceText, findings: Sequence[Finding]) -> EditsOrWhy:
    name = PurePath(source.path).name  # inside one model folder a file's name identifies it
    results: EditsOrWhy = {}
    for i, finding in enumerate(findings):
        if PurePath(json_file_for(finding) or finding.path).name != name:
            continue
        try:
            results[i] = json_edits(source, finding)
        except FixRefused as exc:
            results[i] = str(exc)
    return results


def _each(findings: Sequence[Finding], edits_of: Callable[[Finding], list[Edit]]) -> EditsOrWhy:
    """Each finding's edits by `edits_of`, or why it refused."""
    results: EditsOrWhy = {}
    for i, finding in enumerate(findings):
        try:
            results[i] = edits_of(finding)
        except FixRefused as exc:
            results[i] = str(exc)
    return results


def file_edits(source: SourceText, findings: Sequence[Finding]) -> EditsOrWhy:
    """The edits of `source` for each finding's fix, from one parse of the file."""
    if is_json(source.path):
        return _json_file_edits(source, findings)
    if is_framework_file(source.path):
        from attnlint.edits.framework import framework_edits

        return _each(findings, lambda finding: framework_edits(source, finding))
    from attnlint.edits.python import python_edits

    try:
        parsed = _parsed(source)
    except FixRefused as exc:
        return {i: str(exc) for i in range(len(findings))}
    return _each(findings, lambda finding: python_edits(parsed, finding))


@lru_cache(maxsize=4)
def _parsed(source: SourceText) -> PythonSource:
    """One libcst parse of a text, with its positions, for every edit computed on it: a check asks for
    a file's edits, then the fixer's rounds that decide which fixes it offers ask again for the same
    text (a parse and two position passes each, most of a fix's cost). Few are kept: a run moves on
    file by file. A parse is never changed by the edits computed on it."""
    from attnlint.edits.parsed import PythonSource

    return PythonSource(source)


def fixes_of(sources: Sequence[SourceText], findings: Sequence[Finding]) -> list[Fix | None]:
    """Each finding's fix as reported (safe and unsafe; the report decides what to show), or None.

    A notebook's findings get none: its rows count from a cell, and notebooks are not rewritten.
    """
    fixes: list[Fix | None] = [None] * len(findings)
    chosen = [
        i for i, f in enumerate(findings) if f.plan is not None and f.plan.spec is not None
    ]
    if not chosen:
        return fixes
    for source in sources:
        if source.cells is not None:
            continue
        for i, result in file_edits(source, [findings[i] for i in chosen]).items():
            finding = findings[chosen[i]]
            if isinstance(result, str) or not result or finding.plan is None or finding.plan.spec is None:
                continue
            if source.path != finding.path:
                result = [replace(edit, filename=source.path) for edit in result]
            spec = finding.plan.spec
            fixes[chosen[i]] = Fix(
                applicability=spec.applicability, message=spec.description, edits=tuple(result)
            )
    return fixes
