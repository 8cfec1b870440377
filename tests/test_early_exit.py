"""An early exit under a release check: the rest of its block runs only on the releases the check
lets through, so a rule that affects only the releases it excludes stays silent there, and one that
affects a release it lets through still fires (attnlint/extract/release_checks.py)."""

from __future__ import annotations

from textwrap import dedent, indent

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.engine import check_source
from attnlint.extract.python import extract_python
from attnlint.facts import Target

HEAD = """\
import sys

import transformers
from packaging import version
from transformers import AutoModelForCausalLM, DynamicCache
from transformers.utils import is_flash_attn_2_available, is_transformers_version
"""
#: Llama with flex attention: ATN102 (4.51.0) and ATN123 (4.50-4.52) on the default cache, all before 4.53.
LOAD = ('model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", '
        'attn_implementation="flex_attention", device_map="cuda")\n'
        "out = model.generate(ids, max_new_tokens=8)\n")
OLD = 'version.parse(transformers.__version__) < version.parse("4.53")'
TARGET = Target(transformers=SpecifierSet(">=4.48"), reason="the override allows", source="override")


def _script(check: str, body: str = LOAD, in_function: bool = False) -> str:
    code = dedent(check) + body
    return HEAD + ("\n\ndef main(ids):\n" + indent(code, "    ") if in_function else code)


def _codes(source: str, strict: bool = False) -> list[tuple[str, str]]:
    return [(d.code, d.severity) for d in check_source(source, "script.py", target=TARGET, strict=strict)]


def _runs_on(source: str) -> list[tuple[str, bool]]:
    return [(s.runs_on, s.guarded) for use in extract_python(source, "script.py") for s in use.attn]


UNGUARDED = [("ATN102", "error"), ("ATN123", "error")]


def test_without_a_check_the_pre_4_53_rules_fire() -> None:
    assert _codes(_script("")) == UNGUARDED


@pytest.mark.parametrize("check", [
    f"if {OLD}:\n    return None\n",
    f"if {OLD}:\n    raise RuntimeError('needs 4.53')\n",
    'if not is_transformers_version(">=", "4.53"):\n    raise ImportError("needs 4.53")\n',
    f"if {OLD}:\n    sys.exit('needs 4.53')\n",
    f"if {OLD}:\n    raise RuntimeError('needs 4.53')\nelse:\n    print('new enough')\n",
    f"if not {OLD}:\n    print('new enough')\nelse:\n    return None\n",
    'if version.parse("4.53") > version.parse(transformers.__version__):\n    return None\n',
])
def test_code_after_an_early_exit_runs_only_on_the_releases_the_check_lets_through(check: str) -> None:
    source = _script(check, in_function=True)
    assert _runs_on(source) == [(">=4.53", False)]
    assert _codes(source) == []
    assert _codes(source, strict=True) == []  # not a doubt: those releases never reach the code


def test_a_check_that_does_not_exclude_the_affected_releases_still_fires() -> None:
    source = _script(f"if {OLD.replace('4.53', '4.45')}:\n    raise RuntimeError('needs 4.45')\n")
    assert _codes(source) == UNGUARDED
    [message] = {d.message for d in check_source(source, "script.py", target=TARGET) if d.code == "ATN102"}
    assert "(when transformers>=4.45, as the release check on line 7 requires)" in message


def test_a_rule_on_the_releases_the_check_lets_through_still_fires() -> None:
    """DynamicCache(config=...) raises TypeError up to 4.55 (ATN141): after `< 4.53` exits, on
    4.53-4.55 only, the releases that run the call."""
    body = "model = AutoModelForCausalLM.from_pretrained('x')\ncache = DynamicCache(config=model.config)\n"

    def affected(check: str) -> list[str]:
        found = check_source(_script(check, body, in_function=True), "script.py", target=TARGET)
        messages = [d.message for d in found if d.code == "ATN141"]
        return [m.split("; affects transformers ")[1].split(",")[0] for m in messages]

    assert affected("") == ["4.48.0-4.55.4"]
    assert affected(f"if {OLD}:\n    return None\n") == ["4.53.0-4.55.4"]


def test_the_rest_of_the_block_only() -> None:
    """An exit inside a function guards the rest of that function, not the code after it."""
    source = _script(f"if {OLD}:\n    return None\n", "pass\n", in_function=True) + LOAD
    assert _runs_on(source) == [("", False)]
    assert _codes(source) == UNGUARDED


def test_an_exit_on_both_sides_or_neither_guards_nothing_after() -> None:
    neither = _script(f"if {OLD}:\n    print('old')\n")
    assert _runs_on(neither) == [("", False)] and _codes(neither) == UNGUARDED
    both = _script(f"if {OLD}:\n    return None\nelse:\n    return 1\n", in_function=True)
    assert _runs_on(both) == [("", False)]


def test_an_exit_under_a_check_attnlint_cannot_read_guards_the_rest_whole() -> None:
    source = _script("if not is_flash_attn_2_available():\n    return None\n", in_function=True)
    assert _runs_on(source) == [("", True)]
    assert _codes(source) == []
    assert {severity for _, severity in _codes(source, strict=True)} == {"warning"}


def test_an_exit_under_a_test_on_something_else_guards_nothing() -> None:
    source = _script("if ids is None:\n    return None\n", in_function=True)
    assert _codes(source) == UNGUARDED
