"""Reading and writing fixed files without ever losing a byte the user did not ask to change.

A fixed file keeps its encoding (PEP 263 cookie or UTF-8), its byte-order mark, its line endings
(the text is never newline-translated) and its permission bits. The write is atomic: a temporary
file in the same folder, fsync, then `os.replace`, so a crash leaves either the old or the new file.
Just before replacing, the file is read again; if it changed since it was checked, nothing is
written. Symlinks are followed only when they stay inside the project.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from attnlint.source import SourceError, SourceText, decode

__all__ = ["WriteRefused", "read_source", "write_source"]


class WriteRefused(Exception):
    """A file cannot be read or written safely; the message names the file and the reason."""


def _real_path(path: Path, root: Path | None) -> Path:
    real = path.resolve()
    if path.is_symlink() and root is not None and not real.is_relative_to(root.resolve()):
        raise WriteRefused(f"{path}: a symlink to {real}, outside the project; not fixed")
    return real


def read_source(path: Path, root: Path | None = None) -> SourceText:
    """Read a file to fix (a requirements file, pyproject.toml); raises WriteRefused for symlinks
    out of `root` and undecodable files."""
    real = _real_path(path, root)
    try:
        return decode(str(path), real.read_bytes())
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot read ({exc.strerror or exc}); not fixed") from exc
    except SourceError as exc:
        raise WriteRefused(f"{path}: cannot decode: {exc.reason}; not fixed") from exc


def _unchanged(real: Path, source: SourceText) -> bool:
    try:
        return real.read_bytes() == source.data
    except OSError:
        return False


def write_source(source: SourceText, text: str, root: Path | None = None) -> None:
    """Atomically replace the file `source` was read from with `text`, or raise WriteRefused and
    leave it untouched. The file must still hold the bytes `source` was read from."""
    data = source.encode(text)
    if data == source.data:
        return
    path = Path(source.path)
    real = _real_path(path, root)
    if not os.access(real, os.W_OK):
        raise WriteRefused(f"{path}: the file is read-only; not fixed")
    if not _unchanged(real, source):
        raise WriteRefused(f"{path}: changed since it was checked; not fixed (run attnlint fix again)")
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot write next to it ({exc.strerror or exc}); not fixed") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if not _unchanged(real, source):
            raise WriteRefused(f"{path}: changed since it was checked; not fixed (run attnlint fix again)")
        os.replace(temporary, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise WriteRefused(f"{path}: cannot write ({exc.strerror or exc}); not fixed") from exc
        raise
