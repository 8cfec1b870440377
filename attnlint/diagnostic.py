"""Diagnostics: what the evaluator concludes, in the shape every output format and the fixer read.

Field names follow ruff's JSON output (`code`, `message`, `filename`, `location`, `end_location`,
`fix`, `url`, `noqa_row`) so that tools that already read ruff can read attnlint.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from attnlint.facts import ModelUse, Setting, Site
from attnlint.knowledge.schema import Applicability, FixSpec, Severity


class Location(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int
    column: int


class Edit(BaseModel):
    """Replace the text between `location` and `end_location` with `content`."""

    model_config = ConfigDict(frozen=True)

    content: str
    location: Location
    end_location: Location


class Fix(BaseModel):
    applicability: Applicability
    message: str
    edits: list[Edit] = Field(default_factory=list)


class FixPlan(BaseModel):
    """The evaluator's choice of fix, before it is turned into edits.

    `spec` is None when no fix is valid on the whole target range; `refusal` then says why, in
    words a user can act on.
    """

    spec: FixSpec | None
    refusal: str = ""
    setting: Setting | None = None
    sites: list[Site] = Field(default_factory=list)


class Diagnostic(BaseModel):
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
    plan: FixPlan | None = Field(default=None, exclude=True)
    use: ModelUse | None = Field(default=None, exclude=True)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.filename, self.location.row, self.location.column, self.code)
