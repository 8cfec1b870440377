"""Pin sources beyond pyproject.toml, lock files and requirements*.txt: one small reader per format.

Projects keep their transformers/torch requirement in many places. Each reader turns one kind of
file into plain PEP 508 requirement lines (or, for a lock, exact versions), so that
`extract/versions.py` judges them with the same logic as every other pin. Readers never run the
file: setup.py is read with `ast`, YAML with PyYAML (imported only when such a file exists).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from attnlint.extract.pins.conda import read_environment
from attnlint.extract.pins.errors import PinFileError
from attnlint.extract.pins.pipfile import read_pipfile_lock
from attnlint.extract.pins.setup_cfg import read_setup_cfg
from attnlint.extract.pins.setup_py import read_setup_py
from attnlint.records import record

__all__ = [
    "LOCK_SOURCES",
    "REQUIREMENT_SOURCES",
    "PinFileError",
    "PinLine",
    "Reader",
    "pin_file_names",
    "read_lines",
]


@record
class PinLine:
    """One requirement (PEP 508 text) and the file it was read from, relative to the project."""

    text: str
    file: str


Reader = Callable[[Path], list[str]]

#: File name -> reader of its requirement lines (a project's own, unlocked requirements).
REQUIREMENT_SOURCES: dict[str, Reader] = {
    "setup.py": read_setup_py,
    "setup.cfg": read_setup_cfg,
    "environment.yml": read_environment,
    "environment.yaml": read_environment,
}
#: File name -> reader of exact `name==version` lines (a lock: what really gets installed).
LOCK_SOURCES: dict[str, Reader] = {"Pipfile.lock": read_pipfile_lock}


def pin_file_names() -> tuple[str, ...]:
    """The names of every file these readers understand (a folder with one has its own pins)."""
    return (*REQUIREMENT_SOURCES, *LOCK_SOURCES)


def read_lines(root: Path, sources: dict[str, Reader]) -> list[PinLine]:
    """Every requirement line of `sources` present in `root`; raises `PinFileError` for a file
    that exists but cannot be read as its format."""
    found: list[PinLine] = []
    for name, reader in sources.items():
        path = root / name
        if path.is_file():
            found.extend(PinLine(text, name) for text in reader(path))
    return found
