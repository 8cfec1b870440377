"""One source text per file: the bytes read, the text decoded, and the one row/column conversion.

Checking, fixing and writing all read a file through `SourceText`, so the text the extractor saw is
the text the fixer edits and the bytes the writer compares against. Rows end at "\\n", "\\r\\n" or a
lone "\\r" and nowhere else, as in CPython's tokenizer and libcst: a form feed, U+0085, U+2028 or
U+2029 is a character of its line. Columns are 1-based characters counted after a UTF-8 BOM.
"""

from __future__ import annotations

import bisect
import codecs
import io
import json
import operator
import re
import tokenize
from collections.abc import Iterable
from dataclasses import field, replace
from functools import cached_property
from itertools import accumulate

from attnlint.diagnostic import Edit
from attnlint.facts import Location
from attnlint.records import record

#: Training-framework YAML configs and launch scripts (`extract.frameworks` reads them).
FRAMEWORK_SUFFIXES = (".yaml", ".yml", ".sh")

__all__ = [
    "FRAMEWORK_SUFFIXES",
    "HotRows",
    "LineIndex",
    "NotebookError",
    "SourceError",
    "SourceText",
    "decode",
    "is_framework_file",
    "split_lines",
]


def is_framework_file(path: str) -> bool:
    """A training-framework YAML config or launch script, checked by `extract.frameworks`."""
    return path.endswith(FRAMEWORK_SUFFIXES)


_LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its own line end; only "\\n", "\\r\\n" and "\\r" end a line."""
    lines, start = [], 0
    for match in _LINE_END.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


class LineIndex:
    """Offsets of line starts in a text, so that a location converts both ways in O(log n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        if "\r" in text:
            self.starts = [0, *(m.end() for m in _LINE_END.finditer(text))]
        else:  # the usual file: each row starts one past the end of the previous one, summed in C
            lines = text.split("\n")
            self.starts = list(map(operator.add, accumulate(map(len, lines), initial=0), range(len(lines))))

    def offset(self, row: int, column: int) -> int:
        """The string offset of a 1-based (row, column); ValueError when it lies outside the text."""
        if not 1 <= row <= len(self.starts):
            raise ValueError(f"row {row} is outside the text ({len(self.starts)} lines)")
        start = self.starts[row - 1]
        end = self.starts[row] if row < len(self.starts) else len(self.text)
        offset = start + column - 1
        if not start <= offset <= end:
            raise ValueError(f"column {column} is outside row {row}")
        return offset

    def row(self, offset: int) -> int:
        """The 1-based row that holds the string offset."""
        return bisect.bisect_right(self.starts, offset)

    def row_text(self, row: int) -> str:
        """Row `row` without its line end; "" for a row outside the text."""
        return self.rows_text(row, row).rstrip("\r\n")

    def rows_text(self, first: int, last: int) -> str:
        """Rows `first` to `last` (1-based, inclusive), line ends included; "" outside the text."""
        count = len(self.starts)
        if not 1 <= first <= count or last < first:
            return ""
        return self.text[self.starts[first - 1] : self.starts[last] if last < count else len(self.text)]

    def utf8_column(self, row: int, byte_column: int) -> int:
        """The 1-based character column of an `ast` position, whose column counts UTF-8 bytes from
        0. A byte column inside a character counts that character."""
        line = self.row_text(row)
        if line.isascii():
            return byte_column + 1
        return len(line.encode("utf-8")[:byte_column].decode("utf-8", errors="replace")) + 1

    def location(self, offset: int) -> Location:
        row = self.row(offset)
        return Location(row=row, column=offset - self.starts[row - 1] + 1)

    def edit(self, start: int, end: int, content: str) -> Edit:
        """The ruff-style edit replacing text[start:end] with `content`."""
        return Edit(content=content, location=self.location(start), end_location=self.location(end))


def shortest(words: Iterable[str]) -> set[str]:
    """`words` less each one that holds another: where the longer one is found, so is the shorter."""
    unique = set(words)
    return {w for w in unique if not any(other != w and other in w for other in unique)}


class HotRows:
    """The rows of a text that hold one of some words, asked about a whole node's rows at once.

    A running count of hot rows answers "does any row from `first` to `last` hold a word" in O(1),
    so a walk may ask it of every node (a slice test would cost a large function's length each time).
    """

    def __init__(self, flags: bytearray) -> None:
        """`flags[i]` is non-zero when row i + 1 is hot."""
        self._counts = [0, *accumulate(flags)]
        self._rows = len(flags)

    @classmethod
    def of_words(cls, index: LineIndex, words: Iterable[str]) -> HotRows:
        """The rows of `index`'s text that hold one of `words`."""
        flags = bytearray(len(index.starts))
        text = index.text
        for word in words:  # str.find per word is far faster than one regex alternation
            found = text.find(word)
            while found >= 0:
                flags[index.row(found) - 1] = 1
                found = text.find(word, found + len(word))
        return cls(flags)

    @classmethod
    def of_rows(cls, index: LineIndex, rows: Iterable[int]) -> HotRows:
        """The rows of `index`'s text given by number (rows outside the text are ignored)."""
        flags = bytearray(len(index.starts))
        for row in rows:
            if 1 <= row <= len(flags):
                flags[row - 1] = 1
        return cls(flags)

    def touches(self, first: int, last: int | None) -> bool:
        """Whether any row from `first` to `last` (1-based, inclusive; None: `first` only) is hot."""
        end = last or first
        if end > self._rows:
            end = self._rows
        return first <= end and self._counts[end] > self._counts[first - 1]


class SourceError(ValueError):
    """A file whose text cannot be had: `code` is the file-level rule (ATN002 undecodable, ATN003
    invalid JSON), `row`/`column` where the problem is."""

    def __init__(self, code: str, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.code, self.reason, self.row, self.column = code, reason, row, column


class NotebookError(SourceError):
    """The file is not notebook JSON."""

    def __init__(self, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__("ATN003", reason, row, column)


@record
class SourceText:
    """A file as attnlint reads it. `text` is what extraction sees and fixes edit; `data` the exact
    bytes read (a writer refuses to replace a file whose bytes changed since). For a notebook,
    `text` is its code cells joined and `cells` holds the first row of each code cell in it."""

    path: str
    data: bytes
    text: str
    encoding: str = "utf-8"
    bom: bool = False
    cells: tuple[int, ...] | None = None
    newline: str = field(init=False)

    def __post_init__(self) -> None:
        found = _LINE_END.search(self.text)
        object.__setattr__(self, "newline", found.group() if found else "\n")

    @cached_property
    def index(self) -> LineIndex:
        return LineIndex(self.text)

    def encode(self, text: str) -> bytes:
        """The bytes of `text` in this file's encoding, with its BOM if it had one."""
        body = text.encode(self.encoding)
        return codecs.BOM_UTF8 + body if self.bom else body

    def with_text(self, text: str) -> SourceText:
        """The same file holding `text` (a fix candidate), for re-checking before anything is written."""
        return replace(self, text=text, data=self.encode(text))

    def cell_of(self, row: int) -> tuple[int, int]:
        """A notebook row of the joined code as (1-based code cell, row within that cell)."""
        starts = self.cells or (1,)
        index = max(bisect.bisect_right(starts, row) - 1, 0)
        return index + 1, max(row - starts[index] + 1, 1)


def _python_text(path: str, data: bytes) -> SourceText:
    """PEP 263 / BOM aware decoding of a Python file."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # a bad coding cookie, or first lines that are not UTF-8
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as undecodable:
            raise _undecodable(data, undecodable) from exc
        raise SourceError("ATN002", exc.msg) from exc
    bom = encoding == "utf-8-sig"
    encoding = "utf-8" if bom else encoding
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode(encoding)
    except LookupError as exc:
        raise SourceError("ATN002", str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc) from exc
    return SourceText(path, data, text, encoding, bom)


def _undecodable(data: bytes, exc: UnicodeDecodeError) -> SourceError:
    """ATN002 at the row of the first byte that does not decode."""
    row = data[: exc.start].count(b"\n") + 1
    reason = f"{exc.reason} at byte {exc.start} as {exc.encoding}; save the file as UTF-8"
    return SourceError("ATN002", reason, row)


def _json_text(path: str, data: bytes) -> SourceText:
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError("ATN003", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return SourceText(path, data, text, "utf-8", bom)


def _code_lines(source: object) -> list[str]:
    """A cell's lines with IPython magics (`%pip`, `!ls`, a `%%time` cell) blanked, rows kept."""
    text = "".join(source) if isinstance(source, list) else str(source)
    lines = [line.rstrip("\r\n") for line in split_lines(text)]
    if lines and lines[0].lstrip().startswith("%%"):
        return [""] * len(lines)
    return ["" if line.lstrip().startswith(("%", "!")) else line for line in lines]


def _notebook_text(path: str, data: bytes) -> SourceText:
    """The code cells of a notebook joined into one program, and where each cell starts."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise NotebookError(exc.msg, exc.lineno, exc.colno) from exc
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a Jupyter notebook: no `cells` list")
    lines: list[str] = []
    starts: list[int] = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            starts.append(len(lines) + 1)
            lines.extend(_code_lines(cell.get("source", "")) or [""])
    return SourceText(path, data, "\n".join(lines) + "\n", cells=tuple(starts))


def _utf8_text(path: str, data: bytes) -> SourceText:
    """A training-framework YAML config or shell script: UTF-8 (with or without a BOM)."""
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc) from exc
    return SourceText(path, data, text, "utf-8", bom)


def decode(path: str, data: bytes) -> SourceText:
    """The source text of a file's bytes, by kind: notebook, JSON, YAML/shell or Python. Raises
    SourceError."""
    if path.endswith(".ipynb"):
        return _notebook_text(path, data)
    if path.endswith(".json"):
        return _json_text(path, data)
    if path.endswith(FRAMEWORK_SUFFIXES):
        return _utf8_text(path, data)
    return _python_text(path, data)

