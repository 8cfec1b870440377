"""GitHub Actions workflow commands, so findings show up as annotations on the pull request."""

from __future__ import annotations

from collections.abc import Sequence

from attnlint.diagnostic import Diagnostic
from attnlint.report.text import location

__all__ = ["render_github"]

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """One `::error ...::message` line per finding (empty output when clean)."""
    lines = []
    for d in diagnostics:
        props = ",".join(
            [
                f"title={_escape(f'attnlint ({d.code})', property_value=True)}",
                f"file={_escape(d.filename, property_value=True)}",
                f"line={d.location.row}",
                f"col={d.location.column}",
                f"endLine={d.end_location.row}",
                f"endColumn={d.end_location.column}",
            ]
        )
        message = _escape(f"{location(d)}: {d.code} {d.message}")
        lines.append(f"::{_LEVEL[d.severity]} {props}::{message}")
    return "".join(line + "\n" for line in lines)
