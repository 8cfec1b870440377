"""`attnlint fix` (and `attnlint check --fix`): check, fix each unit, re-check, write, report.

The fixer starts from the units `check_paths` judged and re-checks each candidate with the same
per-file check in the same context, so what it reports as remaining is what `attnlint check`
reports next. Output goes through `attnlint.report` in the chosen format; notes (refused fixes,
files not written) and, with `--diff`, the summary go to stderr, so stdout is a clean report or a
clean patch (`attnlint fix --diff | patch -p0`).

Exit codes follow ruff: 0 only when nothing remains to report (or `--exit-zero`), 1 when findings
remain. With `--diff` nothing is written; the exit code is 1 when there is a diff and 0 otherwise.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path

from attnlint.diagnostic import Diagnostic
from attnlint.edits import wanted
from attnlint.engine import diagnostics
from attnlint.fix.io import WriteRefused, write_source
from attnlint.fix.pins import pins_for, repin_files
from attnlint.fix.rounds import fix_unit
from attnlint.offered import reported
from attnlint.project import Checked, CheckResult, check_paths
from attnlint.records import record
from attnlint.report import OutputFormat, render
from attnlint.report.summary import FixSummary
from attnlint.report.text import location
from attnlint.settings import Settings
from attnlint.source import SourceText

__all__ = ["FixRequest", "run", "unified_diff"]


@record
class FixRequest:
    """What the command line asks of a fix run (read by `attnlint.cli`, which this never imports)."""

    paths: Sequence[str]
    settings: Settings
    root: Path
    transformers_version: str | None = None
    force_exclude: bool = False
    diff: bool = False
    fix_pins: bool = False
    output_format: OutputFormat = "text"
    exit_zero: bool = False


def _lines(text: str) -> list[str]:
    """Lines split at "\\n" only, each keeping its "\\n" (the last one may have none)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def unified_diff(name: str, old: str, new: str) -> str:
    """A unified diff that `patch -p0` applies. Lines are split at "\\n" as patch splits them (a
    "\\r" stays inside its line), never at form feeds or Unicode line separators."""
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in difflib.unified_diff(_lines(old), _lines(new), name, name)
    )


@record(frozen=False)
class _Run:
    """Totals and messages of one `fix` run; printing happens once, at the end."""

    request: FixRequest
    fixed: list[str] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)

    @property
    def unsafe(self) -> bool:
        return self.request.settings.unsafe_fixes

    def emit(self, source: SourceText, text: str) -> bool:
        """Show or write one file's fixed text; False (with a note) when writing is refused."""
        if text == source.text:
            return True
        if self.request.diff:
            bom = "\ufeff" if source.bom else ""  # patch compares bytes: the BOM is part of line 1
            self.diffs.append(unified_diff(source.path, bom + source.text, bom + text))
            return True
        try:
            write_source(source, text, self.request.root)
        except WriteRefused as exc:
            self.notes.append(str(exc))
            return False
        return True

    def unit(self, checked: Checked) -> None:
        """Fix one unit (a Python file or a model folder); notebooks are reported, not rewritten."""
        found = list(checked.findings)
        if not any(wanted(f, self.unsafe) for f in found):
            self.remaining.extend(reported(checked.unit, found, checked.context))
            return
        if any(s.cells is not None for s in checked.unit.sources):
            self.notes.append(f"{checked.unit.sources[0].path}: notebooks are checked but not rewritten; "
                              "fix the cells by hand")
            self.remaining.extend(reported(checked.unit, found, checked.context))
            return
        outcome = fix_unit(checked.unit, found, checked.context, self.unsafe)
        after = outcome.unit.sources
        changed = [(old, new.text) for old, new in zip(checked.unit.sources, after, strict=True)]
        if not all([self.emit(old, text) for old, text in changed]):
            self.remaining.extend(reported(checked.unit, found, checked.context))
            return
        self.fixed.extend(f.severity for f in outcome.fixed)
        self.remaining.extend(reported(outcome.unit, outcome.remaining, checked.context))
        remaining = diagnostics(outcome.unit, [r.finding for r in outcome.refusals], fixes=False)
        self.notes.extend(
            f"{location(d)}: {d.code} not fixed: {r.reason}"
            for d, r in zip(remaining, outcome.refusals, strict=True)
        )

    def repin(self, found: Sequence[Checked]) -> bool:
        """Apply (or offer) the rules' requirement pins for findings no code fix can cure."""
        pins = pins_for(f for checked in found for f in checked.findings)
        if not pins:
            return False
        asked = ", ".join(f"{name}{spec}" for name, spec in pins.items())
        if not self.unsafe:
            self.notes.append(f"a requirement change is available with --fix-pins --unsafe-fixes: {asked}")
            return False
        try:
            repinning = repin_files(self.request.root, pins)
        except WriteRefused as exc:
            self.notes.append(str(exc))
            return False
        self.notes.extend(repinning.refused)
        changed = repinning.changed
        if repinning.refused and not changed:
            return False
        if not changed:
            where = "requirements*.txt, pyproject.toml"
            self.notes.append(f"found no requirement to change to {asked} ({where})")
            return False
        return all([self.emit(source, text) for source, text in changed]) and not self.request.diff

    def report(self, notices: Sequence[str]) -> int:
        request = self.request
        remaining = sorted(self.remaining, key=Diagnostic.sort_key)
        summary = FixSummary(fixed=tuple(self.fixed), would=request.diff)
        shown = render(remaining, request.output_format, unsafe_fixes=self.unsafe, summary=summary)
        for line in [*notices, *self.notes]:
            print(f"attnlint: {line}" if line in notices else line, file=sys.stderr)
        if request.diff:
            sys.stdout.write("".join(self.diffs))
            sys.stderr.write(shown)
            return 1 if self.diffs and not request.exit_zero else 0
        sys.stdout.write(shown)
        return 1 if remaining and not request.exit_zero else 0


def run(request: FixRequest) -> int:
    """Fix the paths of `request`; returns the exit code."""

    def check() -> CheckResult:
        return check_paths(
            request.paths,
            request.settings,
            request.transformers_version,
            root=request.root,
            force_exclude=request.force_exclude,
        )

    result = check()
    fixing = _Run(request)
    if request.fix_pins and fixing.repin(result.checked):
        before, result = Counter(d.severity for d in result.diagnostics), check()
        fixing.fixed.extend((before - Counter(d.severity for d in result.diagnostics)).elements())
    for checked in result.checked:
        fixing.unit(checked)
    return fixing.report(result.notices)
