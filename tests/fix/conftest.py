"""Shared helpers for the fixer tests: check a text under a target, then fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.engine import CheckContext
from attnlint.facts import ModelUse, Span, Target
from attnlint.finding import Finding, FixPlan
from attnlint.fix.io import read_source, write_source
from attnlint.fix.outcome import FixOutcome
from attnlint.fix.rounds import fix_text as fix_one


def hand_made(code: str, filename: str, plan: FixPlan, use: ModelUse | None = None) -> Finding:
    """A finding built by hand, for fixer parts that take one without running the extractors."""
    where = Span(path=filename, row=1, column=1, end_row=1, end_column=1)
    return Finding(
        code=code, rule="test", message="test finding", severity="error", span=where, url="", plan=plan,
        use=use,
    )


def target(spec: str) -> Target:
    return Target(transformers=SpecifierSet(spec), reason="the test target allows")


def fix_text(text: str, spec: str, unsafe: bool = False, path: str = "case.py") -> FixOutcome:
    """Check `text` under `spec` and fix it, as `attnlint fix` does for one file."""
    return fix_one(text, path, CheckContext(target=target(spec)), unsafe)


def fix_file(path: Path, spec: str, unsafe: bool = False, root: Path | None = None) -> FixOutcome:
    """Fix one file on disk the way `attnlint fix` does: read, check, fix, write atomically."""
    source = read_source(path, root if root is not None else path.parent)
    outcome = fix_text(source.text, spec, unsafe, path=str(path))
    write_source(source, outcome.text, root if root is not None else path.parent)
    return outcome


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs the real pre-commit, which installs a hook environment")
