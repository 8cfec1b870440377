"""setup.cfg: `[options] install_requires` and every `[options.extras_require]` entry.

setuptools writes these as dangling lists (one requirement per line), sometimes `;`-separated on
one line in old projects; markers after `;` are kept when the line is a single requirement.
"""

from __future__ import annotations

import re
from pathlib import Path

from attnlint.extract.pins.errors import PinFileError

__all__ = ["read_setup_cfg"]

_COMMENT = re.compile(r"\s+#.*$")


def _lines(value: str) -> list[str]:
    """The requirements of a dangling list, without comment lines or ` # ...` tails."""
    lines = (_COMMENT.sub("", line).strip() for line in value.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_setup_cfg(path: Path) -> list[str]:
    """The requirement lines of setup.cfg; raises `PinFileError` when it is not an INI file."""
    import configparser  # only a project with a setup.cfg pays for it

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise PinFileError(path, str(exc).splitlines()[0]) from exc
    lines: list[str] = []
    if parser.has_option("options", "install_requires"):
        lines += _lines(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines += _lines(value)
    return lines
