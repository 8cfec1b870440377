"""Diagnostics: what a run reports, in the shape every output format reads. Made at the report edge.

Field names follow ruff's JSON output (`code`, `message`, `filename`, `location`, `end_location`,
`fix`, `url`, `noqa_row`) so that tools that already read ruff can read attnlint. A diagnostic is
immutable and carries no facts or plans: those stay on the internal `finding.Finding` it was made
from, so no output can depend on (or change) what the fixer and the guard work with.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from attnlint.facts import Location
from attnlint.knowledge.schema import Applicability, Severity

__all__ = ["Diagnostic", "Edit", "Fix", "Location"]


class Edit(BaseModel):
    """Replace the text between `location` and `end_location` with `content`.

    `filename` is set only when the edit belongs to another file than its diagnostic's: a model
    folder's finding in config.json may be fixed by a key added to generation_config.json.
    """

    model_config = ConfigDict(frozen=True)

    content: str
    location: Location
    end_location: Location
    filename: str | None = None


class Fix(BaseModel):
    model_config = ConfigDict(frozen=True)

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()


class Diagnostic(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    rule: str
    message: str
    severity: Severity
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = None
    url: str
    noqa_row: int | None = None
    #: 1-based code cell of a Jupyter notebook (rows then count from the top of that cell), as in ruff.
    cell: int | None = None

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.filename, self.cell or 0, self.location.row, self.location.column, self.code)
