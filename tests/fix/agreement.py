"""The invariant of the one per-file path: after `attnlint fix`, `attnlint check` reports exactly
the findings `fix` reported as remaining, at the same positions (shared by the defect tests and the
property test)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from attnlint.cli import main


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run the command line in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def records(stdout: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(stdout)
    return found


def fix_then_check(project: Path, *options: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What `fix` says remains and what `check` then finds, both as JSON records, run in `project`."""
    with contextlib.chdir(project):
        fix_code, fixed, _ = run_cli("fix", ".", "--output-format", "json", *options)
        check_code, checked, _ = run_cli("check", ".", "--output-format", "json", *options)
    remaining, found = records(fixed), records(checked)
    assert fix_code == check_code == (1 if found else 0)
    return remaining, found
