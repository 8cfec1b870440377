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
from attnlint.cli import main
from attnlint.engine import CheckContext, check_source
from attnlint.facts import Target
from attnlint.fix.rounds import fix_text
from attnlint.knowledge.links import rule_anchor
from attnlint.knowledge.schema import Example, Rule
from attnlint.project import check_paths
from attnlint.report.rule_docs import RULES_PAGE, render_rule, stale_docs
from attnlint.settings import Settings

RULES = knowledge.rules()
RULES_DIR = Path(knowledge.__file__).parent / "rules"
REPO = Path(__file__).parent.parent


def target_from(spec: str) -> Target:
    return Target(transformers=SpecifierSet(spec), reason=f"the example's target `{spec}` allows")


def _examples() -> list[object]:
    cases: list[object] = []
    for rule in RULES:
        for kind, examples in (("invalid", rule.invalid), ("valid", rule.valid)):
            for index, example in enumerate(examples):
                cases.append(pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{index}"))
    return cases


def _codes_for(rule: Rule, example: Example, folder: Path) -> list[str]:
    """The codes `attnlint check` reports for the example. A file-level rule's example is written
    to its file and checked as a project (it may be a config.json, or bytes that do not decode)."""
    if rule.kind != "file":
        return [d.code for d in check_source(example.code, "example.py", target=target_from(example.target))]
    path = folder / example.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example.code, encoding="utf-8")
    return [d.code for d in check_paths([folder], Settings(), example.target, root=folder).diagnostics]


@pytest.mark.parametrize(("rule", "kind", "example"), _examples())
def test_example(rule: Rule, kind: str, example: Example, tmp_path: Path) -> None:
    codes = _codes_for(rule, example, tmp_path)
    if kind == "invalid":
        assert rule.code in codes, f"{rule.code} not reported; got {codes}"
    else:
        assert rule.code not in codes


def test_codes_unique_and_match_file_names() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert sorted(p.stem for p in RULES_DIR.glob("*.toml")) == sorted(codes)


def test_names_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_shape(rule: Rule) -> None:
    assert knowledge.rule_base().categories[rule.category].holds(rule.number)
    assert rule.references, "every rule cites where its claim comes from"
    assert (rule.invalid and rule.valid) or rule.kind == "file", "a rule needs INVALID and VALID examples"
    for spec in rule.fixes:
        SpecifierSet(spec.transformers)  # raises on an invalid specifier
    releases = knowledge.vocabulary().releases
    assert any(rule.transformers_spec.contains(v, prereleases=True) for v in releases), (
        f"{rule.code}: range {rule.transformers!r} selects no known release"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_examples_have_targets(rule: Rule) -> None:
    assert all(example.target for example in (*rule.invalid, *rule.valid))


def test_generated_docs_are_current() -> None:
    """docs/rules.md and the README's rule table are what the rule data renders to."""
    assert stale_docs(REPO) == [], "regenerate with `python -m attnlint.report.rule_docs`"


def test_stale_docs_are_named_and_rewritten(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    readme_text = "# x\n<!-- rules:start -->\nold\n<!-- rules:end -->\nend\n"
    (tmp_path / "README.md").write_text(readme_text, encoding="utf-8")
    (tmp_path / RULES_PAGE).write_text("old\n", encoding="utf-8")
    assert stale_docs(tmp_path) == [tmp_path / RULES_PAGE, tmp_path / "README.md"]
    assert stale_docs(tmp_path, rewrite=True) == [tmp_path / RULES_PAGE, tmp_path / "README.md"]
    assert stale_docs(tmp_path) == []
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# x\n<!-- rules:start -->\n| Code |") and readme.endswith("-->\nend\n")


def _github_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_url_anchor_exists_in_docs(rule: Rule) -> None:
    page, _, anchor = rule.url.partition("#")
    assert page.endswith(RULES_PAGE.as_posix()) and anchor == rule_anchor(rule.code)
    text = (REPO / RULES_PAGE).read_text(encoding="utf-8")
    anchors = [_github_slug(line) for line in text.splitlines() if line.startswith("## ")]
    assert anchors.count(anchor) == 1


@pytest.mark.parametrize("code", ["ATN001", "ATN002", "ATN003", "ATN004"])
def test_file_level_codes_are_documented_rules(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", code]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"## {code}\n") and knowledge.rule_by_code()[code].name in out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"| {code} | {knowledge.rule_by_code()[code].name} |" in readme


def test_file_level_diagnostics_carry_their_rule() -> None:
    """A file problem gets its name, severity and URL from its rule, like any finding."""
    found = check_source("def f(:\n", "broken.py")
    rule = knowledge.rule_by_code()["ATN001"]
    assert [(d.code, d.rule, d.severity, d.url) for d in found] == [
        ("ATN001", rule.name, rule.severity, rule.url)
    ]
    assert found[0].message.startswith("cannot parse: ")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_render_rule_has_ruff_sections(rule: Rule) -> None:
    text = render_rule(rule)
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### What it does", "### Why is this bad?", "### Example", "### Use instead", "### Verification",
        "### Fix safety", "### References",
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

    outcome = fix_text(example.code, "example.py", CheckContext(target=target), example.unsafe_fixes)
    assert outcome.text == example.fixed, [r.reason for r in outcome.refusals]
    assert rule.code not in [d.code for d in outcome.remaining]


def test_shipped_text_cites_only_files_in_the_repository() -> None:
    """Rule data, code and docs may cite a Markdown file only if the repository holds it."""
    shipped = [*(REPO / "attnlint").rglob("*.py"), *(REPO / "attnlint").rglob("*.toml"),
               *(REPO / "docs").glob("*.md"), REPO / "README.md"]
    present = {path.name for path in REPO.rglob("*.md") if ".matrix" not in path.parts}
    cited = {
        (path.relative_to(REPO).as_posix(), name)
        for path in shipped
        for name in re.findall(r"[\w-]+\.md\b", path.read_text(encoding="utf-8"))
    }
    assert sorted(c for c in cited if c[1] not in present) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_unfixed_bugs_have_open_ranges(rule: Rule) -> None:
    """A bug that the newest known release still has cannot claim a fix in a release nobody has
    seen: its range has no upper bound, so a newer target is judged, not passed silently."""
    newest = knowledge.vocabulary().releases[-1]
    if rule.transformers_spec.contains(newest, prereleases=True):
        bounds = [s for s in rule.transformers_spec if s.operator in ("<", "<=", "==", "===", "~=")]
        assert bounds == [], f"{rule.code}: {rule.transformers!r} closes after {newest}"
