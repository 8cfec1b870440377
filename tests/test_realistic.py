"""Realistic scripts: ordinary ones must stay silent on every known release, broken ones must not.

tests/realistic/ok holds scripts in the styles people write (argparse, `**model_kwargs`, TRL-style
dataclasses, pipelines, model-card snippets). A diagnostic there is a false positive: the extractor
or a rule is wrong. Each script in tests/realistic/bad names its expected codes in an
`# expect: ATN101` header.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attnlint.engine import check_bytes
from attnlint.prefilter import may_trigger

HERE = Path(__file__).parent / "realistic"
OK = sorted((HERE / "ok").glob("*.py"))
BAD = sorted((HERE / "bad").glob("*.py"))


def test_there_are_enough_scripts() -> None:
    assert len(OK) >= 8 and len(BAD) >= 3


@pytest.mark.parametrize("script", OK, ids=[p.name for p in OK])
def test_ordinary_scripts_are_silent_on_every_release(script: Path) -> None:
    diagnostics = check_bytes(script.read_bytes(), str(script))
    assert [(d.code, d.location.row, d.message) for d in diagnostics] == []


@pytest.mark.parametrize("script", BAD, ids=[p.name for p in BAD])
def test_broken_scripts_report_their_expected_codes(script: Path) -> None:
    data = script.read_bytes()
    header = re.search(rb"^# expect: (.+)$", data, re.MULTILINE)
    assert header is not None, f"{script.name} has no '# expect:' header"
    expected = sorted(header.group(1).decode().replace(",", " ").split())
    assert may_trigger(data)
    assert sorted(d.code for d in check_bytes(data, str(script))) == expected
