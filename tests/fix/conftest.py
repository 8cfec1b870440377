"""Shared helpers for the fixer tests: check a text under a target, then fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.diagnostic import Diagnostic, FixPlan, Location
from attnlint.engine import check_source
from attnlint.facts import ModelUse, Target
from attnlint.fix.io import read_source, write_source
from attnlint.fix.outcome import FixOutcome
from attnlint.fix.python import fix_source


def hand_made(code: str, filename: str, plan: FixPlan, use: ModelUse | None = None) -> Diagnostic:
    """A diagnostic built by hand, for fixer parts that take one without running the extractors."""
    where = Location(row=1, column=1)
    return Diagnostic(
        code=code,
        rule="test",
        message="test finding",
        severity="error",
        filename=filename,
        location=where,
        end_location=where,
        url="",
        plan=plan,
        use=use,
    )


def target(spec: str) -> Target:
    return Target(transformers=SpecifierSet(spec), reason="the test target allows")


def fix_text(text: str, spec: str, unsafe: bool = False, path: str = "case.py") -> FixOutcome:
    """Check `text` under `spec` and fix it, as `attnlint fix` does for one file."""
    chosen = target(spec)
    found = check_source(text, path, target=chosen)
    return fix_source(text, found, unsafe, path=path, target=chosen)


def fix_file(path: Path, spec: str, unsafe: bool = False, root: Path | None = None) -> FixOutcome:
    """Fix one file on disk the way `attnlint fix` does: read, check, fix, write atomically."""
    source = read_source(path, root if root is not None else path.parent)
    outcome = fix_text(source.text, spec, unsafe, path=str(path))
    write_source(source, outcome.text)
    return outcome


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs the real pre-commit, which installs a hook environment")
