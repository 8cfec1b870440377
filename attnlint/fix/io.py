"""Reading and writing fixed files without ever losing a byte the user did not ask to change.

A fixed file keeps its encoding (PEP 263 cookie or UTF-8), its byte-order mark, its line endings
(the text is never newline-translated) and its permission bits. The write is atomic: a temporary
file in the same folder, fsync, then `os.replace`, so a crash leaves either the old or the new file.
Just before replacing, the file is read again; if it changed since it was checked, nothing is
written. Symlinks are followed only when they stay inside the project.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SourceFile", "WriteRefused", "read_source", "write_source"]


class WriteRefused(Exception):
    """A file cannot be read or written safely; the message names the file and the reason."""


@dataclass(frozen=True)
class SourceFile:
    """A file as read for fixing: its exact bytes, decoded text and what writing it back needs."""

    path: Path
    real: Path
    data: bytes
    text: str
    encoding: str
    bom: bool
    mode: int
    mtime_ns: int

    def encode(self, text: str) -> bytes:
        """The bytes of `text` in this file's encoding, with its BOM if it had one."""
        body = text.encode(self.encoding)
        return codecs.BOM_UTF8 + body if self.bom else body


def _encoding(path: Path, data: bytes) -> str:
    if path.suffix == ".json":
        return "utf-8"
    try:
        found, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise WriteRefused(f"{path}: cannot decode ({exc.msg}); not fixed") from exc
    return "utf-8" if found == "utf-8-sig" else found


def _real_path(path: Path, root: Path | None) -> Path:
    real = path.resolve()
    if path.is_symlink() and root is not None and not real.is_relative_to(root.resolve()):
        raise WriteRefused(f"{path}: a symlink to {real}, outside the project; not fixed")
    return real


def read_source(path: Path, root: Path | None = None) -> SourceFile:
    """Read a file to fix; raises WriteRefused for symlinks out of `root` and undecodable files."""
    real = _real_path(path, root)
    try:
        data = real.read_bytes()
        status = real.stat()
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot read ({exc.strerror or exc}); not fixed") from exc
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = _encoding(path, data)
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise WriteRefused(f"{path}: cannot decode as {encoding}; not fixed") from exc
    return SourceFile(path, real, data, text, encoding, bom, stat.S_IMODE(status.st_mode), status.st_mtime_ns)


def _unchanged(source: SourceFile) -> bool:
    try:
        return source.real.stat().st_mtime_ns == source.mtime_ns and source.real.read_bytes() == source.data
    except OSError:
        return False


def write_source(source: SourceFile, text: str) -> None:
    """Atomically replace the file with `text`, or raise WriteRefused and leave it untouched."""
    data = source.encode(text)
    if data == source.data:
        return
    if not os.access(source.real, os.W_OK):
        raise WriteRefused(f"{source.path}: the file is read-only; not fixed")
    if not _unchanged(source):
        raise WriteRefused(f"{source.path}: changed since it was checked; not fixed (run attnlint fix again)")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=source.real.parent, prefix=f".{source.real.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise WriteRefused(
            f"{source.path}: cannot write next to it ({exc.strerror or exc}); not fixed"
        ) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, source.mode)
        if not _unchanged(source):
            raise WriteRefused(
                f"{source.path}: changed since it was checked; not fixed (run attnlint fix again)"
            )
        os.replace(temporary, source.real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise WriteRefused(f"{source.path}: cannot write ({exc.strerror or exc}); not fixed") from exc
        raise
