"""Findings: the evaluator's internal conclusions, before anything is reported.

A finding keeps what the fixer and the guard need (the model use it is about, the place it is
anchored at, the chosen fix) and is never shown as is: `engine.diagnostics` turns findings into
the immutable, reported `Diagnostic` at the edge, with notebook cells and fix edits filled in.
"""

from __future__ import annotations

from dataclasses import replace

from attnlint.facts import ModelUse, Setting, Site, Span
from attnlint.knowledge import rule_by_code
from attnlint.knowledge.schema import FixSpec, Severity
from attnlint.records import record

__all__ = ["Finding", "FixPlan", "file_problem"]


@record(kw_only=True)
class FixPlan:
    """The evaluator's choice of fix, before it is turned into edits.

    `spec` is None when no fix is valid on the whole target range; `refusal` then says why, in
    words a user can act on. `sites` are the calls or files where an unset setting can be added.
    """

    spec: FixSpec | None
    refusal: str = ""
    setting: Setting | None = None
    sites: tuple[Site, ...] = ()


@record
class Finding:
    """One rule matched at one place of one file (or a problem with the file itself)."""

    code: str
    rule: str
    message: str
    severity: Severity
    span: Span
    url: str
    plan: FixPlan | None = None
    use: ModelUse | None = None

    @property
    def path(self) -> str:
        return self.span.path

    def key(self) -> tuple[str, int, int, int, int]:
        """Code and place: two findings with one key are one finding (see `engine`)."""
        where = self.span
        return (self.code, where.row, where.column, where.end_row, where.end_column)

    def with_sites(self, sites: tuple[Site, ...]) -> Finding:
        """The finding with its fix reaching more sites (two generate calls of one loaded model)."""
        if self.plan is None:
            return self
        return replace(self, plan=replace(self.plan, sites=sites))


def file_problem(code: str, reason: str, path: str, row: int = 1, column: int = 1) -> Finding:
    """A finding of a file-level rule (ATN001-ATN004: unparsable, undecodable, invalid JSON,
    unreadable) at one point, so a broken file is reported like any finding instead of raising."""
    rule = rule_by_code()[code]
    where = Span(path=path, row=row, column=column, end_row=row, end_column=column)
    return Finding(
        code=code, rule=rule.name, message=rule.message.format(reason=reason), severity=rule.severity,
        span=where, url=rule.url,
    )
