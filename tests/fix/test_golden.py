"""Golden in/out pairs: `attnlint fix` must turn each `<case>.in.py` into exactly `<case>.out.py`.

The first line of each input says the target and whether unsafe fixes are on:
`# fix: target="==4.51.0" unsafe`. The rule base's own INVALID examples with a `fixed` text are
golden cases too, so every fixable rule is covered as soon as it ships an example.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import fix_text

from attnlint.knowledge import configuration_rules
from attnlint.knowledge.schema import Example

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name.removesuffix(".in.py") for p in GOLDEN.glob("*.in.py"))
_HEADER = re.compile(r'# fix: target="(?P<target>[^"]*)"(?P<unsafe> unsafe)?')


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", CASES)
def test_golden_pair(case: str) -> None:
    source = _read(GOLDEN / f"{case}.in.py")
    header = _HEADER.match(source)
    assert header, f"{case}.in.py must start with a `# fix:` header"
    unsafe = bool(header["unsafe"])
    outcome = fix_text(source, header["target"], unsafe)
    assert outcome.text == _read(GOLDEN / f"{case}.out.py")
    again = fix_text(outcome.text, header["target"], unsafe)
    assert again.text == outcome.text, "fixing twice must give the same text as fixing once"
    if outcome.text != source:
        assert outcome.fixed and not [
            d for d in outcome.remaining if d.code in {f.code for f in outcome.fixed}
        ]


def test_unsafe_fix_is_held_back_and_counted() -> None:
    outcome = fix_text(_read(GOLDEN / "unsafe_not_enabled.in.py"), ">=4.50", unsafe=False)
    seed = [d for d in outcome.remaining if d.code == "ATN101"]
    assert len(seed) == 1
    assert seed[0].plan is not None and seed[0].plan.spec is not None
    assert seed[0].plan.spec.applicability == "unsafe"


EXAMPLES = [
    pytest.param(rule.code, example, id=f"{rule.code}-invalid-{i}")
    for rule in configuration_rules()
    for i, example in enumerate(rule.invalid)
    if example.fixed is not None
]


@pytest.mark.parametrize(("code", "example"), EXAMPLES)
def test_rule_examples_fix_to_their_fixed_text(code: str, example: Example) -> None:
    outcome = fix_text(example.code, example.target, example.unsafe_fixes)
    assert outcome.text == example.fixed
    assert code not in {d.code for d in outcome.remaining}


ALL_INVALID = [
    pytest.param(rule.code, example, id=f"{rule.code}-invalid-{i}")
    for rule in configuration_rules()
    for i, example in enumerate(rule.invalid)
]


@pytest.mark.parametrize(("code", "example"), ALL_INVALID)
def test_every_invalid_example_is_fixed_or_explained(code: str, example: Example) -> None:
    """With unsafe fixes on, a rule's finding is either gone after `fix` or has a stated reason."""
    outcome = fix_text(example.code, example.target, unsafe=True)
    left = [d for d in outcome.remaining if d.code == code]
    explained = {r.finding.code for r in outcome.refusals}
    assert not left or code in explained, f"{code} remains without a reason"
    assert fix_text(outcome.text, example.target, unsafe=True).text == outcome.text
