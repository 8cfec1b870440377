"""What keeps a large tree cheap: rows tested in O(1), and context read only where it can matter."""

from __future__ import annotations

from attnlint.extract.python import extract_python
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
