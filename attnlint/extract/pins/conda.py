"""environment.yml: conda's match specs and the `pip:` subsection, as PEP 508 lines.

Conda writes `transformers=4.51` (any 4.51.x), `transformers==4.51.0`, `transformers>=4.51,<4.53`,
`transformers 4.51.0 py_0` (name, version, build) and `conda-forge::transformers=4.51`; the pip
subsection holds ordinary requirements. conda's `pytorch` package is the `torch` distribution.
PyYAML is imported only when a project has such a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from attnlint.extract.pins.errors import PinFileError

__all__ = ["conda_requirement", "read_environment"]

_SPEC = re.compile(r"^(?:[^:\s]+::)?(?P<name>[A-Za-z0-9_.-]+)\s*(?P<version>[^\s\[]*)")
_RENAMED = {"pytorch": "torch"}


def conda_requirement(spec: str) -> str | None:
    """A conda match spec as a PEP 508 line (`transformers=4.51` -> `transformers==4.51.*`); None
    for a spec with no version or an `|` alternative that one specifier set cannot hold."""
    match = _SPEC.match(spec.strip())
    if match is None:
        return None
    name = _RENAMED.get(match["name"].lower(), match["name"])
    version = match["version"]
    if not version or "|" in version:
        return None
    if version.startswith("=") and not version.startswith("=="):
        version = "==" + version[1:].rstrip("*").rstrip(".") + ".*"
    elif version[0].isdigit():
        version = "==" + (version[:-1].rstrip(".") + ".*" if version.endswith("*") else version)
    return name + version


def _load(path: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PinFileError(path, str(exc).replace("\n", " ")) from exc


def read_environment(path: Path) -> list[str]:
    """The requirement lines of a conda environment file; raises `PinFileError` for broken YAML or
    a `dependencies` that is not a list."""
    data = _load(path)
    dependencies = data.get("dependencies", []) if isinstance(data, dict) else None
    if not isinstance(dependencies, list):
        raise PinFileError(path, "`dependencies` is not a list")
    lines: list[str] = []
    for entry in dependencies:
        if isinstance(entry, str):
            line = conda_requirement(entry)
            if line is not None:
                lines.append(line)
        elif isinstance(entry, dict) and isinstance(entry.get("pip"), list):
            lines += [p.strip() for p in entry["pip"] if isinstance(p, str) and not p.strip().startswith("-")]
    return lines
