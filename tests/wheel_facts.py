"""Read what a released transformers wheel defines, without installing it (for tests/test_since.py).

A wheel is a zip: a model type exists where its configuration class is defined in
models/*/configuration_*.py, the cache classes are the `class ...Cache` of cache_utils.py, and
from_pretrained reads `dtype=` where modeling_utils.py pops "dtype" from its kwargs.
Wheels come from `pip download --no-deps transformers==X -d DIR`; ATTNLINT_WHEELS names DIR.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

_CONFIG_FILE = re.compile(r"^transformers/models/\w+/configuration_\w+\.py$")
_CONFIG_CLASS = re.compile(r"^class (\w+Config)\(", re.M)
_CACHE_CLASS = re.compile(r"^class (\w+Cache)\b", re.M)
_DTYPE_KEYWORD = re.compile(r'^\s+dtype = kwargs\.pop\("dtype", None\)', re.M)


@dataclass(frozen=True)
class WheelFacts:
    version: Version
    config_classes: frozenset[str]
    cache_classes: frozenset[str]
    dtype_keyword: bool


def _read(archive: zipfile.ZipFile, name: str) -> str:
    try:
        return archive.read(f"transformers/{name}").decode("utf-8")
    except KeyError:
        return ""


def read_wheel(path: Path) -> WheelFacts:
    with zipfile.ZipFile(path) as archive:
        configs = {
            name
            for member in archive.namelist()
            if _CONFIG_FILE.match(member)
            for name in _CONFIG_CLASS.findall(archive.read(member).decode("utf-8"))
        }
        classes = set(_CACHE_CLASS.findall(_read(archive, "cache_utils.py")))
        dtype = _DTYPE_KEYWORD.search(_read(archive, "modeling_utils.py")) is not None
    return WheelFacts(Version(path.name.split("-")[1]), frozenset(configs), frozenset(classes), dtype)


def wheels(folder: Path) -> list[WheelFacts]:
    """Every transformers wheel in `folder`, oldest first."""
    found = [read_wheel(p) for p in folder.glob("transformers-*-py3-none-any.whl")]
    return sorted(found, key=lambda facts: facts.version)
