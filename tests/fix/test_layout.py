"""Adding a keyword keeps the call's layout: one line, one argument per line, trailing commas."""

from __future__ import annotations

import pytest
from conftest import fix_text

HEAD = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
"""
NEW = 'cache_implementation="hybrid"'


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("model.generate()", f"model.generate({NEW})"),
        ("model.generate(ids,)", f"model.generate(ids, {NEW},)"),
        ("model.generate(ids , max_new_tokens=4 )", f"model.generate(ids , max_new_tokens=4, {NEW} )"),
        ("model.generate(\n    ids\n)", f"model.generate(\n    ids,\n    {NEW}\n)"),
        ("model.generate(\n    ids,\n)", f"model.generate(\n    ids,\n    {NEW},\n)"),
        (
            "model.generate(\n    ids,  # a\n\n    do_sample=False,  # b\n)",
            f"model.generate(\n    ids,  # a\n\n    do_sample=False,  # b\n    {NEW},\n)",
        ),
        (
            "model.generate(ids, **{'top_k': 4})",
            "model.generate(ids, **{'top_k': 4}, cache_implementation='hybrid')",
        ),
    ],
)
def test_added_keyword_follows_the_call_layout(call: str, fixed: str) -> None:
    outcome = fix_text(HEAD + call + "\n", "==4.51.0")
    assert outcome.text == HEAD + fixed + "\n"
    assert outcome.remaining == []
