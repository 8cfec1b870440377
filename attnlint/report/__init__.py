"""Output formats for `attnlint check`: one module per format, one entry point to pick among them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from attnlint.diagnostic import Diagnostic

__all__ = ["FORMATS", "OutputFormat", "render"]

OutputFormat = Literal["text", "json", "github"]
FORMATS: tuple[OutputFormat, ...] = ("text", "json", "github")


def render(
    diagnostics: Sequence[Diagnostic], output_format: OutputFormat, *, unsafe_fixes: bool = False
) -> str:
    """The report in the chosen format, as one string ready to write to stdout. The renderers (and
    the diagnostic model) are imported here, so that reading `FORMATS` to build the command line
    costs nothing."""
    from attnlint.report.github import render_github
    from attnlint.report.json import render_json
    from attnlint.report.text import render_text

    if output_format == "json":
        return render_json(diagnostics)
    if output_format == "github":
        return render_github(diagnostics)
    return render_text(diagnostics, unsafe_fixes=unsafe_fixes)
