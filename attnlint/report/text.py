"""The human format: one `path:row:col: CODE [*] message` line per finding, then a summary.

`[*]` marks a finding `--fix` would repair (or `--fix --unsafe-fixes`, when unsafe fixes are
enabled), as in ruff and TorchFix, so the reader knows which lines need a decision by hand. A fix
run prints the findings that remain and what it fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

from attnlint.diagnostic import Diagnostic
from attnlint.report.style import PLAIN, Style
from attnlint.report.summary import FixSummary, counted, plural

__all__ = ["check_summary", "fixable", "location", "render_text"]


def fixable(diagnostic: Diagnostic, unsafe_fixes: bool) -> bool:
    """Whether `--fix` (with this unsafe-fixes choice) applies the diagnostic's fix."""
    fix = diagnostic.fix
    return fix is not None and (fix.applicability == "safe" or unsafe_fixes)


def location(diagnostic: Diagnostic) -> str:
    """`path:row:col`, or `path:cell N:row:col` in a notebook."""
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell is not None else ""
    return f"{diagnostic.filename}:{cell}{diagnostic.location.row}:{diagnostic.location.column}"


def _fix_summary(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool, summary: FixSummary) -> list[str]:
    lines = [f"{location(d)}: {d.code} {d.message}" for d in diagnostics]
    verb = "Would fix" if summary.would else "Fixed"
    lines.append(f"{verb} {counted(summary.fixed)} ({len(diagnostics)} remaining).")
    hidden = sum(d.fix is not None and not fixable(d, unsafe_fixes) for d in diagnostics)
    if hidden:
        lines.append(f"{plural(hidden, 'fix')} available with --unsafe-fixes.")
    return lines


def check_summary(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool) -> list[str]:
    """The closing lines of a check: how many findings, and how many `--fix` repairs."""
    lines = [f"Found {counted(d.severity for d in diagnostics)}."]
    count = sum(fixable(d, unsafe_fixes) for d in diagnostics)
    hidden = sum(d.fix is not None for d in diagnostics) - count
    hint = f"({plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option)"
    if count:
        lines.append(f"[*] {count} fixable with the `--fix` option" + (f" {hint}." if hidden else "."))
    elif hidden:
        lines.append(f"No fixes available {hint}.")
    return lines


def render_text(
    diagnostics: Sequence[Diagnostic],
    unsafe_fixes: bool = False,
    summary: FixSummary | None = None,
    style: Style = PLAIN,
) -> str:
    """The whole report, ending with a newline."""
    if summary is not None:
        return "\n".join(_fix_summary(diagnostics, unsafe_fixes, summary)) + "\n"
    if not diagnostics:
        return "All checks passed!\n"
    lines = []
    for d in diagnostics:
        mark = " [*]" if fixable(d, unsafe_fixes) else ""
        code = style.paint(d.code, "red" if d.severity == "error" else "yellow")
        lines.append(f"{style.paint(location(d), 'bold')}: {code}{style.paint(mark, 'cyan')} {d.message}")
    return "\n".join([*lines, *check_summary(diagnostics, unsafe_fixes)]) + "\n"
