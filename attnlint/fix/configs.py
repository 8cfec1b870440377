"""Fixing a model folder: config.json and generation_config.json, judged together.

The two files make one model use, so a fix in one is verified by re-extracting the pair. The
candidate text goes into a scratch copy of the pair (never into the user's folder) and the
diagnostics found there are renamed back to the real files. Files are compared by name, which is
unique inside one folder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from attnlint.diagnostic import Diagnostic, Edit
from attnlint.engine import file_problem, selected
from attnlint.evaluate import evaluate
from attnlint.extract.configs import ConfigFileError, extract_config_folder
from attnlint.facts import Target
from attnlint.fix.io import SourceFile, read_source
from attnlint.fix.json import json_edits, json_file_for
from attnlint.fix.outcome import FixOutcome, FixRefused
from attnlint.fix.rounds import fix_rounds, wanted

__all__ = ["fix_config_folder"]

_NAMES = ("config.json", "generation_config.json")


def _target_name(diagnostic: Diagnostic) -> str:
    return Path(json_file_for(diagnostic) or diagnostic.filename).name


class _Recheck:
    """Re-extract the folder's config pair with one file's candidate text, in a scratch folder."""

    def __init__(self, folder: Path, name: str, target: Target, select: Sequence[str], ignore: Sequence[str]):
        self.folder, self.name, self.target = folder, name, target
        self.select, self.ignore = select, ignore

    def __call__(self, candidate: str) -> list[Diagnostic]:
        with tempfile.TemporaryDirectory(prefix="attnlint-fix-") as scratch:
            for other in _NAMES:
                real = self.folder / other
                if other == self.name:
                    (Path(scratch) / other).write_text(candidate, encoding="utf-8")
                elif real.is_file():
                    (Path(scratch) / other).write_bytes(real.read_bytes())
            try:
                found = evaluate(extract_config_folder(Path(scratch)), self.target)
            except ConfigFileError as exc:
                return [file_problem("ATN003", exc.reason, str(self.folder / self.name), 1, 1)]
        return [
            d.model_copy(update={"filename": str(self.folder / Path(d.filename).name)})
            for d in found
            if selected(d.code, self.select, self.ignore)
        ]


def fix_config_folder(
    folder: Path,
    diagnostics: Sequence[Diagnostic],
    unsafe: bool,
    target: Target,
    root: Path | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> tuple[list[tuple[SourceFile, str]], FixOutcome]:
    """Fix the config pair in `folder`: the new text of each changed file, and the combined outcome.

    Raises `io.WriteRefused` when a file to fix cannot be read safely.
    """
    current = list(diagnostics)
    names = sorted({_target_name(d) for d in current if wanted(d, unsafe)} & set(_NAMES))
    writes: list[tuple[SourceFile, str]] = []
    total = FixOutcome(text="", remaining=current)
    for name in names:
        source = read_source(folder / name, root)

        def produce(text: str, chosen: Sequence[Diagnostic], name: str = name) -> dict[int, list[Edit] | str]:
            results: dict[int, list[Edit] | str] = {}
            for i, diagnostic in enumerate(chosen):
                if _target_name(diagnostic) == name:
                    try:
                        results[i] = json_edits(text, name, diagnostic)
                    except FixRefused as exc:
                        results[i] = str(exc)
            return results

        outcome = fix_rounds(
            source.text, current, unsafe, produce, _Recheck(folder, name, target, select, ignore)
        )
        if outcome.text != source.text:
            writes.append((source, outcome.text))
        current = outcome.remaining
        total.fixed.extend(outcome.fixed)
        total.refusals.extend(outcome.refusals)
        total.remaining = current
    return writes, total
