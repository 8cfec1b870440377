"""`attnlint fix` (and `attnlint check --fix`): check, fix each file, re-check, write, report.

Exit codes follow ruff, not Fixit: 0 only when nothing remains to report, 1 when findings remain
(no valid fix, an unsafe fix not enabled, a fix rolled back, a file that could not be written). With
`--diff` nothing is written; the exit code is 1 when there is a diff and 0 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from attnlint.cli import settings_for
from attnlint.diagnostic import Diagnostic
from attnlint.facts import Target
from attnlint.fix.configs import fix_config_folder
from attnlint.fix.edits import is_json
from attnlint.fix.io import SourceFile, WriteRefused, read_source, write_source
from attnlint.fix.outcome import FixOutcome
from attnlint.fix.pins import pins_for, repin_files
from attnlint.fix.python import fix_source
from attnlint.fix.rounds import hidden_unsafe, wanted
from attnlint.project import CheckResult, check_paths

__all__ = ["run"]


@dataclass
class _Run:
    """Totals and messages of one `fix` run; printing happens once, at the end."""

    root: Path
    select: Sequence[str]
    ignore: Sequence[str]
    unsafe: bool
    diff: bool
    fixed: int = 0
    remaining: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)

    def record(self, outcome: FixOutcome, found: Sequence[Diagnostic]) -> None:
        """Count what went away (one fix may cure several findings) and keep what remains."""
        self.fixed += max(0, len(found) - len(outcome.remaining))
        self.remaining.extend(outcome.remaining)
        self.notes.extend(
            f"{r.diagnostic.filename}:{r.diagnostic.location.row}:{r.diagnostic.location.column}: "
            f"{r.diagnostic.code} not fixed: {r.reason}"
            for r in outcome.refusals
        )

    def emit(self, source: SourceFile, text: str) -> bool:
        """Show or write one file's fixed text; False (with a note) when writing is refused."""
        if text == source.text:
            return True
        name = str(source.path)
        if self.diff:
            old, new = source.text.splitlines(True), text.splitlines(True)
            diff = "".join(difflib.unified_diff(old, new, name, name))
            self.diffs.append(diff if diff.endswith("\n") else diff + "\n\\ No newline at end of file\n")
            return True
        try:
            write_source(source, text)
        except WriteRefused as exc:
            self.notes.append(str(exc))
            return False
        return True

    def python(self, name: str, diagnostics: list[Diagnostic], target: Target) -> None:
        try:
            source = read_source(Path(name), self.root)
        except WriteRefused as exc:
            self.notes.append(str(exc))
            self.remaining.extend(diagnostics)
            return
        outcome = fix_source(
            source.text,
            diagnostics,
            self.unsafe,
            path=name,
            target=target,
            select=self.select,
            ignore=self.ignore,
        )
        if self.emit(source, outcome.text):
            self.record(outcome, diagnostics)
        else:
            self.remaining.extend(diagnostics)

    def config_folder(self, folder: Path, diagnostics: list[Diagnostic], target: Target) -> None:
        try:
            writes, outcome = fix_config_folder(
                folder, diagnostics, self.unsafe, target, self.root, self.select, self.ignore
            )
        except WriteRefused as exc:
            self.notes.append(str(exc))
            self.remaining.extend(diagnostics)
            return
        if all([self.emit(source, text) for source, text in writes]):
            self.record(outcome, diagnostics)
        else:
            self.remaining.extend(diagnostics)

    def repin(self, diagnostics: Sequence[Diagnostic]) -> bool:
        """Apply (or offer) the rules' requirement pins for findings no code fix can cure."""
        pins = pins_for(diagnostics)
        if not pins:
            return False
        wanted = ", ".join(f"{name}{spec}" for name, spec in pins.items())
        if not self.unsafe:
            self.notes.append(f"a requirement change is available with --fix-pins --unsafe-fixes: {wanted}")
            return False
        try:
            changed = repin_files(self.root, pins)
        except WriteRefused as exc:
            self.notes.append(str(exc))
            return False
        if not changed:
            self.notes.append(
                f"found no requirement to change to {wanted} (requirements*.txt, pyproject.toml)"
            )
            return False
        return all([self.emit(source, text) for source, text in changed]) and not self.diff

    def report(self) -> int:
        out = sys.stdout
        for text in self.diffs:
            out.write(text)
        for d in sorted(self.remaining, key=Diagnostic.sort_key):
            out.write(f"{d.filename}:{d.location.row}:{d.location.column}: {d.code} {d.message}\n")
        for note in self.notes:
            out.write(f"{note}\n")
        verb = "Would fix" if self.diff else "Fixed"
        out.write(f"{verb} {_errors(self.fixed)} ({len(self.remaining)} remaining).\n")
        hidden = hidden_unsafe(self.remaining, self.unsafe)
        if hidden:
            out.write(f"{hidden} {'fix' if hidden == 1 else 'fixes'} available with --unsafe-fixes.\n")
        if self.diff:
            return 1 if self.diffs else 0
        return 1 if self.remaining else 0


def _errors(count: int) -> str:
    return f"{count} error" if count == 1 else f"{count} errors"


def run(args: argparse.Namespace) -> int:
    """Fix the paths in `args` (from `attnlint fix` or `attnlint check --fix`); returns the exit code.

    Each file is re-checked against its own target (the pins of its nearest project folder).
    """
    settings, root = settings_for(args)

    def check() -> CheckResult:
        return check_paths(
            args.paths, settings, args.transformers_version, root=root, force_exclude=args.force_exclude
        )

    result = check()
    unsafe, diff = settings.unsafe_fixes, bool(getattr(args, "diff", False))
    fixing = _Run(root, settings.select, settings.ignore, unsafe, diff)
    if getattr(args, "fix_pins", False) and fixing.repin(result.diagnostics):
        before, result = len(result.diagnostics), check()
        fixing.fixed += max(0, before - len(result.diagnostics))
    by_file: dict[str, list[Diagnostic]] = {}
    for diagnostic in result.diagnostics:
        by_file.setdefault(diagnostic.filename, []).append(diagnostic)
    folders: dict[Path, list[Diagnostic]] = {}
    for name, diagnostics in by_file.items():
        if not any(wanted(d, unsafe) for d in diagnostics):
            fixing.remaining.extend(diagnostics)
        elif name.endswith(".ipynb"):
            fixing.notes.append(f"{name}: notebooks are checked but not rewritten; fix the cells by hand")
            fixing.remaining.extend(diagnostics)
        elif is_json(name):
            folders.setdefault(Path(name).parent, []).extend(diagnostics)
        else:
            fixing.python(name, diagnostics, result.target_for(name))
    for folder, diagnostics in folders.items():
        fixing.config_folder(folder, diagnostics, result.target_for(diagnostics[0].filename))
    return fixing.report()
