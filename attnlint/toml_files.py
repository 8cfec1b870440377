"""TOML read once per file state: a check reads `pyproject.toml` for `[tool.attnlint]` and again for
the pins of each target it resolves, and a parse costs more than the `stat` that tells whether the
file changed (a fix of the pins rewrites it between rounds)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["TOMLDecodeError", "loads", "read_toml"]

TOMLDecodeError = tomllib.TOMLDecodeError
loads = tomllib.loads


def read_toml(path: Path) -> dict[str, Any]:
    """`path` parsed as UTF-8 TOML: the same object while the file's size and time are the same, so
    callers read it and never change it. Raises OSError, UnicodeDecodeError or TOMLDecodeError."""
    state = path.stat()
    return _parsed(path, state.st_mtime_ns, state.st_size)


@lru_cache(maxsize=32)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    del mtime_ns, size  # the cache key: a rewritten file is parsed again
    return loads(path.read_text(encoding="utf-8"))
