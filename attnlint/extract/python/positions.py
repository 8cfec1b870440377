"""Source positions for the Python extractor: `ast` rows and byte columns -> character `Span`s.

It also marks the "hot" lines, those that hold a word a setting or load could be spelled with, so
that the walker skips statements and function bodies that cannot matter.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cache

from attnlint.facts import Span
from attnlint.knowledge import keyword_facts, source_names
from attnlint.source import HotRows, LineIndex, shortest

#: Words of a line worth walking besides the setting keywords, loaders and model methods of
#: knowledge/sources.toml: the calls and spreads through which a setting can arrive.
_SYNTAX = (
    "pipeline", "generate", "Cache", "Config", "generation_config", "padding_side", "autocast", "dict(",
    ".update(", "**",
)


@cache
def hot_words() -> tuple[str, ...]:
    """Lines worth walking for calls: a statement whose lines hold none of these sets nothing."""
    names = source_names().python
    methods = (f".{method}(" for method in names.chainable_methods)
    return tuple(sorted(shortest((*_SYNTAX, *keyword_facts(), *names.loaders, *methods))))


class Positions:
    """ast positions (1-based rows, UTF-8 byte columns) -> Spans in characters, 1-based columns,
    through the file's one `LineIndex`."""

    def __init__(self, index: LineIndex, path: str) -> None:
        self.index = index
        self.path = path
        self.hot = HotRows.of_words(index, hot_words())
        #: whether any line of a node (rows `row` to `end_row`; None: `row` only) may hold a call
        #: attnlint cares about: the walk asks it of nearly every statement and expression, so it is
        #: the rows' own test, with no call in between
        self.hot_between: Callable[[int, int | None], bool] = self.hot.touches

    def span(self, node: ast.expr | ast.stmt | ast.keyword) -> Span:
        end_row = node.end_lineno or node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return Span(
            path=self.path,
            row=node.lineno,
            column=self.index.utf8_column(node.lineno, node.col_offset),
            end_row=end_row,
            end_column=self.index.utf8_column(end_row, end_col),
        )
