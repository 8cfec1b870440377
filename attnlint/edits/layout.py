"""Where a fix puts a new argument or removes one: commas, comments and line layout kept as written.

libcst prints what it is given; these helpers decide what to give it, so that an appended keyword
follows the call's own layout (one argument per line or not, trailing comma or not, comments on
the line they annotate) and a removed last argument leaves the commas of the one before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

__all__ = ["append_element", "without_element"]

_Element = TypeVar("_Element", cst.Arg, cst.DictElement)


def _leading(
    elements: Sequence[_Element], opening: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace before the last element: it tells how elements are laid out (one per line?)."""
    if len(elements) >= 2:
        comma = elements[-2].comma
        if isinstance(comma, cst.Comma):
            return comma.whitespace_after
    return opening


def _line_break(
    template: cst.ParenthesizedWhitespace, layout: cst.BaseParenthesizableWhitespace
) -> cst.ParenthesizedWhitespace:
    """A line break ending like `template`'s first line and indented like `layout`."""
    if isinstance(layout, cst.ParenthesizedWhitespace):
        return template.with_changes(indent=layout.indent, last_line=layout.last_line)
    return template


def _fresh_line(layout: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=layout.indent, last_line=layout.last_line
    )


def append_element(
    elements: Sequence[_Element], new: _Element, opening: cst.BaseParenthesizableWhitespace
) -> list[_Element]:
    """Append `new` after the last element, keeping trailing commas, comments and line layout."""
    if not elements:
        return [new]
    head: list[_Element] = list(elements[:-1])
    last = elements[-1]
    layout = _leading(elements, opening)
    between: cst.BaseParenthesizableWhitespace = (
        _fresh_line(layout) if isinstance(layout, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
    )
    after = last.whitespace_after_arg if isinstance(last, cst.Arg) else None
    if isinstance(last.comma, cst.Comma) and isinstance(
        last.comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        # `b,  # note` then a line break: the note stays on b's line, the new element gets its own.
        tail = last.comma.whitespace_after
        last = last.with_changes(comma=last.comma.with_changes(whitespace_after=_line_break(tail, layout)))
        new = new.with_changes(comma=cst.Comma(whitespace_after=_fresh_line(tail)))
    elif isinstance(last.comma, cst.Comma):
        new = new.with_changes(comma=last.comma)
        last = last.with_changes(comma=cst.Comma(whitespace_after=between))
    elif isinstance(after, cst.ParenthesizedWhitespace):
        # `b  # note` then the closing bracket on the next line: keep the note after b's new comma.
        last = last.with_changes(
            whitespace_after_arg=cst.SimpleWhitespace(""),
            comma=cst.Comma(whitespace_after=_line_break(after, layout)),
        )
        new = new.with_changes(whitespace_after_arg=_fresh_line(after))
    else:
        last = last.with_changes(comma=cst.Comma(whitespace_after=between))
    if (
        isinstance(last, cst.Arg)
        and isinstance(new, cst.Arg)
        and not isinstance(after, cst.ParenthesizedWhitespace)
    ):
        # An argument's trailing whitespace prints after its comma: it belongs before the bracket.
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    head.extend((last, new))
    return head


_Removable = TypeVar("_Removable", cst.Arg, cst.BaseDictElement)


def without_element(elements: Sequence[_Removable], node: cst.Arg | cst.DictElement) -> list[_Removable]:
    """The elements without `node`; a removed last element leaves its comma (or none) to the one before."""
    kept = [e for e in elements if e is not node]
    if elements and elements[-1] is node and kept:
        changes: dict[str, object] = {"comma": node.comma}
        if isinstance(node, cst.Arg):
            changes["whitespace_after_arg"] = node.whitespace_after_arg
        kept[-1] = kept[-1].with_changes(**changes)
    return kept
