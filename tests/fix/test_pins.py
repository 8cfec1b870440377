"""`--fix-pins`: the rule's requirement pin rewrites requirement strings and nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import hand_made
from hypothesis import example, given
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.finding import Finding, FixPlan
from attnlint.fix.pins import pins_for, repin, repin_files, satisfiable
from attnlint.knowledge import rule_by_code, rules, vocabulary
from attnlint.knowledge.schema import Rule

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
    [(source, new)] = repin_files(tmp_path, PIN).changed
    assert Path(source.path).name == "requirements-dev.txt"
    assert new == (
        'torch==2.6  # cpu\ntransformers[torch]>=4.53; python_version >= "3.10"  # pinned\r\n-r base.txt\n'
    )


def test_pyproject_dependency_strings(tmp_path: Path) -> None:
    text = '[project]\ndependencies = [\n    "transformers>=4.50,<5",\n    "libcst",\n]\n'
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    [(_, new)] = repin_files(tmp_path, PIN).changed
    assert new == text.replace('"transformers>=4.50,<5"', '"transformers<5,>=4.53"')


def test_nothing_to_change_when_already_pinned(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers>=4.53\n", encoding="utf-8")
    assert repin_files(tmp_path, PIN).changed == []


RELEASES = [Version(v) for v in vocabulary().releases]
PINNED_RULES = [(rule, Requirement(f.value)) for rule in rules() for f in rule.fixes if f.action == "pin"]


def test_some_rules_offer_a_pin() -> None:
    assert PINNED_RULES, "the property below would test nothing"


@given(
    st.sampled_from(PINNED_RULES),
    st.sampled_from(vocabulary().releases),
    st.sampled_from(vocabulary().releases),
    st.sampled_from(["<", "<=", "!=", None]),
)
@example((rule_by_code()["ATN101"], Requirement("transformers>=4.53")), "4.50.0", "4.52.0", "<")
def test_a_pin_rewrite_keeps_a_release_and_excludes_every_affected_one(
    pinned: tuple[Rule, Requirement], low: str, high: str, operator: str | None
) -> None:
    """Over every known release: the rewritten requirement allows some release and none the rule
    claims, or the rewrite is refused exactly when no release is left (the `<4.52,>=4.53` defect)."""
    rule, pin = pinned
    upper = f",{operator}{high}" if operator else ""
    requirement = Requirement(f"transformers>={low}{upper}")
    result = repin(requirement, pin.specifier)
    kept = SpecifierSet(f"{operator}{high}") if operator else SpecifierSet()
    left = [v for v in RELEASES if v in pin.specifier & kept]
    if isinstance(result, str):
        assert not left and "cannot be narrowed" in result
        return
    allowed = [v for v in RELEASES if result.contains(v, prereleases=True)]
    assert allowed and satisfiable(result)
    assert not [v for v in allowed if rule.transformers_spec.contains(v, prereleases=True)]


def test_an_impossible_rewrite_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers>=4.50,<4.52\n", encoding="utf-8")
    result = repin_files(tmp_path, PIN)
    assert result.changed == []
    [note] = result.refused
    assert "requirements.txt: not repinned: transformers<4.52,>=4.50 cannot be narrowed to >=4.53" in note
