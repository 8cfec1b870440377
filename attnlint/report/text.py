"""The human format: one `path:row:col: CODE [*] message` line per finding, then a summary.

`[*]` marks a finding `--fix` would repair (or `--fix --unsafe-fixes`, when unsafe fixes are
enabled), as in ruff and TorchFix, so the reader knows which lines need a decision by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from attnlint.diagnostic import Diagnostic

__all__ = ["render_text"]


def _fixable(diagnostic: Diagnostic, unsafe_fixes: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (fix.applicability == "safe" or unsafe_fixes)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render_text(diagnostics: Sequence[Diagnostic], *, unsafe_fixes: bool = False) -> str:
    """The whole report, ending with a newline."""
    if not diagnostics:
        return "All checks passed!\n"
    lines = []
    for d in diagnostics:
        mark = " [*]" if _fixable(d, unsafe_fixes) else ""
        cell = f"cell {d.cell}:" if d.cell is not None else ""
        lines.append(f"{d.filename}:{cell}{d.location.row}:{d.location.column}: {d.code}{mark} {d.message}")
    lines.append(f"Found {_plural(len(diagnostics), 'error')}.")
    fixable = sum(_fixable(d, unsafe_fixes) for d in diagnostics)
    hidden = sum(d.fix is not None for d in diagnostics) - fixable
    hint = f"({_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option)"
    if fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option" + (f" {hint}." if hidden else "."))
    elif hidden:
        lines.append(f"No fixes available {hint}.")
    return "\n".join(lines) + "\n"
