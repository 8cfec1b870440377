"""A replaced node is printed on its own with the indentation of the blocks around it
(`PythonSource.printed_in_place`), not by printing the whole module with it replaced: both must give
the same text, and the edit must leave the file as libcst's whole printing would."""

from __future__ import annotations

import libcst as cst
import pytest

from attnlint.edits.layout import append_element
from attnlint.edits.parsed import PythonSource
from attnlint.source import decode

#: Calls and dicts on one line and continued, in nested blocks, indented by spaces and by tabs,
#: with comments and strings that span lines inside them.
SOURCES = {
    "nested": '''\
class Runner:
    def load(self, name):
        if name:
            with open(name) as f:
                model = AutoModelForCausalLM.from_pretrained(
                    name,  # the checkpoint
                    torch_dtype="auto",
                )
        kwargs = {
            "device_map": "auto",
            "note": """a string
that spans lines""",
        }
        return model.generate(inputs, max_new_tokens=8)
''',
    "tabs": "def f(x):\n\tif x:\n\t\tm = load(\n\t\t\tx,\n\t\t)\n\treturn m\n",
    "continued": "result = outer(inner(a,\n                   b),\n              c)\nother = dict(a=1)\n",
    "decorated": (
        "@decorate(\n    flag=True,\n)\nasync def main():\n    async with ctx() as c:\n"
        "        await c.run(\n            1)\n"
    ),
}


def _edited(text: str, start: int, end: int, content: str) -> str:
    return text[:start] + content + text[end:]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_node_printed_in_place_is_the_whole_printing_of_it(name: str) -> None:
    text = SOURCES[name]
    source = PythonSource(decode(f"{name}.py", text.encode()))
    nodes = [node for node in source.positions if isinstance(node, cst.Call | cst.Dict)]
    assert nodes
    for old in nodes:
        if isinstance(old, cst.Call):
            arg = cst.Arg(keyword=cst.Name("attn_implementation"), value=cst.SimpleString('"eager"'),
                          equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
            args = append_element(old.args, arg, old.whitespace_before_args)
            new: cst.CSTNode = old.with_changes(args=args)
        else:
            assert isinstance(old, cst.Dict)
            entry = cst.DictElement(key=cst.SimpleString('"cache"'), value=cst.SimpleString('"static"'))
            elements = [e for e in old.elements if isinstance(e, cst.DictElement)]
            new = old.with_changes(elements=append_element(elements, entry, old.lbrace.whitespace_after))
        assert source.printed_in_place(old, new) == source.printed_in_module(old, new)
        edit = source.replace(old, new)
        start = source.index.offset(edit.location.row, edit.location.column)
        end = source.index.offset(edit.end_location.row, edit.end_location.column)
        whole = source.module.deep_replace(old, new)
        assert isinstance(whole, cst.Module)
        assert _edited(text, start, end, edit.content) == whole.code
