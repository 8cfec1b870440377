"""The full human format: each finding with its source line, a caret under the span, and the fix.

Meant for reading in a terminal or an editor's output pane, as ruff's `full` format: the reader
sees the offending characters without opening the file and the exact change `--fix` would make,
as a unified diff. The source is read back with `attnlint.source.decode` (a notebook's rows count
from their cell); a file that cannot be read again simply shows no snippet.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from attnlint.diagnostic import Diagnostic
from attnlint.report.style import PLAIN, Style
from attnlint.report.text import check_summary, fixable, location
from attnlint.source import SourceError, SourceText, decode, split_lines

__all__ = ["render_full"]


def _read(filename: str, cache: dict[str, SourceText | None]) -> SourceText | None:
    if filename not in cache:
        try:
            cache[filename] = decode(filename, Path(filename).read_bytes())
        except (OSError, SourceError):
            cache[filename] = None
    return cache[filename]


def _snippet(d: Diagnostic, source: SourceText, style: Style) -> list[str]:
    rows = [line.rstrip("\r\n") for line in split_lines(source.text)]
    row = d.location.row
    if d.cell is not None and source.cells and d.cell <= len(source.cells):
        row = source.cells[d.cell - 1] + d.location.row - 1
    if not 1 <= row <= len(rows):
        return []
    line = rows[row - 1]
    start = d.location.column - 1
    end = d.end_location.column - 1 if d.end_location.row == d.location.row else len(line)
    gutter = str(d.location.row)
    pad = " " * len(gutter)
    lead = "".join(c if c == "\t" else " " for c in line[:start])
    colour = "red" if d.severity == "error" else "yellow"
    caret = style.paint("^" * max(end - start, 1) + " " + d.code, colour)
    bar = style.paint("|", "blue")
    numbered = f"{style.paint(gutter, 'blue')} {bar} {line}"
    return [f"{pad} {bar}", numbered, f"{pad} {bar} {lead}{caret}", f"{pad} {bar}"]


def _fix_diff(d: Diagnostic, source: SourceText, unsafe_fixes: bool, style: Style) -> list[str]:
    fix = d.fix
    if fix is None:
        return []
    how = "" if fixable(d, unsafe_fixes) else ", needs --unsafe-fixes"
    lines = [f"  = fix ({fix.applicability}{how}): {fix.message}"]
    index = source.index
    try:
        spans = sorted(
            (
                index.offset(e.location.row, e.location.column),
                index.offset(e.end_location.row, e.end_location.column),
                e.content,
            )
            for e in fix.edits
        )
    except ValueError:
        return lines
    fixed = source.text
    for start, end, content in reversed(spans):
        fixed = fixed[:start] + content + fixed[end:]
    diff = difflib.unified_diff(
        source.text.splitlines(), fixed.splitlines(), d.filename, f"{d.filename} (fixed)", n=1, lineterm=""
    )
    colours = {"+": "green", "-": "red", "@": "cyan"}
    for row in diff:
        kind = "" if row.startswith(("+++", "---")) else colours.get(row[:1], "")
        lines.append("    " + (style.paint(row, kind) if kind else row))
    return lines


def render_full(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool = False, style: Style = PLAIN) -> str:
    """Every finding as a block (headline, source with caret, fix diff), then the summary."""
    if not diagnostics:
        return "All checks passed!\n"
    cache: dict[str, SourceText | None] = {}
    blocks = []
    for d in diagnostics:
        mark = " [*]" if fixable(d, unsafe_fixes) else ""
        code = style.paint(d.code, "red" if d.severity == "error" else "yellow")
        block = [f"{style.paint(location(d), 'bold')}: {code}{style.paint(mark, 'cyan')} {d.message}"]
        source = _read(d.filename, cache)
        if source is not None:
            block += _snippet(d, source, style) + _fix_diff(d, source, unsafe_fixes, style)
        blocks.append("\n".join(block) + "\n")
    return "\n".join([*blocks, "\n".join(check_summary(diagnostics, unsafe_fixes)) + "\n"])
