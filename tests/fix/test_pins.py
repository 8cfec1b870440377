"""`--fix-pins`: the rule's requirement pin rewrites requirement strings and nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import hand_made
from packaging.specifiers import SpecifierSet

from attnlint.finding import Finding, FixPlan
from attnlint.fix.pins import pins_for, repin_files
from attnlint.knowledge import rule_by_code

PIN = {"transformers": SpecifierSet(">=4.53")}


def _refused(code: str) -> Finding:
    return hand_made(code, "a.py", FixPlan(spec=None, refusal="no single fix is valid"))


def test_pins_come_from_findings_without_a_safe_fix() -> None:
    assert pins_for([_refused("ATN101")]) == PIN
    assert pins_for([replace(_refused("ATN101"), plan=None)]) == {}
    rule = rule_by_code()["ATN101"]
    for spec, pinned in ((rule.fixes[0], {}), (rule.fixes[1], PIN)):
        planned = replace(_refused("ATN101"), plan=FixPlan(spec=spec))
        assert pins_for([planned]) == pinned


def test_requirements_lines_keep_extras_markers_and_comments(tmp_path: Path) -> None:
    text = (
        "torch==2.6  # cpu\ntransformers[torch]==4.51.0 ; python_version >= '3.10'  # pinned\r\n-r base.txt\n"
    )
    (tmp_path / "requirements-dev.txt").write_text(text, encoding="utf-8", newline="")
    [(source, new)] = repin_files(tmp_path, PIN)
    assert Path(source.path).name == "requirements-dev.txt"
    assert new == (
        'torch==2.6  # cpu\ntransformers[torch]>=4.53; python_version >= "3.10"  # pinned\r\n-r base.txt\n'
    )


def test_pyproject_dependency_strings(tmp_path: Path) -> None:
    text = '[project]\ndependencies = [\n    "transformers>=4.50,<5",\n    "libcst",\n]\n'
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    [(_, new)] = repin_files(tmp_path, PIN)
    assert new == text.replace('"transformers>=4.50,<5"', '"transformers<5,>=4.53"')


def test_nothing_to_change_when_already_pinned(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers>=4.53\n", encoding="utf-8")
    assert repin_files(tmp_path, PIN) == []
