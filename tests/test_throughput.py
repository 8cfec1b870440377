"""What keeps a large tree cheap: rows tested in O(1), and context read only where it can matter."""

from __future__ import annotations

import ast
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from judged_sources import CORPUS

from attnlint.engine import check_source
from attnlint.extract.python import extract_python
from attnlint.extract.python.resolve import calls_in, children, walk
from attnlint.source import HotRows, LineIndex


def test_hot_rows_answer_for_a_node_s_rows() -> None:
    index = LineIndex("a = 1\nmodel = load()\nb = 2\r\nc = 3\rd = load()\n")
    hot = HotRows.of_words(index, ("load(",))
    assert [hot.touches(row, row) for row in range(1, 7)] == [False, True, False, False, True, False]
    assert hot.touches(1, 3) and hot.touches(3, 5) and not hot.touches(3, 4)
    assert hot.touches(2, None) and not hot.touches(3, None)
    assert not hot.touches(7, 9)  # past the text
    numbered = HotRows.of_rows(index, [3, 99])
    assert numbered.touches(3, 3) and not numbered.touches(1, 2) and not numbered.touches(4, 6)


def test_context_far_from_the_model_still_counts() -> None:
    """The trainer config, the registry and the guard sit in rows the loader's walk never visits."""
    source = "\n".join(
        [
            "from transformers import AutoModelForCausalLM, AttentionInterface, TrainingArguments",
            *(f"def helper_{n}(x):\n    return x + {n}" for n in range(50)),
            "AttentionInterface.register('mine', helper_1)",
            "args = TrainingArguments(output_dir='out', bf16=True)",
            "try:",
            "    model = AutoModelForCausalLM.from_pretrained('google/gemma-2-9b',",
            "                                                 attn_implementation='mine')",
            "except ValueError:",
            "    model = None",
            "",
        ]
    )
    (use,) = extract_python(source, "train.py")
    assert use.registered == frozenset({"mine"})
    assert [s.value for s in use.flags["autocast"]] == [True]
    assert [(s.value, s.guarded) for s in use.attn] == [("mine", True)]


def test_the_cycle_collector_is_paused_while_a_file_is_parsed_and_walked(monkeypatch) -> None:
    """A big module's tree is millions of live objects: the collector would traverse them over and
    over during the parse (twice the parse time on a 2 MB module). It is paused for the parse and
    walk, and left as it was afterwards, also when the file does not parse."""
    import ast
    import gc

    seen: list[bool] = []
    real_parse = ast.parse

    def parse(*args: object, **kwargs: object) -> ast.Module:
        seen.append(gc.isenabled())
        return real_parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", parse)
    assert gc.isenabled()
    extract_python("model.generate(cache_implementation='static')\n", "a.py")
    try:
        extract_python("def broken(:\n", "b.py")
    except SyntaxError:
        pass
    else:
        raise AssertionError("the broken file parsed")
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        extract_python("x = 1\n", "c.py")
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


@given(st.text(alphabet="ab \n\r\t\u2028\x0c"))
def test_row_starts_are_the_same_with_and_without_carriage_returns(text: str) -> None:
    """Rows end at \\n, \\r\\n or \\r only; a text without \\r takes a faster path to the same starts."""
    expected = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
    assert LineIndex(text).starts == expected
    assert LineIndex(text.replace("\r", "")).starts == [
        0, *(m.end() for m in re.finditer("\n", text.replace("\r", "")))
    ]


def test_the_walk_visits_what_ast_walk_visits_in_its_order() -> None:
    """Calls are read in `ast.walk`'s order (a call's side effects may depend on an earlier one)."""
    tree = ast.parse(
        "@deco(x)\nclass A(B, metaclass=M):\n    def f(self, a=g(1), *b, c: int = 2, **d):\n"
        "        return [h(y) for y in a if y] or {k: v(k) async for k in z}\n"
        "match p:\n    case {'a': [1, *rest]} if q(rest):\n        pass\n"
        "try:\n    pass\nexcept* E as e:\n    f'{t(e)!r:>{w}}'\n"
    )
    assert [id(node) for node in walk(tree)] == [id(node) for node in ast.walk(tree)]
    for node in ast.walk(tree):
        assert [id(c) for c in children(node)] == [id(c) for c in ast.iter_child_nodes(node)]
        calls = [id(c) for c in ast.walk(node) if isinstance(c, ast.Call)]
        assert [id(c) for c in calls_in(node)] == calls
    assert len(calls_in(tree)) == 6  # deco, g, h, v, q, t


def test_skipping_cold_rows_changes_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walks pass by statements and function bodies with no hot row; with every row hot, the
    whole corpus gives the same findings (run by hand on the unpacked trl, axolotl, unsloth, peft,
    accelerate, LLaMA-Factory and lm-evaluation-harness too, 2026-12-01: the same)."""
    def findings() -> list[list[tuple[str, int, int]]]:
        return [[(d.code, d.location.row, d.location.column) for d in check_source(text, name)]
                for name, text in CORPUS]

    skipping = findings()
    monkeypatch.setattr(HotRows, "touches", lambda self, first, last: True)
    assert findings() == skipping
    assert sum(map(len, skipping)) >= 300
