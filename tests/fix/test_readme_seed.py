"""README's first command shows what `attnlint check examples/` prints, and what `fix` leaves.

The seed loads with `device_map="auto"`; on a machine without a GPU that is the CPU, where its
hybrid-fixed flex still raises on 4.51.0 (ATN114). Plain `check` and `fix` must say so (a warning),
not "All checks passed!" after the safe fix.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from attnlint.cli import main

REPO = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_readme_shows_what_check_of_the_examples_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ attnlint check examples/\n(.*?)```", readme, re.S)
    assert block is not None, "README lost its first command's output"
    monkeypatch.chdir(REPO)
    code, out = _run(capsys, "check", "--no-cache", "examples/")
    assert (code, out) == (1, block.group(1))


def test_fixed_seed_keeps_the_cpu_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "examples" / "seed", tmp_path / "seed")
    monkeypatch.chdir(tmp_path / "seed")
    code, fixed = _run(capsys, "fix", ".")
    assert code == 1 and "Fixed 1 error (1 remaining)." in fixed
    assert "ATN114" in fixed and "the CPU on a machine without a GPU" in fixed
    assert 'cache_implementation="hybrid"' in (tmp_path / "seed" / "generate.py").read_text(encoding="utf-8")
    code, checked = _run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "ATN114" in checked and "Found 1 warning." in checked
