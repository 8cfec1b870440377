"""Pipfile.lock: pipenv's lock, a JSON document whose `default` and `develop` sections map each
package to its exact `"version": "==X"`."""

from __future__ import annotations

import json
from pathlib import Path

from attnlint.extract.pins.errors import PinFileError

__all__ = ["read_pipfile_lock"]


def read_pipfile_lock(path: Path) -> list[str]:
    """`name==version` for every locked package; raises `PinFileError` for anything but the lock's JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PinFileError(path, str(exc)) from exc
    if not isinstance(data, dict):
        raise PinFileError(path, "not a JSON object")
    lines: list[str] = []
    for section in ("default", "develop"):
        packages = data.get(section, {})
        if not isinstance(packages, dict):
            raise PinFileError(path, f"`{section}` is not an object")
        for name, entry in packages.items():
            version = entry.get("version") if isinstance(entry, dict) else None
            if isinstance(version, str) and version.startswith("=="):
                lines.append(f"{name}{version}")
    return lines
