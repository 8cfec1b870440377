"""The Python extractor places settings through `source.LineIndex`, the one row/column conversion.

`ast` gives 1-based rows and 0-based UTF-8 byte columns; a span must name the characters of the
text that fixes edit, with rows ending only at "\\n", "\\r\\n" or a lone "\\r" (a form feed, U+0085,
U+2028 or U+2029 is a character of its line, as in CPython's tokenizer). `str.splitlines` or byte
columns would misplace every case below.
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnlint.extract.python import extract_python
from attnlint.source import LineIndex

LOAD = 'm = Llama4ForCausalLM.from_pretrained({path}, attn_implementation="flex_attention")'
SETTING = '"flex_attention"'

#: name -> (source, the row the setting is on)
CASES = {
    "non-ASCII before the setting": ("\n".join(["from transformers import Llama4ForCausalLM",
                                                 LOAD.format(path='"./modèle/€/🙂"'), ""]), 2),
    "lone CR line ends": ("\r".join(["from transformers import Llama4ForCausalLM", "x = 'é'",
                                     LOAD.format(path='"ü"'), ""]), 3),
    "CRLF line ends": ("\r\n".join(["from transformers import Llama4ForCausalLM",
                                    LOAD.format(path='"ü"'), ""]), 2),
    "form feed at the start of the line": ("\n".join(["from transformers import Llama4ForCausalLM",
                                                       "\x0c" + LOAD.format(path='"é"'), ""]), 2),
    "U+2028, U+2029 and U+0085 in a string on the line": (
        "\n".join(["from transformers import Llama4ForCausalLM",
                   LOAD.format(path='"a\u2028b\u2029c\x85d"'), ""]), 2),
    "U+2028 in a string on an earlier row": (
        "\n".join(["from transformers import Llama4ForCausalLM", 'P = "x\u2028y"',
                   "m = Llama4ForCausalLM.from_pretrained(", "    P,",
                   '    attn_implementation="flex_attention",', ")", ""]), 5),
}


@pytest.mark.parametrize("name", CASES)
def test_setting_span_names_the_literal_in_the_text(name: str) -> None:
    text, row = CASES[name]
    [use] = extract_python(text, "case.py")
    [attn] = use.attn
    assert attn.value == "flex_attention" and attn.span is not None
    index = LineIndex(text)
    start = index.offset(attn.span.row, attn.span.column)
    end = index.offset(attn.span.end_row, attn.span.end_column)
    assert attn.span.row == row
    assert text[start:end] == SETTING


def test_a_byte_column_inside_a_character_counts_that_character() -> None:
    index = LineIndex("a = '🙂'\rb = 1\n")
    assert [index.utf8_column(1, byte) for byte in (5, 6, 7, 8, 9, 10)] == [6, 7, 7, 7, 7, 8]
    assert index.row_text(1) == "a = '🙂'" and index.row_text(2) == "b = 1" and index.row_text(3) == ""
    assert index.utf8_column(9, 4) == 5  # a row outside the text: no characters to count


TEXT = st.text(alphabet=st.sampled_from("ab é€🙂\r\n\x0c\x85\u2028\u2029"), max_size=40)


@given(TEXT)
def test_utf8_column_inverts_byte_counting(text: str) -> None:
    """Every offset before a line end, written as ast writes it (row, UTF-8 bytes into the row),
    comes back."""
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        where = index.location(offset)
        before = text[index.starts[where.row - 1] : offset]
        if "\r" in before or "\n" in before:
            continue  # inside a line end: no ast position lies there
        byte_column = len(before.encode("utf-8"))
        assert index.utf8_column(where.row, byte_column) == where.column
        assert index.offset(where.row, where.column) == offset


def test_rows_are_the_rows_ast_counts() -> None:
    """The same row split as CPython: a name after each kind of line end and separator character."""
    text = "a = 1\rb = '\x0c\x85\u2028\u2029'\r\nc = 2\n\x0cd = 3\n"
    index = LineIndex(text)
    for node in ast.parse(text).body:
        assert isinstance(node, ast.Assign)
        [target] = node.targets
        assert isinstance(target, ast.Name)
        column = index.utf8_column(target.lineno, target.col_offset)
        assert text[index.offset(target.lineno, column)] == target.id
