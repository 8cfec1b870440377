"""A Python file parsed by libcst, with node positions in the file's own text.

libcst prints a module back almost byte for byte, but not quite: it drops a form feed that starts a
line, a final lone "\\r", and trailing whitespace and comments at the end of a file without a final
newline. Its positions count in that printing, so they are mapped back onto
the file's text before any edit is made; edits print only the changed node, never the module.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cached_property

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    WhitespaceInclusivePositionProvider,
)

from attnlint.diagnostic import Edit
from attnlint.edits.refusal import FixRefused
from attnlint.facts import Span
from attnlint.source import LineIndex, SourceText

try:  # the printer state behind `Module.code_for_node` (libcst 0.3 to 1.x)
    from libcst._nodes.internal import CodegenState as _CodegenState
except ImportError:  # pragma: no cover - a libcst that moved it prints whole modules
    _CodegenState = None  # type: ignore[assignment,misc]

__all__ = ["PythonSource"]

def _alignment(original: str, printed: str) -> list[int]:
    """For each offset of libcst's printing (and its end), the offset of the same character in the
    original text; a character libcst added maps to the next one it kept."""
    mapping = [-1] * (len(printed) + 1)
    matcher = difflib.SequenceMatcher(None, original, printed, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            mapping[block.b + k] = block.a + k
    mapping[-1] = len(original)
    for k in range(len(printed) - 1, -1, -1):
        if mapping[k] < 0:
            mapping[k] = mapping[k + 1]
    return mapping


class PythonSource:
    """One parse of a file with node positions, shared by every fix computed in a round."""

    def __init__(self, source: SourceText) -> None:
        self.path = source.path
        self.index = source.index
        try:
            self.wrapper = MetadataWrapper(cst.parse_module(source.text), unsafe_skip_copy=True)
        except cst.ParserSyntaxError as exc:
            raise FixRefused(f"syntax error, not fixed: {exc.message}") from exc
        self.module = self.wrapper.module
        printed = self.module.code
        self._printed = self.index if printed == source.text else LineIndex(printed)
        self._map = None if printed == source.text else _alignment(source.text, printed)
        self.positions = self.wrapper.resolve(PositionProvider)
        self.by_span: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
        #: Each indented block's statements, from the first's start to the last's end in libcst's rows.
        self._blocks: list[tuple[tuple[int, int], tuple[int, int], cst.IndentedBlock]] = []
        for node, where in self.positions.items():
            if isinstance(node, cst.IndentedBlock):
                rows = (where.start.line, where.start.column), (where.end.line, where.end.column)
                self._blocks.append((*rows, node))
            if self._map is None:
                key = (where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
            else:
                start, end = self.index.location(self._offset(where.start)), self.index.location(
                    self._offset(where.end, end=True)
                )
                key = (start.row, start.column, end.row, end.column)
            self.by_span.setdefault(key, []).append(node)

    @cached_property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        return self.wrapper.resolve(ParentNodeProvider)

    @cached_property
    def _inclusive(self) -> Mapping[cst.CSTNode, cst.metadata.CodeRange]:
        return self.wrapper.resolve(WhitespaceInclusivePositionProvider)

    def node_at(self, span: Span, kind: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]) -> cst.CSTNode:
        if span.path != self.path:
            raise FixRefused(f"the setting lives in {span.path}; fix it there")
        key = (span.row, span.column, span.end_row, span.end_column)
        for node in self.by_span.get(key, []):
            if isinstance(node, kind):
                return node
        raise FixRefused(f"could not find the code at {span.row}:{span.column} to rewrite")

    def inside(self, span: Span) -> list[cst.CSTNode]:
        """Nodes within a span, in source order (used to find a constant's name at a call site)."""
        start, end = (span.row, span.column), (span.end_row, span.end_column)
        found = [
            (key, node)
            for key, nodes in self.by_span.items()
            for node in nodes
            if start <= key[:2] and key[2:] <= end
        ]
        return [node for _, node in sorted(found, key=lambda item: item[0])]

    def _offset(self, where: cst.metadata.CodePosition, end: bool = False) -> int:
        """The offset in the file's text of a libcst position (which counts in libcst's printing
        of the module; an `end` maps just past the character before it)."""
        if where.line > len(self._printed.starts):  # past the final line end libcst did not print
            return len(self.index.text)
        printed = self._printed.offset(where.line, where.column + 1)
        if self._map is None:
            return printed
        return self._map[printed - 1] + 1 if end and printed > 0 else self._map[printed]

    def replace(self, old: cst.CSTNode, new: cst.CSTNode) -> Edit:
        """The edit that puts `new` where `old` is. Only the new node is printed (libcst's printing
        of a whole module drops form feeds and a final lone "\\r" that the user wrote), with the
        indentation of the blocks around `old`, which its continuation lines carry."""
        content = self.printed_in_place(old, new)
        span = self._inclusive[old]
        start, end = self._offset(span.start), self._offset(span.end, end=True)
        if self._map is not None and self.index.text[start:end] != self._printed_text(span):
            raise FixRefused("libcst does not reproduce this code exactly; not fixed")
        return self._trimmed(start, end, content)

    def printed_in_place(self, old: cst.CSTNode, new: cst.CSTNode) -> str:
        """`new` printed as it would be in place of `old`. libcst prints a node's continuation
        lines with the indentation of the blocks that hold it, which its public printing of a
        lone node (`Module.code_for_node`) leaves out; so the node is printed through the printer
        state libcst uses inside, given those blocks' indentation: one node's printing, where
        printing the whole module with the node replaced cost a fix about 50 ms per edit of a
        small file. A libcst without that state gets the whole module's printing."""
        if _CodegenState is None:
            return self.printed_in_module(old, new)
        module = self.module
        state = _CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
        at = self.positions[old]
        first, last = (at.start.line, at.start.column), (at.end.line, at.end.column)
        around = sorted((b for b in self._blocks if b[0] <= first and last <= b[1]), key=lambda b: b[0])
        for _, _, block in around:  # outermost first: blocks nest, the first to start holds the rest
            state.increase_indent(state.default_indent if block.indent is None else block.indent)
        new._codegen(state)
        return "".join(state.tokens)

    def printed_in_module(self, old: cst.CSTNode, new: cst.CSTNode) -> str:
        """`new` as the printing of the whole module with `old` replaced shows it."""
        module = self.module.deep_replace(old, new)
        assert isinstance(module, cst.Module)
        printed = MetadataWrapper(module, unsafe_skip_copy=True)
        code = printed.module.code
        where = printed.resolve(WhitespaceInclusivePositionProvider)[new]
        at = LineIndex(code)
        start = at.offset(where.start.line, where.start.column + 1)
        return code[start : at.offset(where.end.line, where.end.column + 1)]

    def _printed_text(self, span: cst.metadata.CodeRange) -> str:
        """The text of a range in libcst's printing of the module."""
        start = self._printed.offset(span.start.line, span.start.column + 1)
        return self._printed.text[start : self._printed.offset(span.end.line, span.end.column + 1)]

    def remove_line(self, statement: cst.SimpleStatementLine) -> Edit:
        """The edit that deletes a one-statement line, from its indentation to its line end."""
        first = self.index.location(self._offset(self.positions[statement].start)).row
        end = self._offset(self._inclusive[statement].end, end=True)
        return self._trimmed(self.index.starts[first - 1], end, "")

    def _trimmed(self, start: int, end: int, content: str) -> Edit:
        """An edit of text[start:end] to `content`, narrowed to the characters that change."""
        old = self.index.text[start:end]
        if old == content:
            raise FixRefused("the fix would not change anything")
        prefix = 0
        while prefix < min(len(old), len(content)) and old[prefix] == content[prefix]:
            prefix += 1
        suffix = 0
        limit = min(len(old), len(content)) - prefix
        while suffix < limit and old[-1 - suffix] == content[-1 - suffix]:
            suffix += 1
        return self.index.edit(start + prefix, end - suffix, content[prefix : len(content) - suffix])
