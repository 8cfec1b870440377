"""YAML with positions: PyYAML's node tree, so every value keeps its exact span in the file.

`compose` (not `load`) is used because nodes carry start and end marks: a fix can then replace
the bytes of one scalar and leave every comment, quote style and blank line as the user wrote it.
PyYAML's libyaml parser (`CSafeLoader`, shipped in its wheels) composes a config about 40 times
faster than a pure-Python parser, which made YAML most of a run on trees of training configs; its
YAML 1.1 resolution (`yes`/`on` are booleans) is also how axolotl, TRL, LLaMA-Factory and
lm-evaluation-harness read their configs (`yaml.safe_load`). PyYAML is imported here only, and
this module only when a YAML file is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from attnlint.facts import Span
from attnlint.records import record

__all__ = ["FrameworkFileError", "Scalar", "YamlMapping", "compose_documents"]

#: The YAML 1.1 spellings of a true boolean (the resolver has already said the scalar is one).
_TRUE = frozenset({"true", "yes", "on"})


class FrameworkFileError(ValueError):
    """A framework config that is not readable YAML: where, and what the parser said."""

    def __init__(self, path: str, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(f"{path}:{row}:{column}: {reason}")
        self.path, self.reason, self.row, self.column = path, reason, row, column


@record
class Scalar:
    """One scalar value: its text as YAML resolved it, whether it is a boolean, and where it is."""

    text: str
    is_bool: bool
    style: str  # "" for plain, '"' or "'" for quoted, "|" / ">" for block scalars
    span: Span
    start: int  # character offsets of the scalar's text (quotes included) in the file
    end: int

    @property
    def value(self) -> str | bool:
        return self.text.lower() in _TRUE if self.is_bool else self.text


def _span(path: str, node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    row, column = start.line + 1, start.column + 1
    return Span(path=path, row=row, column=column, end_row=end.line + 1, end_column=end.column + 1)


class YamlMapping:
    """A YAML mapping node, looked up by (dotted) key; only scalar and mapping values are read."""

    def __init__(self, node: Any, path: str) -> None:
        self.node, self.path = node, path
        self.members: dict[str, Any] = {}
        for key, value in node.value:
            if type(key).__name__ == "ScalarNode":
                self.members[str(key.value)] = value

    @property
    def span(self) -> Span:
        return _span(self.path, self.node)

    def _node(self, dotted: str) -> Any:
        """The node at a dotted key: the first part from this mapping's members, read once when it
        was made (a config is asked for a dozen keys), the deeper parts from the nested mappings."""
        first, *deeper = dotted.split(".")
        node: Any = self.members.get(first)
        for part in deeper:
            if type(node).__name__ != "MappingNode":
                return None
            node = YamlMapping(node, self.path).members.get(part)
        return node

    def scalar(self, dotted: str) -> Scalar | None:
        node = self._node(dotted)
        if node is None or type(node).__name__ != "ScalarNode" or str(node.tag).endswith(":null"):
            return None
        style = node.style or ""
        is_bool = str(node.tag).endswith(":bool")
        span = _span(self.path, node)
        return Scalar(str(node.value), is_bool, style, span, node.start_mark.index, node.end_mark.index)

    def mapping(self, dotted: str) -> YamlMapping | None:
        node = self._node(dotted)
        return YamlMapping(node, self.path) if type(node).__name__ == "MappingNode" else None


def compose_documents(text: str, path: str) -> Iterator[YamlMapping]:
    """The top-level mappings of every document in `text`; raises `FrameworkFileError` for bad YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # pure Python where libyaml is missing
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        reason = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise FrameworkFileError(path, f"invalid YAML: {reason}", row, column) from exc
    except yaml.YAMLError as exc:
        raise FrameworkFileError(path, f"invalid YAML: {exc}") from exc
    for node in documents:
        if type(node).__name__ == "MappingNode":
            yield YamlMapping(node, path)
