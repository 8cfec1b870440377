"""Property tests: fixing never touches clean code and never changes more than the fixed arguments."""

from __future__ import annotations

import ast
import warnings

import hypothesmith
import pytest
from conftest import fix_text
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attnlint.engine import check_source

SEED = """
model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
IMPORT = "from transformers import Llama4ForConditionalGeneration\n"
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


class _DropAdded(ast.NodeTransformer):
    """Remove what the fix adds (the cache keyword), so the rest of the tree can be compared."""

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        node.keywords = [k for k in node.keywords if k.arg != "cache_implementation"]
        return node


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@_SETTINGS
@given(hypothesmith.from_grammar())
def test_code_without_findings_is_left_byte_for_byte(text: str) -> None:
    assume(_parses(text))
    found = check_source(text, "random.py")
    assume(not found)
    assert fix_text(text, "==4.51.0", unsafe=True, path="random.py").text == text


def _statement_blocks() -> st.SearchStrategy[str]:
    return hypothesmith.from_grammar().filter(_parses).filter(lambda t: "model" not in t and "noqa" not in t)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@_SETTINGS
@given(_statement_blocks(), _statement_blocks(), st.sampled_from(["\n", "\r\n"]))
def test_a_seeded_bad_call_is_fixed_and_nothing_else_changes(before: str, after: str, newline: str) -> None:
    text = IMPORT + before.rstrip("\n") + "\n" + SEED + after
    assume(_parses(text))
    text = text.replace("\r\n", "\n").replace("\n", newline)
    found = [d for d in check_source(text, "seeded.py", target=None) if d.code == "ATN101"]
    assume(found)
    fixed = fix_text(text, "==4.51.0", path="seeded.py").text
    assert _parses(fixed)
    assert 'cache_implementation="hybrid"' in fixed
    original = ast.dump(ast.parse(text))
    assert ast.dump(_DropAdded().visit(ast.parse(fixed))) == original
    assert fix_text(fixed, "==4.51.0", path="seeded.py").text == fixed
