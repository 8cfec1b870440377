"""Terminal colour for the human formats: on only for a terminal, and never when NO_COLOR is set.

Colour that reaches a file, a pipe or a CI log is noise, so the caller decides once per run
(`wants_colour`) and the formats only ask a `Style` to paint; a plain `Style` returns text as is.
See https://no-color.org for the NO_COLOR convention.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from attnlint.records import record

__all__ = ["PLAIN", "Style", "wants_colour"]

_CODES = {"bold": "1", "red": "1;31", "yellow": "1;33", "cyan": "36", "green": "32", "blue": "1;34"}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour for `stream` when it is a terminal and NO_COLOR is unset or empty."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@record
class Style:
    """Paints text with ANSI SGR codes when `colour` is on."""

    colour: bool = False

    def paint(self, text: str, kind: str) -> str:
        if not self.colour or not text:
            return text
        return f"\x1b[{_CODES[kind]}m{text}\x1b[0m"


#: The style of every report that is not headed for a terminal.
PLAIN = Style()
