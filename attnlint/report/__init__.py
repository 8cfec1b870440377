"""Output formats: one module per format, one registry to pick among them.

Every command renders here, in every format: `check` its findings, `fix` (and `check --fix`) the
findings that remain with a `FixSummary`. Adding a format means adding a module and one entry to
`_renderer`; nothing else names the formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from attnlint.diagnostic import Diagnostic
    from attnlint.report.summary import FixSummary

__all__ = ["FORMATS", "OutputFormat", "render"]

OutputFormat = Literal["text", "concise", "full", "json", "github", "sarif"]
#: A renderer: the diagnostics, whether unsafe fixes are shown as applicable, the fix summary of a
#: fix run (None for a check) -> the whole stdout of the command.
Renderer = Callable[[Sequence["Diagnostic"], bool, "FixSummary | None"], str]

FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)


def render(
    diagnostics: Sequence[Diagnostic],
    output_format: OutputFormat,
    *,
    unsafe_fixes: bool = False,
    summary: FixSummary | None = None,
    colour: bool = False,
) -> str:
    """The report in the chosen format, as one string ready to write to stdout. The renderers (and
    the diagnostic model) are imported here, so that reading `FORMATS` to build the command line
    costs nothing. `colour` paints the human formats (the caller decides: a terminal, no NO_COLOR)."""
    return _renderer(output_format, colour)(diagnostics, unsafe_fixes, summary)


def _renderer(output_format: OutputFormat, colour: bool = False) -> Renderer:
    """The registry of formats: one branch per format module (`text` and `concise` are one format
    under ruff's two names; `full` shows a fix run's summary as `text` does). Only the chosen
    format's module is imported (the full format's diff machinery is not a plain check's)."""
    if output_format == "json":
        from attnlint.report.json import render_json

        return lambda diagnostics, _unsafe, _summary: render_json(diagnostics)
    if output_format == "github":
        from attnlint.report.github import render_github

        return lambda diagnostics, _unsafe, _summary: render_github(diagnostics)
    if output_format == "sarif":
        from attnlint.report.sarif import render_sarif

        return lambda diagnostics, _unsafe, _summary: render_sarif(diagnostics)
    from attnlint.report.style import Style
    from attnlint.report.text import render_text

    style = Style(colour)

    def text(diagnostics: Sequence[Diagnostic], unsafe: bool, summary: FixSummary | None) -> str:
        return render_text(diagnostics, unsafe, summary, style)

    if output_format in ("text", "concise"):
        return text
    from attnlint.report.full import render_full

    def full(diagnostics: Sequence[Diagnostic], unsafe: bool, summary: FixSummary | None) -> str:
        return text(diagnostics, unsafe, summary) if summary else render_full(diagnostics, unsafe, style)

    return full
