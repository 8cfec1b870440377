"""`--fix-pins`: the rule's requirement pin rewrites requirement strings and nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import hand_made
from hypothesis import example, given
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.cli import main
from attnlint.finding import Finding, FixPlan
from attnlint.fix.pins import pins_for, repin, repin_files, satisfiable, tightest
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


BOUNDS = st.sampled_from([">=", ">", "<=", "<", "!=", "=="])


@given(st.lists(st.tuples(BOUNDS, st.sampled_from(vocabulary().releases)), min_size=1, max_size=5))
@example([(">=", "4.53.0"), (">=", "4.56.0")])
@example([(">", "4.56.0"), (">=", "4.56.0"), ("<=", "5.0.0"), ("<", "5.0.0")])
def test_the_tightest_spec_allows_the_same_releases_with_one_bound_a_side(
    parts: list[tuple[str, str]],
) -> None:
    spec = SpecifierSet(",".join(op + version for op, version in parts))
    tight = tightest(spec)
    assert [v for v in RELEASES if v in tight] == [v for v in RELEASES if v in spec]
    for side in ((">=", ">"), ("<=", "<")):
        assert sum(s.operator in side for s in tight) <= 1, tight
    assert {str(s) for s in spec if s.operator in ("!=", "==")} <= {str(s) for s in tight}


def test_two_rules_raising_the_floor_ask_for_the_higher_one() -> None:
    """ATN101 asks for >=4.53 and ATN113 for >=4.56: the offer was `transformers>=4.53,>=4.56`."""
    assert pins_for([_refused("ATN101"), _refused("ATN113")]) == {"transformers": SpecifierSet(">=4.56")}


LLAMA4 = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""


@pytest.mark.parametrize(
    ("name", "text", "written"),
    [
        (
            "requirements.txt",
            "transformers>=4.50,<5,!=4.57.0  # ours\n",
            "transformers!=4.57.0,<5,>=4.56  # ours\n",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "p"\ndependencies = ["transformers>=4.50,!=4.57.0,<5", "torch"]\n',
            '[project]\nname = "p"\ndependencies = ["transformers!=4.57.0,<5,>=4.56", "torch"]\n',
        ),
    ],
)
def test_fix_pins_writes_one_floor_when_two_rules_raise_it(
    name: str, text: str, written: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On Llama 4 flex with the default cache, ATN101 (4.51) pins >=4.53 and ATN113 (4.52) >=4.56;
    the rewrite once read `transformers!=4.57.0,<5,>=4.53,>=4.56`."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "infer.py").write_text(LLAMA4, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    argv = ["fix", "--fix-pins", "--select", "ATN0,ATN101,ATN113", "."]
    assert main(argv) == 1
    assert "available with --fix-pins --unsafe-fixes: transformers>=4.56\n" in capsys.readouterr().err
    assert main([*argv, "--unsafe-fixes"]) == 0
    assert (tmp_path / name).read_text(encoding="utf-8") == written
    assert (tmp_path / "infer.py").read_text(encoding="utf-8") == LLAMA4
