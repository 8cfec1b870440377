"""Python sources -> `ModelUse` records: where attention and cache are set, for which model.

One `ast` traversal per file, in source order, so that a name's value is the one it holds where it
is used. Loads (`from_pretrained`, `from_config`, `pipeline`) create a tracked model; settings made
on it later (`set_attn_implementation`, `model.generation_config.cache_implementation = ...`) change
it; each `generate` or forward call reports the model as it is at that call. A `functools.partial` of a
loader or of `generate` is read, where it is called, as the call it forwards to. Values are read through
constants, dicts, `**` spreads and conditional expressions; whatever cannot be read is kept as an
unreadable setting that never triggers a rule. The tokenizer's padding side and `autocast` are
file-wide facts: they are added to every use of the file. A bytes test derived from the rules
(`attnlint.prefilter`) runs first, so that most files of a project are never parsed.
"""

from __future__ import annotations

import ast
import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from attnlint.extract.context import read_context
from attnlint.extract.python.statements import Extractor
from attnlint.facts import ModelUse

__all__ = ["extract_python"]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused, as it was before afterwards. Parsing makes about
    one object per token and the walk a few per node, all still alive, so the collector would
    traverse the growing tree again and again for nothing: the parse of a 2 MB module takes twice
    as long with it running. What the walk drops is freed by reference counting as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def extract_python(text: str, path: str, root: Path | None = None) -> list[ModelUse]:
    """Every model use in a Python source. Raises SyntaxError (or ValueError) if it does not parse."""
    with _without_cycle_collection():
        return _extract(text, path, root)


def _extract(text: str, path: str, root: Path | None) -> list[ModelUse]:
    with warnings.catch_warnings():  # a user's invalid escape sequence is not attnlint's to report
        warnings.simplefilter("ignore")
        # Not the real path: CPython would read the file on disk to place a syntax error's column,
        # and a notebook's file is JSON, not this text.
        tree = ast.parse(text, filename="<attnlint>")
    extractor = Extractor(text, path, root)
    uses = extractor.run(tree)
    context = read_context(extractor.pos.index, tree, extractor.pos.span, path, extractor.folders, uses)
    return context.apply(uses)
