"""Every rule's own VALID/INVALID examples, Fixit style, plus checks on the knowledge base's shape.

The examples are the rules' specification: an INVALID snippet must be reported with the rule's code
under its target, a VALID one must not, through the same public entry point users call.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import attnlint.knowledge as knowledge
from attnlint.diagnostic import Diagnostic
from attnlint.engine import check_source
from attnlint.facts import Target
from attnlint.fix.python import fix_source
from attnlint.knowledge.schema import CODE_RANGES, Example, Rule
from attnlint.report.rule_docs import render_rule, render_rules

RULES = knowledge.rules()
RULES_DIR = Path(knowledge.__file__).parent / "rules"


def target_from(spec: str) -> Target:
    return Target(transformers=SpecifierSet(spec), reason=f"the example's target `{spec}` allows")


def _examples() -> list[object]:
    cases: list[object] = []
    for rule in RULES:
        for kind, examples in (("invalid", rule.invalid), ("valid", rule.valid)):
            for index, example in enumerate(examples):
                cases.append(pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{index}"))
    return cases


@pytest.mark.parametrize(("rule", "kind", "example"), _examples())
def test_example(rule: Rule, kind: str, example: Example) -> None:
    diagnostics = check_source(example.code, "example.py", target=target_from(example.target))
    codes = [d.code for d in diagnostics]
    if kind == "invalid":
        assert rule.code in codes, f"{rule.code} not reported; got {codes}"
    else:
        assert rule.code not in codes, [d.message for d in diagnostics if d.code == rule.code]


def test_codes_unique_and_match_file_names() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert sorted(p.stem for p in RULES_DIR.glob("*.toml")) == sorted(codes)


def test_names_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_shape(rule: Rule) -> None:
    assert int(rule.code[3:]) in CODE_RANGES[rule.category]
    assert rule.references, "every rule cites where its claim comes from"
    assert rule.invalid and rule.valid, "a rule needs INVALID and VALID examples"
    for spec in rule.fixes:
        SpecifierSet(spec.transformers)  # raises on an invalid specifier
    releases = knowledge.vocabulary().releases
    assert any(rule.transformers_spec.contains(v, prereleases=True) for v in releases), (
        f"{rule.code}: range {rule.transformers!r} selects no known release"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_examples_have_targets(rule: Rule) -> None:
    assert all(example.target for example in (*rule.invalid, *rule.valid))


def test_rule_docs_are_current() -> None:
    docs = Path(__file__).parent.parent / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == render_rules(RULES), (
        "regenerate with `python -m attnlint.report.rule_docs > docs/rules.md`"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_render_rule_has_ruff_sections(rule: Rule) -> None:
    text = render_rule(rule)
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### What it does", "### Why is this bad?", "### Example", "### Use instead", "### Fix safety",
        "### References",
    ]
    assert rule.code in text and rule.references[0].url in text


def _fixed_examples() -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.code}-invalid-{index}")
        for rule in RULES
        for index, example in enumerate(rule.invalid)
        if example.fixed is not None
    ]


@pytest.mark.parametrize(("rule", "example"), _fixed_examples())
def test_fixed_example(rule: Rule, example: Example) -> None:
    target = target_from(example.target)

    def recheck(text: str) -> list[Diagnostic]:
        return check_source(text, "example.py", target=target)

    diagnostics = [d for d in recheck(example.code) if d.code == rule.code]
    outcome = fix_source(
        example.code, diagnostics, example.unsafe_fixes, path="example.py", target=target, recheck=recheck
    )
    assert outcome.text == example.fixed, [r.reason for r in outcome.refusals]
    assert rule.code not in [d.code for d in outcome.remaining]


def test_shipped_text_cites_only_files_in_the_repository() -> None:
    """Rule data, code and docs may cite a Markdown file only if the repository holds it."""
    repo = Path(__file__).parent.parent
    shipped = [*(repo / "attnlint").rglob("*.py"), *(repo / "attnlint").rglob("*.toml"),
               *(repo / "docs").glob("*.md"), repo / "README.md"]
    present = {path.name for path in repo.rglob("*.md") if ".matrix" not in path.parts}
    cited = {
        (path.relative_to(repo).as_posix(), name)
        for path in shipped
        for name in re.findall(r"[\w-]+\.md\b", path.read_text(encoding="utf-8"))
    }
    assert sorted(c for c in cited if c[1] not in present) == []
