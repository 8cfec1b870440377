"""The report edge of `check` and `fix`: diagnostics whose fixes are those `attnlint fix` keeps.

`engine.diagnostics` attaches each finding's planned fix; a plan can still be one the fixer rolls
back once it re-checks the fixed text (`fix.available`). Every report of check and fix (text,
JSON, the `[*]` marks and the hidden-fix hint, the result cache) goes through `reported`, so a
fix is offered only when the fixer would apply it. The engine and the project never import the
fixer, so `cli` hands this edge to `project.check_paths`; the fixer is imported only for a unit
that has a fix at all.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attnlint.diagnostic import Diagnostic
    from attnlint.engine import CheckContext, CheckOptions, Unit
    from attnlint.finding import Finding

    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:  # pragma: no cover
        from typing_extensions import Unpack

__all__ = ["check_bytes", "check_source", "reported"]


def reported(unit: Unit, findings: Sequence[Finding], context: CheckContext) -> list[Diagnostic]:
    """The diagnostics of `findings` (judged in `context`), each with a fix only when `fix` keeps it."""
    from attnlint.engine import diagnostics

    made = diagnostics(unit, findings)
    if not any(d.fix is not None for d in made):
        return made
    from attnlint.fix.available import keep_available

    return keep_available(made, unit, findings, context)


def check_source(text: str, path: str = "<string>", **options: Unpack[CheckOptions]) -> list[Diagnostic]:
    """The public `attnlint.check_source`: `engine.check_source` through this edge, so that a
    diagnostic's fix is one `attnlint fix` keeps, as on the command line."""
    from attnlint.engine import check_source as check

    return check(text, path, report=reported, **options)


def check_bytes(data: bytes, path: str = "<string>", **options: Unpack[CheckOptions]) -> list[Diagnostic]:
    """The public `attnlint.check_bytes`: raw file bytes, through this edge."""
    from attnlint.engine import check_bytes as check

    return check(data, path, report=reported, **options)
