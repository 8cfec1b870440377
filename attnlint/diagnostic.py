"""Diagnostics: what a run reports, in the shape every output format reads. Made at the report edge.

Field names follow ruff's JSON output (`code`, `message`, `filename`, `location`, `end_location`,
`fix`, `url`, `noqa_row`) so that tools that already read ruff can read attnlint. A diagnostic is
immutable and carries no facts or plans: those stay on the internal `finding.Finding` it was made
from, so no output can depend on (or change) what the fixer and the guard work with.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from attnlint.facts import Location
from attnlint.records import record

if TYPE_CHECKING:
    from attnlint.knowledge.schema import Applicability, Severity

__all__ = ["Diagnostic", "Edit", "Fix", "Location"]


@record(kw_only=True)
class Edit:
    """Replace the text between `location` and `end_location` with `content`.

    `filename` is set only when the edit belongs to another file than its diagnostic's: a model
    folder's finding in config.json may be fixed by a key added to generation_config.json.
    """

    content: str
    location: Location
    end_location: Location
    filename: str | None = None


@record(kw_only=True)
class Fix:
    """What `--fix` would do for a diagnostic: edits applied together, and whether the fix is safe
    (applied by `--fix`) or unsafe (only with `--unsafe-fixes`), as in ruff's JSON."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()


@record(kw_only=True)
class Diagnostic:
    """One reported finding; `to_json` and `from_json` are the shape of the JSON output and of
    the result cache's records."""

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

    def to_json(self) -> dict[str, Any]:
        """The diagnostic as JSON-ready data (ruff's field names; tuples become lists when dumped)."""
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Diagnostic:
        """The diagnostic whose `to_json` gave `record` (a result cache entry)."""
        fix = record["fix"]
        return cls(**{
            **record, **_located(record),
            "fix": None if fix is None else Fix(
                applicability=fix["applicability"], message=fix["message"],
                edits=tuple(Edit(**{**edit, **_located(edit)}) for edit in fix["edits"]),
            ),
        })


def _located(record: dict[str, Any]) -> dict[str, Location]:
    """The `location` and `end_location` of a JSON record, as locations."""
    return {key: Location(**record[key]) for key in ("location", "end_location")}
