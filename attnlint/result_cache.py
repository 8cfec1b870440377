"""The result cache: a file's findings, kept in `.attnlint_cache/` at the project root.

A warm run (pre-commit on an unchanged tree, a CI re-run) should cost little more than reading
the files. An entry is keyed by everything a file's findings depend on: its bytes and reported
name, the attnlint version and what a record means (`RECORDS`), the rule base (a hash of every
shipped knowledge file), the target it is judged on (transformers and torch specifiers and where
they came from) and the selection.
Entries are one small JSON file each, written to a temporary name and renamed into place, so
concurrent runs never read half an entry; an entry that cannot be read is a miss. The folder holds
a `.gitignore` of `*`, as ruff's does, so git never shows it.

What the cache cannot see: a local checkpoint's `config.json` or the Hugging Face cache that a
file's model type was read from. `--no-cache` checks everything afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attnlint import __version__
from attnlint.knowledge.compiled import rule_base_hash

__all__ = ["CACHE_FOLDER", "ResultCache", "rule_base_hash"]

CACHE_FOLDER = ".attnlint_cache"
#: What a stored record means, in the key beside the version: raised when that changes between
#: releases (2: a record's fix is one `attnlint fix` makes good, not every planned fix).
RECORDS = "2"


class ResultCache:
    """Findings (as JSON records) per file under `root/.attnlint_cache/`, for one run's settings.

    `context` names what the run's findings depend on beyond each file and its target (the
    selection); it is hashed into every key together with the version and the rule base.
    """

    def __init__(self, root: Path, context: Sequence[str]) -> None:
        self.folder = root / CACHE_FOLDER
        self._prefix = "\0".join([__version__, RECORDS, rule_base_hash(), *context]).encode()
        self._ready = False

    def key(self, name: str, data: bytes, target: Sequence[str]) -> str:
        """The key of one file's findings: its name and bytes, and the target it is judged on."""
        digest = hashlib.sha256(self._prefix)
        for part in (name, *target):
            digest.update(b"\0" + part.encode())
        digest.update(b"\0" + data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """The records stored under `key`, or None (never stored, unreadable or not a list)."""
        try:
            records = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError):
            return None
        return records if isinstance(records, list) else None

    def put(self, key: str, records: list[dict[str, Any]]) -> None:
        """Store `records` atomically; a cache that cannot be written is silently skipped."""
        path = self._path(key)
        import tempfile  # a warm run, which only reads, never needs it

        try:
            self._prepare()
            path.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(records, out, separators=(",", ":"))
            os.replace(temporary, path)
        except OSError:
            return

    def _prepare(self) -> None:
        if self._ready:
            return
        self.folder.mkdir(exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Automatically created by attnlint.\n*\n", encoding="utf-8")
        self._ready = True
